import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isSweepInfo } from '../protocol/sweepGuards';
import type { SweepInfo, TrialInfo } from '../protocol/sweepTypes';
import { writeJsonAtomic } from '../runFolder/atomicFile';
import { processAlive, STALE_AFTER_MS } from '../runFolder/deadRuns';
import { createTimestampedDir } from '../runFolder/folderName';
import { readChildFolders } from '../runFolder/readRunFolder';

/**
 * A sweep's folder (docs/architecture.md "Sweeps"):
 * `<model file's folder>/.modelstudio/sweeps/<yyyymmdd-hhmmss>-<name>/`
 * holding `sweep.json` and one ordinary run folder per trial started.
 */

export const SWEEP_FILE = 'sweep.json';

/** `<folder of the model file>/.modelstudio/sweeps`: the CLI and the editor agree on it from the model file alone. */
export function sweepsDirFor(modelFile: string): string {
  return path.join(path.dirname(modelFile), '.modelstudio', 'sweeps');
}

/** Creates the folder of a new sweep named after the model (`name` in the model file). */
export async function createSweepDir(modelFile: string, name: string, startedAt: Date): Promise<{ id: string; dir: string }> {
  return createTimestampedDir(sweepsDirFor(modelFile), name, startedAt);
}

export async function readSweep(dir: string): Promise<SweepInfo> {
  const file = path.join(dir, SWEEP_FILE);
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'not found: not a sweep folder' : code ? `cannot read (${code})` : 'not valid JSON'}`);
  }
  if (!isSweepInfo(value)) throw new Error(`${file}: not a sweep.json written by Model Studio`);
  return value;
}

/** Whole or not at all: a reader never sees a torn sweep.json. */
export async function writeSweep(dir: string, sweep: SweepInfo): Promise<void> {
  await writeJsonAtomic(path.join(dir, SWEEP_FILE), sweep);
}

export interface SweepEntry {
  readonly dir: string;
  readonly sweep: SweepInfo;
}

/** The sweeps under `sweepsDir`, newest first; folders without a readable sweep.json are left out. */
export async function listSweeps(sweepsDir: string): Promise<SweepEntry[]> {
  const entries = await readChildFolders(sweepsDir, async (dir): Promise<SweepEntry> => ({ dir, sweep: await readSweep(dir) }));
  return entries.sort((a, b) => b.sweep.startedAt.localeCompare(a.sweep.startedAt) || b.sweep.id.localeCompare(a.sweep.id));
}

/** The trial's value of the sweep's metric, when it has one. */
export function trialScore(sweep: SweepInfo, trial: TrialInfo): number | undefined {
  const value = trial.metrics?.[sweep.metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The trials with a value of the metric, best first. Completed trials come
 * before pruned ones (a pruned trial's value is from fewer epochs; it
 * ranks after every completed one); ties keep
 * the sampling order.
 */
export function rankedTrials(sweep: SweepInfo): TrialInfo[] {
  const sign = sweep.goal === 'maximize' ? -1 : 1;
  const finished = (t: TrialInfo): number => (t.status === 'completed' ? 0 : 1);
  return sweep.trials
    .filter((t) => trialScore(sweep, t) !== undefined)
    .sort((a, b) => finished(a) - finished(b) || sign * ((trialScore(sweep, a) ?? 0) - (trialScore(sweep, b) ?? 0)) || a.index - b.index);
}

/** The best trial by the sweep's metric and goal: a completed one when any completed with the metric. */
export function bestTrial(sweep: SweepInfo): TrialInfo | undefined {
  return rankedTrials(sweep)[0];
}

/**
 * Why a sweep that says `running` has no runner any more (its process is
 * gone, or its heartbeat is over STALE_AFTER_MS old, as for runs), or
 * undefined when it is alive or not running. A dead sweep can be resumed.
 */
export function detectDeadSweep(sweep: SweepInfo, now: number, isAlive: (pid: number) => boolean = processAlive): string | undefined {
  // A Slurm sweep has no runner to die: its trials' jobs tell its state (src/slurm/slurmSweep.ts).
  if (sweep.status !== 'running' || sweep.executor) return undefined;
  const message = `sweep runner ended unexpectedly (no heartbeat since ${sweep.heartbeatAt ?? sweep.startedAt})`;
  if (sweep.pid === undefined || !isAlive(sweep.pid)) return message;
  const last = Date.parse(sweep.heartbeatAt ?? sweep.startedAt);
  return Number.isFinite(last) && now - last > STALE_AFTER_MS ? message : undefined;
}
