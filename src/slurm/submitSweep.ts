import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SEED } from '../data/random';
import type { ModelSpec, SearchSpec } from '../modelFile/modelSpec';
import type { SlurmJob } from '../protocol/slurmTypes';
import type { SweepInfo, TrialInfo } from '../protocol/sweepTypes';
import type { BackendChoice } from '../protocol/runTypes';
import { createTimestampedDir } from '../runFolder/folderName';
import { plannedTrials, sampleTrial } from '../sweep/sampling';
import { metricAndGoal } from '../sweep/searchSpec';
import { createSweepDir, writeSweep } from '../sweep/sweepFolder';
import { writeJob } from './jobFolder';
import { jobScript, JOB_SCRIPT } from './jobScript';
import { sbatch, SlurmError } from './slurmCommands';
import { slurmOptionsProblem } from './slurmOptions';
import type { SubmitTarget } from './submit';

export interface SlurmSweepRequest {
  readonly modelFile: string;
  readonly workspaceRoot: string;
  /** Overrides `search.trials`. */
  readonly trials?: number;
  /** Tasks running at once (the array's `%K`), overriding `search.parallel`; default: all. */
  readonly parallel?: number;
  readonly backend?: BackendChoice;
}

/**
 * Submits a sweep as one Slurm job array: every trial is sampled now (a
 * local sweep samples as it goes; a queued array cannot wait for edits),
 * each gets its run folder in the sweep folder with its job.json (its
 * values as `overrides`), and task i of the array trains trial i, at most
 * `parallel` at once. sweep.json records the array's job id as `executor`.
 * The spec must have been validated by the caller. Nothing stays behind
 * when sbatch refuses.
 */
export async function submitSweep(
  request: SlurmSweepRequest,
  spec: ModelSpec & { search: SearchSpec },
  target: SubmitTarget,
): Promise<{ dir: string; sweep: SweepInfo }> {
  const problem = slurmOptionsProblem(target.options);
  if (problem) throw new SlurmError(`modelStudio.slurm: ${problem}`);
  const search = spec.search;
  const count = request.trials ?? plannedTrials(search);
  const seed = spec.training.seed ?? DEFAULT_SEED;
  const startedAt = new Date();
  const { id, dir } = await createSweepDir(request.modelFile, spec.name, startedAt);
  try {
    const trials: TrialInfo[] = [];
    const runDirs: string[] = [];
    for (let index = 0; index < count; index++) {
      const params = sampleTrial(search, seed, index);
      if (params === undefined) break; // a grid smaller than --trials
      const { dir: runDir } = await createTimestampedDir(dir, spec.name, startedAt);
      runDirs.push(runDir);
      trials.push({ index, params, status: 'queued', runDir: path.basename(runDir) });
    }
    const script = path.join(dir, JOB_SCRIPT);
    await fs.writeFile(
      script,
      jobScript({
        name: spec.name,
        options: target.options,
        cli: target.cli,
        modelFile: request.modelFile,
        runDirs,
        outputDir: dir,
        array: true,
      }),
      { mode: 0o755 },
    );
    const job = (index: number, jobId?: string): SlurmJob => ({
      version: 1,
      request: {
        modelFile: request.modelFile,
        workspaceRoot: request.workspaceRoot,
        runsDir: dir,
        runDir: runDirs[index] as string,
        overrides: trials[index]?.params ?? {},
        crossValidation: false,
        ...(request.backend === undefined ? {} : { backend: request.backend }),
      },
      ...(jobId === undefined ? {} : { jobId }),
      arrayTaskId: index,
      submittedAt: startedAt.toISOString(),
      state: 'PENDING',
    });
    await Promise.all(runDirs.map((runDir, index) => writeJob(runDir, job(index))));
    const parallel = request.parallel ?? search.parallel;
    const array = `--array=0-${runDirs.length - 1}${parallel === undefined ? '' : `%${parallel}`}`;
    const jobId = await sbatch(script, [array, ...(target.options.extraArgs ?? [])]);
    await Promise.all(runDirs.map((runDir, index) => writeJob(runDir, job(index, jobId))));
    const sweep: SweepInfo = {
      version: 1,
      id,
      modelFile: path.resolve(request.modelFile),
      status: 'running',
      startedAt: startedAt.toISOString(),
      search,
      ...metricAndGoal(spec),
      executor: { type: 'slurm', jobId },
      trials,
    };
    await writeSweep(dir, sweep);
    return { dir, sweep };
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}
