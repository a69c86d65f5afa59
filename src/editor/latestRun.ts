import { listRuns, runsDirFor, type RunEntry } from '../runs/runFolder';

/** The newest run of `modelFile` on disk, if it has one. */
export async function latestRun(modelFile: string): Promise<RunEntry | undefined> {
  return (await listRuns(runsDirFor(modelFile)))[0];
}
