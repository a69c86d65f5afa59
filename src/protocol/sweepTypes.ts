/**
 * A sweep's folder, `<model file's folder>/.modelstudio/sweeps/<id>/`: its
 * `sweep.json` (a SweepInfo) and one ordinary run folder per trial started.
 * The sweep runner writes sweep.json (whole, atomically) whenever a trial
 * changes state; the editor and the CLI read it. JSON-safe data only.
 */
import type { SearchSpec } from '../modelFile/modelSpec';
import type { SlurmExecutor } from './slurmTypes';

/** A searched parameter's value in one trial. */
export type ParamValue = number | string | boolean;

/** Values by model-file path, e.g. { "training.learningRate": 0.003, "model.layers[0].units": 32 }. */
export type TrialParams = Readonly<Record<string, ParamValue>>;

export type TrialStatus = 'queued' | 'running' | 'pruned' | 'completed' | 'failed';

export interface TrialInfo {
  /** 0-based, in the order trials were sampled. */
  readonly index: number;
  readonly params: TrialParams;
  readonly status: TrialStatus;
  /** The trial's run folder, relative to the sweep folder; once it started. */
  readonly runDir?: string;
  /** Epochs finished. */
  readonly epochsDone?: number;
  /** The trial's metrics at its best epoch by the sweep's metric (epoch records' keys). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Why it failed, or why it was pruned (e.g. "below the median of 4 trials at epoch 3"). */
  readonly reason?: string;
}

export type SweepStatus = 'running' | 'completed' | 'stopped' | 'failed';

export interface SweepInfo {
  readonly version: 1;
  readonly id: string;
  /** Absolute path of the model file the sweep was started from. */
  readonly modelFile: string;
  readonly status: SweepStatus;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly endedAt?: string;
  /** The search block as the sweep last read it (it may be edited while the sweep runs). */
  readonly search: SearchSpec;
  /** The metric compared and whether larger is better, after defaults. */
  readonly metric: string;
  readonly goal: 'minimize' | 'maximize';
  /** Runner process id and heartbeat while running, to tell a dead sweep (as run.json does). */
  readonly pid?: number;
  readonly heartbeatAt?: string;
  /**
   * A sweep submitted to Slurm: its trials are the tasks of this job array
   * (task i trains trial i); no runner process, so no pid or heartbeat.
   */
  readonly executor?: SlurmExecutor;
  readonly trials: readonly TrialInfo[];
}
