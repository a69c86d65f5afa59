import { readJobFolder, type JobFolder } from './jobFolder';
import { isPending, refreshJobFolders, slurmStatusLabel } from './jobStatus';

/** How often a follower asks the scheduler: one squeue call for all the jobs followed. */
export const POLL_MS = 2000;

export interface FollowEvents {
  /** A folder's label changed (`queued (Priority)` → `running on node1` → `completed`), and once at the start. */
  onChange?(folder: JobFolder, label: string): void;
  /** After every poll, with every folder as it is now. */
  onPoll?(folders: readonly JobFolder[]): Promise<void> | void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows Slurm run folders until none is pending (every job ended and its
 * run.json is final) or `signal` aborts; returns them as they ended.
 */
export async function followJobs(
  runDirs: readonly string[],
  events: FollowEvents,
  signal: AbortSignal = new AbortController().signal,
  pollMs = POLL_MS,
): Promise<JobFolder[]> {
  const labels = new Map<string, string>();
  for (;;) {
    const read = await Promise.all(runDirs.map((dir) => readJobFolder(dir)));
    const folders = await refreshJobFolders(read.filter((f): f is JobFolder => f !== undefined));
    for (const folder of folders) {
      const label = slurmStatusLabel(folder);
      if (labels.get(folder.runDir) !== label) {
        labels.set(folder.runDir, label);
        events.onChange?.(folder, label);
      }
    }
    await events.onPoll?.(folders);
    if (signal.aborted || !folders.some(isPending)) return folders;
    await sleep(pollMs, signal);
  }
}
