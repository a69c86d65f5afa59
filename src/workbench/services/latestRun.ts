import * as path from 'node:path';
import { listRuns, runsDirFor, type RunEntry } from '../../runFolder/readRunFolder';
import { modelFileOfRun } from '../../runFolder/runSummary';
import { whyNotResumable } from '../../runFolder/resume';

/**
 * The newest run of `modelFile` on disk, if it has one. The model files of
 * a folder share its `.modelstudio/runs`: runs of the others are skipped.
 */
export async function latestRun(modelFile: string): Promise<RunEntry | undefined> {
  const file = path.resolve(modelFile);
  return (await listRuns(runsDirFor(modelFile))).find((entry) => path.resolve(modelFileOfRun(entry)) === file);
}

/** The newest run of `modelFile` when it is a stopped run that can be resumed (Resume CodeLens, Resume Run). */
export async function resumableRun(modelFile: string): Promise<RunEntry | undefined> {
  const latest = await latestRun(modelFile);
  return latest && whyNotResumable(latest.run) === undefined ? latest : undefined;
}
