import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SEED } from '../data/random';
import type { ModelSpec, SearchSpec } from '../modelFile/modelSpec';
import type { SlurmJob } from '../protocol/slurmTypes';
import type { SweepInfo, TrialInfo } from '../protocol/sweepTypes';
import type { BackendChoice } from '../protocol/runTypes';
import { createTimestampedDir } from '../runFolder/folderName';
import { readRun } from '../runFolder/readRunFolder';
import { whyNotResumable } from '../runFolder/resume';
import { plannedTrials, sampleTrial } from '../sweep/sampling';
import { metricAndGoal } from '../sweep/searchSpec';
import { createSweepDir, writeSweep } from '../sweep/sweepFolder';
import { readJob, writeJob } from './jobFolder';
import { writeJobScript } from './jobScript';
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
    const script = await writeJobScript({
      name: spec.name,
      options: target.options,
      cli: target.cli,
      modelFile: request.modelFile,
      runDirs,
      outputDir: dir,
      array: true,
    });
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

/**
 * Resumes a stopped Slurm sweep: its `queued` trials (stopped, or cancelled
 * before they started) are resubmitted as one new job array of just those
 * task ids, each in its own run folder — a stopped run continues from its
 * last checkpoint, one that never started starts. Finished and pruned
 * trials stay as they are.
 */
export async function resubmitSweep(dir: string, sweep: SweepInfo, target: SubmitTarget, parallel?: number): Promise<SweepInfo> {
  const problem = slurmOptionsProblem(target.options);
  if (problem) throw new SlurmError(`modelStudio.slurm: ${problem}`);
  if (!sweep.executor) throw new SlurmError(`${dir}: not a sweep submitted to Slurm`);
  if (sweep.status === 'running') throw new SlurmError(`${dir}: the sweep is still running (job array ${sweep.executor.jobId})`);
  const queued = sweep.trials.filter((t) => t.status === 'queued' && t.runDir !== undefined);
  if (queued.length === 0) throw new SlurmError(`${dir}: every trial has finished: nothing to resume`);
  const runDirs = sweep.trials.map((t) => path.join(dir, t.runDir ?? ''));
  const jobs = await Promise.all(
    queued.map(async (trial) => {
      const runDir = path.join(dir, trial.runDir ?? '');
      const old = await readJob(runDir);
      if (!old) throw new SlurmError(`${runDir}: no job.json: not a trial of a Slurm sweep`);
      const run = await readRun(runDir).catch(() => undefined);
      if (run && whyNotResumable(run)) throw new SlurmError(`trial ${trial.index + 1}: cannot resume its run: ${whyNotResumable(run)}`);
      const { resumeRunDir: _old, epochs: _epochs, ...request } = old.request;
      return { runDir, old: { ...old, request: run ? { ...request, resumeRunDir: runDir } : old.request } };
    }),
  );
  const script = await writeJobScript({
    name: path.basename(dir),
    options: target.options,
    cli: target.cli,
    modelFile: sweep.modelFile,
    runDirs,
    outputDir: dir,
    array: true,
  });
  const limit = parallel ?? sweep.search.parallel;
  const ids = queued.map((t) => t.index).join(',');
  const jobId = await sbatch(script, [`--array=${ids}${limit === undefined ? '' : `%${limit}`}`, ...(target.options.extraArgs ?? [])]);
  const submittedAt = new Date().toISOString();
  await Promise.all(
    jobs.map(({ runDir, old }) =>
      writeJob(runDir, {
        version: 1,
        request: old.request,
        jobId,
        ...(old.arrayTaskId === undefined ? {} : { arrayTaskId: old.arrayTaskId }),
        submittedAt,
        state: 'PENDING',
      }),
    ),
  );
  const { endedAt: _ended, ...rest } = sweep;
  const resumed: SweepInfo = {
    ...rest,
    status: 'running',
    executor: { type: 'slurm', jobId },
    trials: sweep.trials.map((t) =>
      queued.includes(t) ? { index: t.index, params: t.params, status: 'queued', ...(t.runDir ? { runDir: t.runDir } : {}) } : t,
    ),
  };
  await writeSweep(dir, resumed);
  return resumed;
}
