import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import { isRunInfo } from '../protocol/guards';
import type { RunInfo } from '../protocol/runTypes';
import type { TrainRequest } from '../protocol/trainerMessages';
import { RUN_FILES } from './runFiles';

/** A stopped run that may be resumed: its folder, run.json and spec snapshot. */
export interface Resumable {
  readonly runDir: string;
  readonly run: RunInfo;
  /** spec.json as written when the run started. */
  readonly specText: string;
}

/** Why a run cannot be resumed, or undefined when it can (run.json alone decides). */
export function whyNotResumable(run: RunInfo): string | undefined {
  if (run.status !== 'stopped') {
    return run.status === 'running'
      ? 'it is still running'
      : `it ${run.status === 'completed' ? 'completed' : 'failed'}; only a stopped run can be resumed`;
  }
  // A cross-validated run continues with its stopped fold; the trainer checks that fold.
  if (run.crossValidation) return undefined;
  if (run.epochsDone === undefined) return 'it was stopped by an older Model Studio that kept no training state';
  if (run.epochsDone >= run.epochs) return `it has trained all its ${run.epochs} epochs`;
  return undefined;
}

/**
 * Checks the request (`resumeRunDir`, no `epochs`) and reads the run it
 * names; throws a one-line Error saying why it cannot be resumed.
 */
export async function readResumable(request: TrainRequest): Promise<Resumable> {
  const runDir = path.resolve(request.resumeRunDir ?? '');
  if (request.epochs !== undefined) {
    throw new Error('a resumed run trains to the epochs it was planned with: leave out the epoch count');
  }
  let run: unknown;
  let specText: string;
  try {
    run = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8'));
    specText = await fs.readFile(path.join(runDir, RUN_FILES.spec), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${displayPath(runDir)}: not a run folder (${code ?? (error as Error).message})`);
  }
  if (!isRunInfo(run)) throw new Error(`${displayPath(path.join(runDir, RUN_FILES.run))}: not a run.json written by Model Studio`);
  const why = whyNotResumable(run);
  if (why) throw new Error(`${displayPath(runDir)}: cannot resume run ${run.id}: ${why}`);
  return { runDir, run, specText };
}
