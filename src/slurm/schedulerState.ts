import { SLURM_STATES, type SlurmState } from '../protocol/slurmTypes';
import { sacct, scontrolShowJob, squeue } from './slurmCommands';

/**
 * What the scheduler says of jobs: squeue for the jobs it still holds, then
 * `scontrol show job` for those that left the queue (Slurm keeps them
 * MinJobAge, 5 minutes by default), then sacct where the cluster keeps
 * accounting. One squeue call covers every job the editor follows, so a
 * poll costs one process however many runs are queued.
 */

/** A job, or one task of a job array. */
export interface JobKey {
  readonly jobId: string;
  readonly arrayTaskId?: number;
}

export interface SchedulerReport {
  readonly state: SlurmState;
  /** Why it pends (`Priority`, `Resources`, `JobArrayTaskLimit`…) or why it ended (`TimeLimit`…); absent for `None`. */
  readonly reason?: string;
  readonly node?: string;
}

export function jobKeyText(key: JobKey): string {
  return key.arrayTaskId === undefined ? key.jobId : `${key.jobId}_${key.arrayTaskId}`;
}

/** `CANCELLED by 1000` → CANCELLED; what Slurm added later than this list → UNKNOWN. */
export function slurmState(text: string): SlurmState {
  const word = text.trim().split(/\s+/)[0]?.replace(/\+$/, '') ?? '';
  return (SLURM_STATES as readonly string[]).includes(word) ? (word as SlurmState) : 'UNKNOWN';
}

function report(state: string, reason: string | undefined, node: string | undefined): SchedulerReport {
  const cleanReason = reason?.replace(/^\(|\)$/g, '').trim();
  const cleanNode = node?.trim();
  return {
    state: slurmState(state),
    ...(cleanReason && cleanReason !== 'None' && cleanReason !== '(null)' ? { reason: cleanReason } : {}),
    ...(cleanNode && cleanNode !== '(null)' && cleanNode !== 'None assigned' ? { node: cleanNode } : {}),
  };
}

/** squeue's `%F|%K|%T|%r|%N` lines, by jobKeyText. */
export function parseSqueue(text: string): Map<string, SchedulerReport> {
  const reports = new Map<string, SchedulerReport>();
  for (const line of text.split('\n')) {
    const [jobId, task, state, reason, node] = line.trim().split('|');
    if (!jobId || state === undefined) continue;
    const arrayTaskId = /^\d+$/.test(task ?? '') ? Number(task) : undefined;
    reports.set(jobKeyText({ jobId, ...(arrayTaskId === undefined ? {} : { arrayTaskId }) }), report(state, reason, node));
  }
  return reports;
}

/** The task ids of scontrol's `ArrayTaskId` (`3`, `0-7%2`, `1,3-5`). */
export function arrayTaskIds(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.split('%')[0]?.split(',') ?? []) {
    // Number('') is 0: an empty field holds no task.
    const [from, to] = part.split('-').map((n) => (n.trim() === '' ? NaN : Number(n)));
    if (from === undefined || !Number.isInteger(from)) continue;
    const last = to !== undefined && Number.isInteger(to) ? to : from;
    for (let id = from; id <= last; id++) ids.push(id);
  }
  return ids;
}

/**
 * Key of an array's own record once its unstarted tasks ended with it (cancelled
 * while pending): scontrol then shows it with no task ids (NO_VAL), standing
 * for every task not listed on its own.
 */
export function restOfArrayKey(jobId: string): string {
  return `${jobId}_*`;
}

/** Slurm's NO_VAL, shown as the task id of an array's own record once it holds no pending tasks. */
const NO_VAL = 4294967294;

/** `scontrol -o show job` lines, by jobKeyText: a pending array's record stands for each task it still holds. */
export function parseScontrol(text: string): Map<string, SchedulerReport> {
  const reports = new Map<string, SchedulerReport>();
  for (const line of text.split('\n')) {
    const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1];
    const state = field('JobState');
    const jobId = field('ArrayJobId') ?? field('JobId');
    if (state === undefined || jobId === undefined) continue;
    const value = report(state, field('Reason'), field('NodeList'));
    const tasks = field('ArrayTaskId');
    if (tasks === undefined) reports.set(jobId, value);
    else if (Number(tasks) === NO_VAL) reports.set(restOfArrayKey(jobId), value);
    else for (const arrayTaskId of arrayTaskIds(tasks)) reports.set(jobKeyText({ jobId, arrayTaskId }), value);
  }
  return reports;
}

/** sacct's `JobID|State|NodeList|Reason` lines (`12` or `12_3`), by jobKeyText. */
export function parseSacct(text: string): Map<string, SchedulerReport> {
  const reports = new Map<string, SchedulerReport>();
  for (const line of text.split('\n')) {
    const [id, state, node, reason] = line.trim().split('|');
    if (!id || state === undefined || !/^\d+(_\d+)?$/.test(id)) continue;
    reports.set(id, report(state, reason, node));
  }
  return reports;
}

/**
 * The scheduler's word on each job, by jobKeyText; UNKNOWN for one it no
 * longer knows (it left squeue and scontrol, and there is no accounting).
 */
export async function schedulerReports(keys: readonly JobKey[]): Promise<Map<string, SchedulerReport>> {
  const reports = parseSqueue(await squeue());
  const missing = [...new Set(keys.filter((key) => !reports.has(jobKeyText(key))).map((key) => key.jobId))];
  for (const jobId of missing) {
    const shown = await scontrolShowJob(jobId);
    let found = shown === undefined ? new Map<string, SchedulerReport>() : parseScontrol(shown);
    if (found.size === 0) {
      const accounted = await sacct(jobId);
      if (accounted !== undefined) found = parseSacct(accounted);
    }
    for (const [key, value] of found) if (!reports.has(key)) reports.set(key, value);
  }
  for (const key of keys) {
    if (reports.has(jobKeyText(key))) continue;
    const rest = key.arrayTaskId === undefined ? undefined : reports.get(restOfArrayKey(key.jobId));
    reports.set(jobKeyText(key), rest ?? { state: 'UNKNOWN' });
  }
  return reports;
}
