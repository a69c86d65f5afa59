import type { BackendName, RunParent, RunStatus } from './runTypes';

/** A hyperparameter's value as a table cell: a scalar leaf of spec.json. */
export type ParamValue = string | number | boolean | null;

/**
 * One run as `runs --json`, the experiments table and the Runs view list
 * it: what run.json, spec.json and the epoch records say, kept in the runs
 * folder's index so that thousands of runs list without opening each folder.
 */
export interface RunRow {
  readonly id: string;
  /** Absolute path of the run folder. */
  readonly runDir: string;
  /** Absolute path of the model file the run belongs to (where its runs folder is). */
  readonly modelFile: string;
  /** The folder's name part, or the person's `label` when renamed. */
  readonly name: string;
  readonly status: RunStatus;
  /** ISO 8601: run.json's startedAt. */
  readonly started: string;
  /** Seconds from start to end (to the last heartbeat while running); null when unknown. */
  readonly duration: number | null;
  readonly backend: BackendName;
  readonly epochs: number;
  readonly epochsDone: number | null;
  /** `slurm` for a run trained as a Slurm job. */
  readonly executor: string | null;
  /**
   * Scalar leaves of spec.json (the model file as the run read it) by their
   * path as the `search` block writes it: `training.learningRate`,
   * `model.layers[0].units`. The `search` block itself is left out.
   */
  readonly hyperparameters: Readonly<Record<string, ParamValue>>;
  /** The last epoch record's metrics (loss, val_loss, accuracy, …). */
  readonly final: Readonly<Record<string, number>>;
  /** Each metric's best epoch value: highest for accuracy-like metrics, lowest for losses and errors. */
  readonly best: Readonly<Record<string, number>>;
  /** Metrics on the test split after training, when there is one. */
  readonly test: Readonly<Record<string, number>>;
  readonly notes: string;
  readonly tags: readonly string[];
  readonly parent: RunParent | null;
}
