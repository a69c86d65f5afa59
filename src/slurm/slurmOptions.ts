/**
 * What a user sets for their cluster (the `modelStudio.slurm.*` settings;
 * the CLI's `--partition`, `--time`, `--gpus` override them), and the
 * `#SBATCH` lines they become.
 */
export interface SlurmOptions {
  readonly partition?: string;
  readonly account?: string;
  /** Slurm's time format, e.g. "02:00:00" or "1-00:00:00". */
  readonly time?: string;
  /** GPUs per job: `--gres=gpu:N`. */
  readonly gpus?: number;
  readonly cpusPerTask?: number;
  /** Slurm's memory format, e.g. "16G". */
  readonly memory?: string;
  /** Passed to sbatch as they are, e.g. ["--qos=short", "--requeue"]. */
  readonly extraArgs?: readonly string[];
  /** Shell lines run on the compute node before the trainer, e.g. "module load nodejs". */
  readonly setup?: readonly string[];
  /** The Node.js binary on the compute nodes. */
  readonly node?: string;
}

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME_FORMAT = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;

/** Why the options cannot be passed to sbatch, in the settings' words, or undefined. */
export function slurmOptionsProblem(options: SlurmOptions): string | undefined {
  if (options.time !== undefined && !TIME_FORMAT.test(options.time)) {
    return `time "${options.time}" is not a Slurm time limit (e.g. "30", "02:00:00" or "1-00:00:00")`;
  }
  if (options.gpus !== undefined && (!Number.isInteger(options.gpus) || options.gpus < 0)) {
    return `gpus must be a whole number, got ${options.gpus}`;
  }
  if (options.cpusPerTask !== undefined && (!Number.isInteger(options.cpusPerTask) || options.cpusPerTask < 1)) {
    return `cpusPerTask must be a positive whole number, got ${options.cpusPerTask}`;
  }
  for (const [name, value] of [
    ['partition', options.partition],
    ['account', options.account],
    ['memory', options.memory],
  ] as const) {
    if (value !== undefined && !/^[\w.,:+-]+$/.test(value)) return `${name} "${value}" has characters Slurm does not accept`;
  }
  return undefined;
}

/** The `#SBATCH` options the settings ask for (set ones only, so the cluster's defaults apply to the rest). */
export function sbatchOptions(options: SlurmOptions): string[] {
  return [
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.account ? [`--account=${options.account}`] : []),
    ...(options.time ? [`--time=${options.time}`] : []),
    ...(options.gpus ? [`--gres=gpu:${options.gpus}`] : []),
    ...(options.cpusPerTask ? [`--cpus-per-task=${options.cpusPerTask}`] : []),
    ...(options.memory ? [`--mem=${options.memory}`] : []),
  ];
}
