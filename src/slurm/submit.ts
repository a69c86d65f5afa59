import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SlurmJob } from '../protocol/slurmTypes';
import type { TrainRequest } from '../protocol/trainerMessages';
import { createTimestampedDir } from '../runFolder/folderName';
import { readRun } from '../runFolder/readRunFolder';
import { whyNotResumable } from '../runFolder/resume';
import { JOB_FILE, readJob, writeJob, type JobFolder } from './jobFolder';
import { JOB_SCRIPT, writeJobScript } from './jobScript';
import { sbatch, SlurmError } from './slurmCommands';
import { slurmOptionsProblem, type SlurmOptions } from './slurmOptions';

/**
 * Submitting a run to Slurm: its folder is made at once (so the Runs view
 * shows it queued), with job.json (what to train) and job.sh (how), and
 * sbatch queues job.sh. Nothing stays behind when sbatch refuses.
 */

export interface SubmitTarget {
  readonly options: SlurmOptions;
  /** The model-studio CLI (dist/cli.js) the job runs; it must be readable on the compute nodes. */
  readonly cli: string;
}

function checkOptions(options: SlurmOptions): void {
  const problem = slurmOptionsProblem(options);
  if (problem) throw new SlurmError(`modelStudio.slurm: ${problem}`);
}

/** Writes job.sh and job.json in `runDir` and submits it; job.json gets the job id. */
async function submitFolder(runDir: string, request: TrainRequest, name: string, target: SubmitTarget): Promise<JobFolder> {
  const script = await writeJobScript({
    name,
    options: target.options,
    cli: target.cli,
    modelFile: request.modelFile,
    runDirs: [runDir],
    outputDir: runDir,
    array: false,
  });
  const submitted: SlurmJob = { version: 1, request: { ...request, runDir }, submittedAt: new Date().toISOString(), state: 'PENDING' };
  await writeJob(runDir, submitted);
  const jobId = await sbatch(script, target.options.extraArgs ?? []);
  const job: SlurmJob = { ...submitted, jobId };
  await writeJob(runDir, job);
  return { runDir, job };
}

/**
 * Submits a new run of the model file, named `name` (the model's; the
 * caller has validated the file: a queue is a slow place to find a typo).
 * Its folder goes under `request.runsDir` and is removed when sbatch
 * refuses the job.
 */
export async function submitRun(request: TrainRequest, name: string, target: SubmitTarget): Promise<JobFolder> {
  checkOptions(target.options);
  const { dir } = await createTimestampedDir(request.runsDir, name, new Date());
  try {
    return await submitFolder(dir, request, name, target);
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Resubmits a stopped run (stopped by the user, or killed by the scheduler
 * at its last checkpoint) to continue in its own folder. A refused
 * submission leaves the folder's earlier job.json and job.sh in place.
 */
export async function resubmitRun(runDir: string, target: SubmitTarget): Promise<JobFolder> {
  checkOptions(target.options);
  const run = await readRun(runDir);
  const previous = await readJob(runDir);
  const why = whyNotResumable(run);
  if (why) throw new SlurmError(`cannot resume run ${run.id}: ${why}`);
  const kept = await Promise.all(
    [JOB_SCRIPT, JOB_FILE].map(async (name) => [name, await fs.readFile(path.join(runDir, name)).catch(() => undefined)] as const),
  );
  const request: TrainRequest = {
    modelFile: run.modelFile,
    workspaceRoot: previous?.request.workspaceRoot ?? path.dirname(run.modelFile),
    runsDir: path.dirname(runDir),
    resumeRunDir: runDir,
  };
  try {
    return await submitFolder(runDir, request, run.name, target);
  } catch (error) {
    for (const [name, bytes] of kept) {
      if (bytes) await fs.writeFile(path.join(runDir, name), bytes);
      else await fs.rm(path.join(runDir, name), { force: true });
    }
    throw error;
  }
}
