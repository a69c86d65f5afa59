import type { EvaluateRequest, Evaluation, EvaluationProgress } from './evaluationTypes';
import type { AugmentPreview, AugmentPreviewRequest } from './augmentTypes';
import type { ExportRequest, ExportResult } from './exportTypes';
import type { ExplainRequest, ExplainResult } from './explainTypes';
import type { BackendChoice, BackendName, BackendSkip, MetricRecord, RunInfo } from './runTypes';
import type { SlurmExecutor } from './slurmTypes';
import type { TrialParams } from './sweepTypes';

/** Everything the trainer needs to start a run. Paths are absolute. */
export interface TrainRequest {
  readonly modelFile: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
  /** Parent of the run folders, normally `<root>/.modelstudio/runs`. */
  readonly runsDir: string;
  /** Overrides `training.epochs`. */
  readonly epochs?: number;
  /**
   * A sweep trial's values, by model-file path: set in the model file's
   * text before it is validated, so spec.json records the trial's model
   * and a value the model rejects is reported at its key.
   */
  readonly overrides?: TrialParams;
  /** false: train once even where the model file asks for cross-validation (a sweep's trials compare validation metrics). */
  readonly crossValidation?: false;
  readonly backend?: BackendChoice;
  /** Threads for the wasm backend (protocol/threads.ts; 1…8). Absent: 1, the single-threaded build. Other backends ignore it. */
  readonly threads?: number;
  /**
   * Continue this stopped run (a folder under `runsDir`) from its last
   * checkpoint to its planned epochs, appending to its metrics, with the
   * spec snapshot it started with (`modelFile` is only where data paths
   * resolve from). `epochs` must not be given.
   */
  readonly resumeRunDir?: string;
  /**
   * Continue with Changes: a new run in `runsDir` that starts from this
   * finished or stopped run's last checkpoint (weights and optimizer state)
   * with the model file's current training settings; its run.json records
   * `parent`. The model's layers must give the same weights as the parent's.
   */
  readonly continueRunDir?: string;
  /**
   * Train into this folder, made when the run was submitted to Slurm (it
   * holds job.json and job.sh), instead of a new one under `runsDir`.
   */
  readonly runDir?: string;
  /** The Slurm job training this run, for run.json's `executor`. */
  readonly executor?: SlurmExecutor;
  /**
   * The memory the run may use (modelStudio.trainer.maxMemoryMB): the host
   * starts the process with this V8 heap limit, and the trainer fails the
   * run as out of memory when heap plus tensor memory passes it.
   */
  readonly maxMemoryMB?: number;
}

/** Extension host (or CLI) → trainer process. A process does one thing: train, evaluate, export or explain. */
export type HostToTrainer =
  | { readonly type: 'train'; readonly request: TrainRequest }
  /** Evaluate a run's model; the process answers with EvaluatorToHost messages, then exits. */
  | { readonly type: 'evaluate'; readonly request: EvaluateRequest }
  /** Export a run's model; the process answers with EvaluatorToHost messages, then exits. */
  | { readonly type: 'export'; readonly request: ExportRequest }
  /** Explain a run's model (saliency, Grad-CAM, feature maps, feature importance); answered like export. */
  | { readonly type: 'explain'; readonly request: ExplainRequest }
  /** The hyperparameters form's augmentation preview; the process answers with EvaluatorToHost messages, then exits. */
  | { readonly type: 'augmentPreview'; readonly request: AugmentPreviewRequest }
  /** First stop: finish the batch, save, mark `stopped`. An evaluation stops after its current batch, writing nothing. */
  | { readonly type: 'stop' };

/**
 * Trainer process → extension host while it evaluates or exports. A union
 * of its own rather than more members of TrainerToHost: whoever follows a
 * training run never receives these. (A process that fails before it can
 * answer may still send TrainerToHost's `error`.)
 */
export type EvaluatorToHost =
  | { readonly type: 'evaluationProgress'; readonly progress: EvaluationProgress }
  /** The evaluation is in `<runDir>/evaluation.json` already. */
  | { readonly type: 'evaluationDone'; readonly evaluation: Evaluation }
  | { readonly type: 'exportDone'; readonly result: ExportResult }
  | { readonly type: 'explainDone'; readonly result: ExplainResult }
  | { readonly type: 'augmentPreviewDone'; readonly preview: AugmentPreview }
  /** Nothing was written: a problem in the user's files (named with file and line), or `cancelled` by `stop`. */
  | { readonly type: 'taskFailed'; readonly message: string; readonly cancelled: boolean };

/**
 * Trainer process → extension host (or CLI). A cross-validated run says
 * `runStarted` and `done` for the parent run (no `fold`) around each fold's
 * own `runStarted`, `metrics` and `done`, which carry `fold` (1-based).
 */
export type TrainerToHost =
  /** TF.js and its backend are loaded. */
  | { readonly type: 'ready'; readonly backend: BackendName; readonly skipped: readonly BackendSkip[] }
  | { readonly type: 'runStarted'; readonly runDir: string; readonly run: RunInfo; readonly fold?: number }
  | { readonly type: 'metrics'; readonly record: MetricRecord; readonly fold?: number }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  /** The run ended (completed, stopped or failed); run.json is final. */
  | { readonly type: 'done'; readonly runDir: string; readonly run: RunInfo; readonly fold?: number }
  /** Nothing was started: bad model file or data, named with file and line or field. */
  | { readonly type: 'error'; readonly message: string };
