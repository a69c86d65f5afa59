import * as path from 'node:path';
import type { MetricRecord } from '../protocol/runTypes';
import type { SweepInfo, SweepStatus, TrialInfo } from '../protocol/sweepTypes';
import { readMetrics } from '../runFolder/readRunFolder';
import { pruneDecision, type TrialCurve } from '../sweep/pruning';
import { writeSweep } from '../sweep/sweepFolder';
import { bestEpochMetrics, metricCurve } from '../sweep/trialMetrics';
import { readJobFolder, type JobFolder } from './jobFolder';
import { refreshJobFolders } from './jobStatus';
import { jobKeyText } from './schedulerState';
import { scancel } from './slurmCommands';
import { STOP_GRACE_MS } from './stopJob';

/**
 * A sweep submitted to Slurm as a job array has no runner process: its
 * state is its trials' run folders and jobs. refreshSlurmSweep, called by
 * whoever follows it (`sweep --on slurm --wait`, the editor while the sweep
 * is shown or listed), reads them, prunes as a local sweep would (a pruned
 * trial's task gets TERM: its trainer saves and stops), and rewrites
 * sweep.json when something changed.
 */

/**
 * A trial's status from its run folder. Pruned stays pruned (its run then
 * says stopped). In a stopped sweep, a trial stopped or cancelled before it
 * started is `queued` again, as in a local sweep: resuming the sweep
 * continues it; in a running sweep such a trial failed.
 */
function trialStatus(trial: TrialInfo, folder: JobFolder | undefined, sweepStopped: boolean): Pick<TrialInfo, 'status' | 'reason'> {
  if (trial.status === 'pruned') return { status: 'pruned', ...(trial.reason ? { reason: trial.reason } : {}) };
  if (!folder) return { status: 'failed', reason: 'its run folder is gone' };
  const { job, run } = folder;
  const ended = (reason: string): Pick<TrialInfo, 'status' | 'reason'> => ({ status: sweepStopped ? 'queued' : 'failed', reason });
  if (!run) {
    if (job.message !== undefined) return job.state === 'CANCELLED' ? ended(job.message) : { status: 'failed', reason: job.message };
    return { status: 'queued', ...(job.reason ? { reason: job.reason } : {}) };
  }
  switch (run.status) {
    case 'running':
      return { status: 'running' };
    case 'completed':
      return { status: 'completed' };
    case 'stopped':
      return ended(run.error?.message ?? 'stopped');
    case 'failed':
      return { status: 'failed', reason: run.error?.message ?? 'the run failed' };
  }
}

function sweepStatus(sweep: SweepInfo, trials: readonly TrialInfo[]): SweepStatus {
  if (sweep.status === 'stopped') return 'stopped';
  if (trials.some((t) => t.status === 'queued' || t.status === 'running')) return 'running';
  return trials.length > 0 && trials.every((t) => t.status === 'failed') ? 'failed' : 'completed';
}

/**
 * The sweep as its trials stand now, pruned where the search block says,
 * written to sweep.json if it changed. `decided`: the (trial, epoch) pairs
 * already judged, kept by the follower between calls so each epoch is
 * judged once.
 */
export async function refreshSlurmSweep(dir: string, sweep: SweepInfo, decided = new Set<string>()): Promise<SweepInfo> {
  const executor = sweep.executor;
  if (!executor) return sweep;
  const read = await Promise.all(sweep.trials.map((t) => (t.runDir === undefined ? undefined : readJobFolder(path.join(dir, t.runDir)))));
  const refreshed = await refreshJobFolders(read.filter((f): f is JobFolder => f !== undefined));
  const byDir = new Map(refreshed.map((f) => [f.runDir, f]));
  const records = new Map<number, MetricRecord[]>();
  for (const trial of sweep.trials) {
    if (trial.runDir === undefined) continue;
    const epochs = (await readMetrics(path.join(dir, trial.runDir)).catch(() => [])).filter((r) => r.batch === null);
    records.set(trial.index, epochs);
  }
  let trials: TrialInfo[] = sweep.trials.map((trial) => {
    const folder = trial.runDir === undefined ? undefined : byDir.get(path.join(dir, trial.runDir));
    const epochs = records.get(trial.index) ?? [];
    const metrics = bestEpochMetrics(epochs, sweep.metric, sweep.goal);
    const { reason: _old, ...rest } = trial;
    return {
      ...rest,
      ...trialStatus(trial, folder, sweep.status === 'stopped'),
      epochsDone: epochs.length,
      ...(metrics ? { metrics } : {}),
    };
  });
  trials = await prune(sweep, trials, records, decided);
  const next: SweepInfo = { ...sweep, trials, status: sweepStatus(sweep, trials) };
  const ended = next.status !== 'running' && sweep.status === 'running' ? { ...next, endedAt: new Date().toISOString() } : next;
  if (JSON.stringify(ended) !== JSON.stringify(sweep)) await writeSweep(dir, ended);
  return ended;
}

/** Running trials the pruner stops at their newest epoch: TERM to their array task, status pruned with the reason. */
async function prune(
  sweep: SweepInfo,
  trials: TrialInfo[],
  records: ReadonlyMap<number, MetricRecord[]>,
  decided: Set<string>,
): Promise<TrialInfo[]> {
  const prune = sweep.search.prune;
  if (!prune || !sweep.executor) return trials;
  const curves: TrialCurve[] = trials.map((t) => ({ index: t.index, values: metricCurve(records.get(t.index) ?? [], sweep.metric) }));
  const result: TrialInfo[] = [];
  for (const trial of trials) {
    const curve = curves[trial.index];
    const epoch = curve?.values.length ?? 0;
    const key = `${trial.index}@${epoch}`;
    if (trial.status !== 'running' || !curve || epoch === 0 || decided.has(key)) {
      result.push(trial);
      continue;
    }
    decided.add(key);
    const decision = pruneDecision(
      prune,
      curve,
      curves.filter((c) => c.index !== trial.index),
      epoch,
      sweep.goal,
    );
    if (!decision.prune) {
      result.push(trial);
      continue;
    }
    await scancel(jobKeyText({ jobId: sweep.executor.jobId, arrayTaskId: trial.index }), { signal: 'TERM' }).catch(() => undefined);
    result.push({ ...trial, status: 'pruned', reason: decision.reason });
  }
  return result;
}

/**
 * Stop for a Slurm sweep: tasks not started are cancelled, running ones get
 * TERM (their trainers save and stop), and what is left after the grace is
 * cancelled outright. sweep.json says `stopped`.
 */
export async function stopSlurmSweep(dir: string, sweep: SweepInfo, graceMs = STOP_GRACE_MS): Promise<SweepInfo> {
  const jobId = sweep.executor?.jobId;
  if (jobId === undefined) return sweep;
  await scancel(jobId, { pendingOnly: true }).catch(() => undefined);
  await scancel(jobId, { signal: 'TERM' }).catch(() => undefined);
  const stopped: SweepInfo = { ...sweep, status: 'stopped', endedAt: new Date().toISOString() };
  await writeSweep(dir, stopped);
  setTimeout(() => void scancel(jobId).catch(() => undefined), graceMs).unref();
  return refreshSlurmSweep(dir, stopped);
}
