import type { BackendChoice, BackendName, BackendSkip, MetricRecord, RunInfo } from './runTypes';

/** Everything the trainer needs to start a run. Paths are absolute. */
export interface TrainRequest {
  readonly modelFile: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
  /** Parent of the run folders, normally `<root>/.modelstudio/runs`. */
  readonly runsDir: string;
  /** Overrides `training.epochs`. */
  readonly epochs?: number;
  readonly backend?: BackendChoice;
}

/** Extension host (or CLI) → trainer process. */
export type HostToTrainer =
  | { readonly type: 'train'; readonly request: TrainRequest }
  /** First stop: finish the batch, save, mark `stopped`. */
  | { readonly type: 'stop' };

/** Trainer process → extension host (or CLI). */
export type TrainerToHost =
  /** TF.js and its backend are loaded. */
  | { readonly type: 'ready'; readonly backend: BackendName; readonly skipped: readonly BackendSkip[] }
  | { readonly type: 'runStarted'; readonly runDir: string; readonly run: RunInfo }
  | { readonly type: 'metrics'; readonly record: MetricRecord }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  /** The run ended (completed, stopped or failed); run.json is final. */
  | { readonly type: 'done'; readonly runDir: string; readonly run: RunInfo }
  /** Nothing was started: bad model file or data, named with file and line or field. */
  | { readonly type: 'error'; readonly message: string };
