import type { JobFolder } from '../../slurm/jobFolder';

// What the Runs view says of a Slurm run beyond its label: the tooltip's rows (pure, for the unit tests).

/** `1234` or `1234_5` (a task of a job array), as squeue and scancel name it. */
export function jobName({ job }: JobFolder): string {
  if (job.jobId === undefined) return 'not submitted';
  return job.arrayTaskId === undefined ? job.jobId : `${job.jobId}_${job.arrayTaskId}`;
}

/** The tooltip's rows: the job, its node, Slurm's state and reason, and why a job ended before its trainer started. */
export function slurmRows(folder: JobFolder): [string, string][] {
  const { job, run } = folder;
  const rows: [string, string][] = [['Slurm job', jobName(folder)]];
  const node = job.node ?? run?.executor?.node;
  if (node) rows.push(['node', node]);
  rows.push(['Slurm state', job.state]);
  if (job.reason) rows.push(['reason', job.reason]);
  rows.push(['submitted', new Date(job.submittedAt).toLocaleString()]);
  // A started run's error is among the run's own rows.
  if (!run && job.message) rows.push(['message', job.message]);
  return rows;
}
