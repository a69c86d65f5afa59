import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../protocol/runTypes';
import type { TrialInfo } from '../protocol/sweepTypes';
import { detectDeadRun, markRunFailed, processAlive } from '../runFolder/deadRuns';
import { readRun } from '../runFolder/readRunFolder';
import { whyNotResumable } from '../runFolder/resume';

/**
 * A trial of a sweep being resumed, as it will be continued: finished
 * trials as they are; an interrupted one (running when its runner died,
 * or stopped) queued, keeping its run folder when that run can be resumed
 * from its checkpoint, else with the folder removed, to be rerun.
 */
export async function interruptedTrial(dir: string, trial: TrialInfo): Promise<TrialInfo> {
  if (trial.status !== 'running' && trial.status !== 'queued') return trial;
  const { runDir, epochsDone: _e, metrics: _m, reason: _r, ...rest } = trial;
  if (runDir === undefined) return { ...rest, status: 'queued' };
  const runPath = path.join(dir, runDir);
  const run = await settledRun(runPath);
  if (run && whyNotResumable(run) === undefined) return { ...trial, status: 'queued' };
  await fs.rm(runPath, { recursive: true, force: true });
  return { ...rest, status: 'queued' };
}

/** How long a resumed sweep waits for a trial's trainer that outlived its runner to finish stopping (it stops when its parent goes). */
const TRAINER_STOP_WAIT_MS = 20_000;

/** The run's run.json once its trainer has ended (a dead one marked failed); undefined when unreadable. */
async function settledRun(runDir: string): Promise<RunInfo | undefined> {
  const deadline = Date.now() + TRAINER_STOP_WAIT_MS;
  for (;;) {
    const run = await readRun(runDir).catch(() => undefined);
    if (!run || run.status !== 'running') return run;
    if (detectDeadRun(run, Date.now(), processAlive) !== undefined || Date.now() > deadline) {
      return markRunFailed(runDir, 'the sweep runner ended before this trial did').catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
