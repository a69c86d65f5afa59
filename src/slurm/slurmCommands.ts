import { execFile } from 'node:child_process';
import * as os from 'node:os';

/**
 * Slurm's own commands (sbatch, squeue, scontrol, sacct, scancel), run as a
 * user would run them: Model Studio has no scheduler or server of its own.
 * Their failures become SlurmErrors that say what to do, with Slurm's own
 * words where it refused something.
 */

export class SlurmError extends Error {}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** How long one Slurm command may take: a busy controller answers slowly, a dead one never. */
const COMMAND_TIMEOUT_MS = 30_000;

/** Runs a Slurm command; rejects with a SlurmError naming it when it is missing, hangs or fails. */
export function slurmCommand(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ stdout, stderr });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(
          new SlurmError(
            `${command} was not found: Slurm's commands must be on PATH where Model Studio runs ` +
              `(a login node of the cluster, e.g. through Remote-SSH)`,
          ),
        );
      } else if (error.killed) {
        reject(new SlurmError(`${command} did not answer within ${COMMAND_TIMEOUT_MS / 1000} s: is the Slurm controller up?`));
      } else {
        reject(new SlurmError(slurmMessage(command, stderr) || `${command} failed (${error.message.split('\n')[0]})`));
      }
    });
  });
}

/** Slurm's error lines without their `sbatch: error: ` prefixes, as one line. */
export function slurmMessage(command: string, stderr: string): string {
  const prefix = new RegExp(`^(${command}: )?(error: )?`, 'i');
  return stderr
    .split('\n')
    .map((line) => line.trim().replace(prefix, ''))
    .filter((line) => line !== '')
    .join('; ');
}

/** Submits a batch script; the job id (`--parsable` prints `id` or `id;cluster`). */
export async function sbatch(script: string, args: readonly string[]): Promise<string> {
  let result: CommandResult;
  try {
    result = await slurmCommand('sbatch', ['--parsable', ...args, script]);
  } catch (error) {
    if (error instanceof SlurmError && !/not found|did not answer/.test(error.message)) {
      throw new SlurmError(`Slurm refused the job: ${error.message}`);
    }
    throw error;
  }
  const jobId = result.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(jobId)) throw new SlurmError(`sbatch answered "${result.stdout.trim()}" instead of a job id`);
  return jobId;
}

/** `squeue` for this user's jobs, one line per array task: `array job id|task id or N/A|state|reason|nodes`. */
export async function squeue(): Promise<string> {
  const { stdout } = await slurmCommand('squeue', ['-h', '-r', '-u', os.userInfo().username, '-o', '%F|%K|%T|%r|%N']);
  return stdout;
}

/** `scontrol -o show job ID`: one line per job (per task of an array); undefined once Slurm forgot it. */
export async function scontrolShowJob(jobId: string): Promise<string | undefined> {
  try {
    return (await slurmCommand('scontrol', ['-o', 'show', 'job', jobId])).stdout;
  } catch (error) {
    if (error instanceof SlurmError && /invalid job id/i.test(error.message)) return undefined;
    throw error;
  }
}

/** `sacct` lines `JobID|State|NodeList|Reason` for a job; undefined where there is no accounting. */
export async function sacct(jobId: string): Promise<string | undefined> {
  try {
    return (await slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,NodeList,Reason'])).stdout;
  } catch {
    return undefined;
  }
}

/**
 * Cancels a job, an array task (`id_task`) or a whole array. `signal`:
 * send only this signal to the batch step (where the trainer runs) instead
 * of ending the job; `pendingOnly`: cancel only what has not started.
 */
export async function scancel(target: string, how: { readonly signal?: 'TERM'; readonly pendingOnly?: boolean } = {}): Promise<void> {
  await slurmCommand('scancel', [
    ...(how.signal ? ['--batch', `--signal=${how.signal}`] : []),
    ...(how.pendingOnly ? ['--state=PENDING'] : []),
    target,
  ]);
}
