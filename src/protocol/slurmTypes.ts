/**
 * Runs on a Slurm cluster (docs/architecture.md "On a cluster"). A run
 * submitted to Slurm has its folder from the moment it is submitted, with
 * `job.json` (a SlurmJob: what the job trains and what the scheduler last
 * said of it) and `job.sh` (the batch script); the trainer on the compute
 * node writes run.json and the rest as for a local run. JSON-safe data only.
 */
import type { TrainRequest } from './trainerMessages';

/** run.json's `executor` for a run trained by a Slurm job (fixed: other tools read it). */
export interface SlurmExecutor {
  readonly type: 'slurm';
  /** The job id; for a task of a job array, the array's job id. */
  readonly jobId: string;
  /** The task's index in its job array (a sweep's trial), absent for a single job. */
  readonly arrayTaskId?: number;
  /** The compute node the trainer ran on. */
  readonly node?: string;
}

/** The states a job does not leave; UNKNOWN once the scheduler no longer knows it (it left squeue's memory and there is no accounting). */
export const FINAL_SLURM_STATES = [
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'PREEMPTED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'UNKNOWN',
] as const;

/** Slurm's job states (`squeue -o %T`, `scontrol show job`'s JobState, `sacct`'s State). */
export const SLURM_STATES = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'RESIZING',
  ...FINAL_SLURM_STATES,
] as const;
export type SlurmState = (typeof SLURM_STATES)[number];

/** `job.json`: one Slurm job (or one task of a job array) that trains one run folder. */
export interface SlurmJob {
  readonly version: 1;
  /** What the trainer on the compute node trains: `runsDir` is the folder above this run folder. */
  readonly request: TrainRequest;
  /** Set once sbatch answered. */
  readonly jobId?: string;
  readonly arrayTaskId?: number;
  /** ISO 8601. */
  readonly submittedAt: string;
  /** What the scheduler said last, and when (ISO 8601). */
  readonly state: SlurmState;
  /** Slurm's reason while pending (e.g. `Priority`, `Resources`) or for its end (e.g. `TimeLimit`). */
  readonly reason?: string;
  readonly node?: string;
  readonly checkedAt?: string;
  /**
   * Why the job ended without training, in plain words: the batch script's
   * own checks (Node missing or too old, the model file not visible from
   * the compute node), or the scheduler's end state.
   */
  readonly message?: string;
}
