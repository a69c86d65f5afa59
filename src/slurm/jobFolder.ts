import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isRunInfo } from '../protocol/guards';
import { isSlurmJob } from '../protocol/slurmGuards';
import type { RunInfo } from '../protocol/runTypes';
import type { SlurmJob } from '../protocol/slurmTypes';
import { writeJsonAtomic } from '../runFolder/atomicFile';
import { readChildFolders } from '../runFolder/readRunFolder';
import { RUN_FILES } from '../runFolder/runFiles';

/**
 * A Slurm run's folder: `job.json` from the moment it is submitted,
 * `run.json` and the rest once the trainer started on a compute node.
 */

export const JOB_FILE = 'job.json';

export interface JobFolder {
  readonly runDir: string;
  readonly job: SlurmJob;
  /** Absent until the trainer started. */
  readonly run?: RunInfo;
}

export async function readJob(runDir: string): Promise<SlurmJob | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(path.join(runDir, JOB_FILE), 'utf8'));
    return isSlurmJob(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function writeJob(runDir: string, job: SlurmJob): Promise<void> {
  await writeJsonAtomic(path.join(runDir, JOB_FILE), job);
}

async function readRunIfAny(runDir: string): Promise<RunInfo | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8'));
    return isRunInfo(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The folder's job and run, or undefined when it holds no job.json (a local run). */
export async function readJobFolder(runDir: string): Promise<JobFolder | undefined> {
  const job = await readJob(runDir);
  if (!job) return undefined;
  const run = await readRunIfAny(runDir);
  return { runDir, job, ...(run ? { run } : {}) };
}

/** The Slurm run folders directly under `runsDir`. */
export async function listJobFolders(runsDir: string): Promise<JobFolder[]> {
  const folders = await readChildFolders(runsDir, async (dir) => {
    const folder = await readJobFolder(dir);
    if (!folder) throw new Error('not a Slurm run');
    return folder;
  });
  return folders;
}
