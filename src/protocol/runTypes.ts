import type { SlurmExecutor } from './slurmTypes';

/**
 * What a run folder holds (docs/architecture.md "The run folder"; fixed): `run.json` is a RunInfo,
 * each line of `metrics.jsonl` a MetricRecord. JSON-safe data only.
 */

/** The TF.js backends, in the order `auto` tries them. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What `modelStudio.backend` and `--backend` accept. */
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';

/** Why a backend earlier in the preference order was not used. */
export interface BackendSkip {
  readonly backend: BackendName;
  readonly reason: string;
}

export interface RunError {
  readonly message: string;
  readonly epoch?: number;
  readonly batch?: number;
}

/** Contents of `run.json`. */
export interface RunInfo {
  readonly id: string;
  readonly name: string;
  /** Absolute path of the model file the run was started from. */
  readonly modelFile: string;
  readonly status: RunStatus;
  readonly backend: BackendName;
  readonly backendSkipped: readonly BackendSkip[];
  /** wasm: the threads it trained with (protocol/threads.ts). */
  readonly threads?: number;
  /** wasm: the replicas of the model it trained as, one per thread (trainer/dataParallel.ts); absent when it trained as one. */
  readonly replicas?: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly seed: number;
  /** Planned number of epochs. */
  readonly epochs: number;
  /** Examples per epoch after the validation / test split. */
  readonly trainSamples: number;
  readonly batchesPerEpoch: number;
  /** Trainer process id while running, to detect a dead trainer. */
  readonly pid?: number;
  /**
   * ISO 8601, while running: the trainer rewrites run.json every few seconds
   * (HEARTBEAT_MS); a `running` run whose heartbeat stopped is a dead one.
   */
  readonly heartbeatAt?: string;
  /** ISO 8601: when the run was last resumed from its checkpoint (`startedAt` stays the first start). */
  readonly resumedAt?: string;
  /**
   * Epochs finished when the run ended. A `stopped` run with fewer than
   * `epochs` can be resumed from its last checkpoint.
   */
  readonly epochsDone?: number;
  readonly error?: RunError;
  /** Metrics on the test set after training, when there is one. */
  readonly test?: Readonly<Record<string, number>>;
  /**
   * The `val_` metrics of the model the run saved: the last epoch's, or the
   * best epoch's when restoreBestWeights went back to it.
   */
  readonly validation?: Readonly<Record<string, number>>;
  /**
   * A cross-validated run: this folder is the parent of its folds, each an
   * ordinary run folder in `folds/<n>/` (docs/architecture.md "The run folder").
   */
  readonly crossValidation?: CrossValidationInfo;
  /** Where the run was trained when not by this machine's editor or CLI: a Slurm job. */
  readonly executor?: SlurmExecutor;
  /** The person's name for the run (Rename in the experiments table); the folder keeps `name`. */
  readonly label?: string;
  /** The person's notes on the run. */
  readonly notes?: string;
  readonly tags?: readonly string[];
  /**
   * The run this one continued (Continue with Changes): its id in the same
   * runs folder, and the epochs it had done; this run's epoch 1 is its `epochs + 1`.
   */
  readonly parent?: RunParent;
}

/** run.json's `parent`: the run a continued run started from, and where. */
export interface RunParent {
  readonly id: string;
  readonly epochs: number;
}

/** One fold's result: its `val_` metrics at the end of training, and `test_` metrics when there is a test split. */
export type FoldMetrics = Readonly<Record<string, number>>;

/** What a cross-validated run's run.json says of its folds. */
export interface CrossValidationInfo {
  /** k. */
  readonly foldCount: number;
  /** The results of the folds that completed, in fold order (fold n is `folds[n - 1]`). */
  readonly folds: readonly FoldMetrics[];
  /** Once every fold completed: per metric, the mean and sample standard deviation over the folds. */
  readonly mean?: FoldMetrics;
  readonly std?: FoldMetrics;
}

/**
 * One line of `metrics.jsonl`: a batch record (`batch` is its 0-based index
 * within the epoch) or an epoch record (`batch: null`, with `val_*` keys
 * when there is a validation set). `epoch` is 1-based; `time` is Unix ms.
 */
/** The key of the learning rate in epoch records: what the optimizer used that epoch, not a metric of the model. */
export const LEARNING_RATE_KEY = 'lr';

export interface MetricRecord {
  readonly epoch: number;
  readonly batch: number | null;
  readonly time: number;
  readonly loss: number;
  readonly [metric: string]: number | null;
}
