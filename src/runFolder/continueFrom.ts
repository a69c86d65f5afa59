import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import { isRunInfo } from '../protocol/guards';
import type { RunInfo, RunParent } from '../protocol/runTypes';
import { RUN_FILES } from './runFiles';

/** A finished or stopped run a new run may continue from (Continue with Changes). */
export interface Continuable {
  readonly runDir: string;
  readonly run: RunInfo;
  /** What the new run's run.json records as `parent`. */
  readonly parent: RunParent;
  /** The parent's spec.json, to name what changed in the model when its weights do not fit. */
  readonly specText: string | undefined;
}

/** Why a new run cannot continue from `run`, or undefined when it can (run.json alone decides). */
export function whyNotContinuable(run: RunInfo): string | undefined {
  if (run.status === 'running') return 'it is still running; stop it first';
  if (run.status === 'failed') return 'it failed; its last checkpoint may be what made it fail';
  if (run.crossValidation) return 'it is cross-validated: continue one of its folds (folds/<n>)';
  if (run.epochsDone === undefined) return 'it was trained by an older Model Studio that kept no training state';
  if (run.epochsDone === 0) return 'it stopped before its first epoch ended: train it anew';
  return undefined;
}

/** Reads the run `runDir` names; throws a one-line Error saying why nothing can continue from it. */
export async function readContinuable(runDir: string): Promise<Continuable> {
  const dir = path.resolve(runDir);
  let run: unknown;
  try {
    run = JSON.parse(await fs.readFile(path.join(dir, RUN_FILES.run), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${displayPath(dir)}: not a run folder (${code ?? (error as Error).message})`);
  }
  if (!isRunInfo(run)) throw new Error(`${displayPath(path.join(dir, RUN_FILES.run))}: not a run.json written by Model Studio`);
  const why = whyNotContinuable(run);
  if (why) throw new Error(`${displayPath(dir)}: cannot continue from run ${run.id}: ${why}`);
  const specText = await fs.readFile(path.join(dir, RUN_FILES.spec), 'utf8').catch(() => undefined);
  return { runDir: dir, run, parent: { id: run.id, epochs: run.epochsDone ?? 0 }, specText };
}
