import type { SlurmJob } from '../protocol/slurmTypes';
import { isFinalState, jobKey } from './jobStatus';
import { jobKeyText, schedulerReports } from './schedulerState';
import { scancel, SlurmError } from './slurmCommands';

/** How long a trainer gets after TERM to save its checkpoint before the job is cancelled outright. */
export const STOP_GRACE_MS = 30_000;
const CHECK_MS = 1000;

/**
 * Stop for a Slurm run, as Stop for a local one: a job still queued is
 * cancelled; a running one gets TERM in its batch step (the trainer
 * finishes the batch, saves the model and a checkpoint and ends the run
 * `stopped`), and is cancelled if it has not ended `graceMs` later.
 * Resolves once the job has ended.
 */
export async function stopJob(job: SlurmJob, graceMs = STOP_GRACE_MS): Promise<void> {
  const key = jobKey(job);
  if (!key) throw new SlurmError('the job was not submitted: nothing to stop');
  const target = jobKeyText(key);
  // The reports hold every job squeue lists for this user: this job's is the one by its key.
  const report = (await schedulerReports([key])).get(target);
  if (!report || isFinalState(report.state)) return;
  if (report.state === 'PENDING' || report.state === 'REQUEUED') {
    await scancel(target);
    return;
  }
  await scancel(target, { signal: 'TERM' });
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, CHECK_MS));
    const now = (await schedulerReports([key])).get(target);
    if (!now || isFinalState(now.state)) return;
  }
  await scancel(target);
}
