import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../protocol/runTypes';
import { FINAL_SLURM_STATES, type SlurmJob, type SlurmState } from '../protocol/slurmTypes';
import { writeJsonAtomic } from '../runFolder/atomicFile';
import { updateRunRow } from '../runFolder/runIndex';
import { STALE_AFTER_MS } from '../runFolder/deadRuns';
import { readMetrics } from '../runFolder/readRunFolder';
import { failedRun, RUN_FILES } from '../runFolder/runFiles';
import { readJob, readJobFolder, writeJob, type JobFolder } from './jobFolder';
import { JOB_ERROR_PREFIX, JOB_ERRORS } from './jobScript';
import { jobKeyText, schedulerReports, type JobKey, type SchedulerReport } from './schedulerState';

/**
 * A Slurm run's state from two witnesses: the run folder (what the trainer
 * wrote) and the scheduler (what happened to the job). The run folder wins
 * while the trainer speaks for itself; the scheduler explains what the
 * trainer could not say — that the job still waits and why, or that it was
 * killed (time limit, preemption, node failure, out of memory) — and
 * refreshJobFolders writes that down, so a killed run ends `stopped` (with
 * its last checkpoint, resumable) or `failed`, with Slurm's reason.
 */

export function isFinalState(state: SlurmState): boolean {
  return (FINAL_SLURM_STATES as readonly SlurmState[]).includes(state);
}

/** What each way of ending means, for a run's error and the Runs view. */
const ENDINGS: Partial<Record<SlurmState, { readonly label: string; readonly message: string; readonly hint?: string }>> = {
  CANCELLED: { label: 'cancelled', message: 'the Slurm job was cancelled' },
  FAILED: { label: 'failed', message: 'the Slurm job failed' },
  TIMEOUT: { label: 'timed out', message: 'the Slurm job reached its time limit', hint: 'raise modelStudio.slurm.time' },
  PREEMPTED: { label: 'preempted', message: 'the Slurm job was preempted by a job of higher priority' },
  NODE_FAIL: { label: 'node failed', message: 'the compute node of the Slurm job failed' },
  OUT_OF_MEMORY: {
    label: 'out of memory',
    message: 'the Slurm job ran out of the memory it asked for',
    hint: 'raise modelStudio.slurm.memory',
  },
  BOOT_FAIL: { label: 'boot failed', message: 'the compute node of the Slurm job failed to boot' },
  DEADLINE: { label: 'deadline', message: 'the Slurm job reached its deadline' },
  UNKNOWN: { label: 'lost', message: 'Slurm no longer knows the job' },
};

/**
 * The endings that kill a trainer from outside (or warn it with TERM first):
 * a run they stopped says why. Others that end a stopped run — Stop's TERM
 * (the job then ends COMPLETED, or CANCELLED when Stop had to cancel it) —
 * leave the run's own word, `stopped`, unless the trainer died without
 * saying so (the follower then wrote the ending into the run's error).
 */
const KILLING_STATES: readonly SlurmState[] = ['TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE'];

/** A run trained here since (`train --resume` of a Slurm run on this machine): no longer the job's. */
function trainedHere(run: RunInfo | undefined): boolean {
  return run !== undefined && run.executor === undefined;
}

/** A word for the Runs view and the CLI: `queued (Priority)`, `running on node12`, `timed out`… */
export function slurmStatusLabel({ job, run }: JobFolder): string {
  // A run resubmitted to continue: its run.json says how it stopped, the newer job that it waits again.
  // (Not the job whose trainer just stopped and which Slurm has yet to call ended.)
  const resubmitted = run?.endedAt !== undefined && job.submittedAt > run.endedAt;
  const waiting = !isFinalState(job.state) && (run === undefined || (run.status !== 'running' && resubmitted && !trainedHere(run)));
  if (run && !waiting) {
    if (run.status === 'running') return job.node && !trainedHere(run) ? `running on ${job.node}` : 'running';
    const ending = ENDINGS[job.state];
    // Named when it killed from outside, or when the follower wrote down that it did (the run's error).
    const named = KILLING_STATES.includes(job.state) || run.error !== undefined;
    return run.status !== 'completed' && ending && named && !trainedHere(run) ? ending.label : run.status;
  }
  if (job.state === 'PENDING' || job.state === 'REQUEUED') return job.reason ? `queued (${job.reason})` : 'queued';
  if (!isFinalState(job.state)) return job.node ? `starting on ${job.node}` : 'starting';
  return ENDINGS[job.state]?.label ?? 'failed';
}

/** The job's key for the scheduler, once sbatch answered. */
export function jobKey(job: SlurmJob): JobKey | undefined {
  if (job.jobId === undefined) return undefined;
  return { jobId: job.jobId, ...(job.arrayTaskId === undefined ? {} : { arrayTaskId: job.arrayTaskId }) };
}

/** Whether the folder still changes: a job the scheduler has not ended, or a run that still says running. */
export function isPending({ job, run }: JobFolder): boolean {
  if (trainedHere(run)) return false;
  return !isFinalState(job.state) || run?.status === 'running';
}

/** The batch script's own error line (Node missing, the workspace not visible…), from the job's stderr. */
async function scriptError(runDir: string): Promise<string | undefined> {
  try {
    const text = await fs.readFile(path.join(runDir, JOB_ERRORS), 'utf8');
    // The last: an array task appends to its folder's job.err on every (re)submission.
    const line = text
      .split('\n')
      .filter((l) => l.startsWith(JOB_ERROR_PREFIX))
      .at(-1);
    return line?.slice(JOB_ERROR_PREFIX.length).trim();
  } catch {
    return undefined;
  }
}

/** Epochs done by the run's last checkpoint (its saved training state), when it has one. */
export async function checkpointEpochs(runDir: string): Promise<number | undefined> {
  try {
    const model: unknown = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.checkpoints, 'last', 'model.json'), 'utf8'));
    const state = (model as { userDefinedMetadata?: { modelStudio?: { epoch?: unknown; batchesDone?: unknown } } }).userDefinedMetadata
      ?.modelStudio;
    if (typeof state?.epoch !== 'number') return undefined;
    // A checkpoint inside an epoch still resumes; the epochs done are those before it.
    const full = (await readMetrics(runDir).catch(() => [])).some((r) => r.batch === null && r.epoch === state.epoch);
    return full ? state.epoch : state.epoch - 1;
  } catch {
    return undefined;
  }
}

function why(report: SchedulerReport): string {
  const ending = ENDINGS[report.state];
  const text = ending?.message ?? `the Slurm job ended ${report.state}`;
  return `${text}${report.reason ? ` (${report.reason})` : ''}${ending?.hint ? ` (${ending.hint})` : ''}`;
}

/** run.json of a run whose trainer the scheduler killed: stopped at its last checkpoint (resumable), else failed. */
async function killedRun(runDir: string, run: RunInfo, report: SchedulerReport): Promise<RunInfo> {
  const epochs = await checkpointEpochs(runDir);
  const last = (await readMetrics(runDir).catch(() => [])).at(-1);
  const failed = failedRun(run, why(report), last);
  if (epochs === undefined) return failed;
  return {
    ...failed,
    status: 'stopped',
    epochsDone: epochs,
    error: { ...failed.error, message: `${why(report)}; resume continues from its last checkpoint (epoch ${epochs})` },
  } as RunInfo;
}

/** The folder after the scheduler's report, written to disk where it changed. */
export async function applyReport(folder: JobFolder, report: SchedulerReport, now: Date): Promise<JobFolder> {
  const { runDir, run } = folder;
  let job: SlurmJob = {
    ...folder.job,
    state: report.state,
    checkedAt: now.toISOString(),
    ...(report.node ? { node: report.node } : {}),
  };
  const { reason: _oldReason, ...rest } = job;
  job = report.reason ? { ...rest, reason: report.reason } : rest;
  let nextRun = run;
  let rewrite = false;
  if (isFinalState(report.state)) {
    if (!run && job.message === undefined) {
      const message =
        (await scriptError(runDir)) ??
        (report.state === 'CANCELLED' ? 'cancelled before it started' : `${why(report)} before the trainer started`);
      job = { ...job, message };
    } else if (run?.status === 'running') {
      // The trainer may have ended between reading its run.json and the scheduler's answer: its own word wins.
      const current = (await readJobFolder(runDir))?.run ?? run;
      rewrite = current.status === 'running';
      nextRun = rewrite ? await killedRun(runDir, current, report) : current;
    } else if (run?.status === 'stopped' && !run.error && KILLING_STATES.includes(report.state)) {
      // The trainer saved and stopped on Slurm's TERM; say why Slurm sent it.
      rewrite = true;
      nextRun = { ...run, error: { message: `${why(report)}; resume continues from its last checkpoint` } };
    }
  }
  // The job itself writes its own error into job.json (train --job on the node): if it did since this
  // folder was read, its words stand over the ones guessed above.
  const latest = await readJob(runDir);
  if (latest?.message !== undefined && latest.jobId === job.jobId) job = { ...job, message: latest.message };
  await writeJob(runDir, job);
  if (rewrite && nextRun) {
    await writeJsonAtomic(path.join(runDir, RUN_FILES.run), nextRun);
    await updateRunRow(runDir).catch(() => undefined);
  }
  return { runDir, job, ...(nextRun ? { run: nextRun } : {}) };
}

function heartbeatStale(run: RunInfo, now: Date): boolean {
  const last = Date.parse(run.heartbeatAt ?? run.startedAt);
  return Number.isFinite(last) && now.getTime() - last > STALE_AFTER_MS;
}

/**
 * Asks the scheduler about every folder that still changes (isPending) in
 * one go and writes down what it says; the others come back as they are.
 */
export async function refreshJobFolders(folders: readonly JobFolder[], now = new Date()): Promise<JobFolder[]> {
  const pending = folders.filter((folder) => isPending(folder) && jobKey(folder.job) !== undefined);
  if (pending.length === 0) return [...folders];
  const reports = await schedulerReports(pending.map((folder) => jobKey(folder.job) as JobKey));
  return Promise.all(
    folders.map(async (folder) => {
      const key = jobKey(folder.job);
      const report = key && isPending(folder) ? reports.get(jobKeyText(key)) : undefined;
      if (!report) return folder;
      // A trainer that still beats its heartbeat outlives a job the scheduler already forgot about (or not yet heard of).
      if (report.state === 'UNKNOWN' && folder.run?.status === 'running' && !heartbeatStale(folder.run, now)) return folder;
      return applyReport(folder, report, now);
    }),
  );
}
