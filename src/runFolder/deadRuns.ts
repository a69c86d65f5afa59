import * as path from 'node:path';
import type { RunInfo } from '../protocol/runTypes';
import { writeJsonAtomic } from './atomicFile';
import { failedRun, HEARTBEAT_MS, RUN_FILES } from './runFiles';
import { readMetrics, readRun, type RunEntry } from './readRunFolder';
import { updateRunRow } from './runIndex';

/**
 * Runs whose trainer died without finishing run.json (killed with the
 * window, the machine rebooted, `kill -9`) still say `running`. The
 * trainer rewrites run.json's `heartbeatAt` every HEARTBEAT_MS; a run is
 * dead when its process is gone, or when its heartbeat is older than
 * STALE_AFTER_MS (its pid may have been reused by another process, or the
 * trainer hangs).
 */

/** Heartbeats missed before a live-looking run counts as dead: generous, a slow save or a long batch delays one. */
export const MISSED_HEARTBEATS = 12;
export const STALE_AFTER_MS = MISSED_HEARTBEATS * HEARTBEAT_MS;

/**
 * The failure message for a `running` run whose trainer is dead at `now`
 * (Unix ms), or undefined when it is alive (or not running). `isAlive`
 * says whether a process id exists; it is not asked about a run with an
 * `executor` (a Slurm job's pid is another machine's). A run without
 * `heartbeatAt` (written before heartbeats existed) is judged by its pid alone.
 */
export function detectDeadRun(run: RunInfo, now: number, isAlive: (pid: number) => boolean): string | undefined {
  if (run.status !== 'running') return undefined;
  const since = run.heartbeatAt ?? run.startedAt;
  const message = `trainer process ended unexpectedly (no heartbeat since ${since})`;
  // A run trained by a scheduler's job has its pid on a compute node: only its heartbeat tells.
  if (run.executor === undefined && (run.pid === undefined || !isAlive(run.pid))) return message;
  if (run.heartbeatAt === undefined) return undefined;
  const last = Date.parse(run.heartbeatAt);
  return Number.isFinite(last) && now - last > STALE_AFTER_MS ? message : undefined;
}

/** Whether a process with this id exists (it may be someone else's: EPERM). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks the dead runs among `entries` failed on disk (run.json, as
 * markRunFailed does: status, message, last epoch and batch) and returns
 * the entries as they are now. `skip` leaves out runs known to be alive
 * (the editor's own trainer processes). A run.json that cannot be written
 * is left as it was.
 */
export async function markDeadRuns(
  entries: readonly RunEntry[],
  options: { readonly now?: number; readonly isAlive?: (pid: number) => boolean; readonly skip?: (entry: RunEntry) => boolean } = {},
): Promise<RunEntry[]> {
  const now = options.now ?? Date.now();
  const isAlive = options.isAlive ?? processAlive;
  return Promise.all(
    entries.map(async (entry): Promise<RunEntry> => {
      if (options.skip?.(entry)) return entry;
      const message = detectDeadRun(entry.run, now, isAlive);
      if (message === undefined) return entry;
      try {
        const run = await markRunFailed(entry.runDir, message);
        return { runDir: entry.runDir, run };
      } catch {
        return entry;
      }
    }),
  );
}

/**
 * Marks a run failed after its trainer died without finishing run.json
 * (killed, out of memory, crashed): status `failed`, the message, and the
 * epoch and batch of the last metric record. Metrics so far stay. A run
 * that already ended is left as it is.
 */
export async function markRunFailed(runDir: string, message: string): Promise<RunInfo> {
  const run = await readRun(runDir);
  if (run.status !== 'running') {
    return run;
  }
  const last = (await readMetrics(runDir).catch(() => [])).at(-1);
  const failed = failedRun(run, message, last);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.run), failed);
  // The index is a cache readers check: it failing to update leaves the run marked all the same.
  await updateRunRow(runDir).catch(() => undefined);
  return failed;
}
