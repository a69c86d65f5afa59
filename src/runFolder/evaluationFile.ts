import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isEvaluationFile } from '../protocol/evaluationGuards';
import type { Evaluation, EvaluationFile } from '../protocol/evaluationTypes';
import { writeJsonAtomic } from './atomicFile';
import { RUN_FILES } from './runFiles';

/*
 * `<run>/evaluation.json` (docs/architecture.md "The run folder"). No TF.js here: the extension
 * host reads evaluations through this file too.
 */

/** The evaluations of a run folder, oldest first (none yet: empty). */
export async function readEvaluations(runDir: string): Promise<Evaluation[]> {
  const file = path.join(runDir, RUN_FILES.evaluation);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isEvaluationFile(value)) throw new Error(`${file}: not an evaluation.json written by Model Studio; move it away to evaluate again`);
  return [...value.evaluations];
}

/**
 * Adds one evaluation to `<run>/evaluation.json`, replacing the file
 * atomically. Two evaluations of one run (two windows, the CLI beside the
 * editor) take turns through a lock file, so neither's read-then-write
 * drops the other's evaluation.
 */
export async function appendEvaluation(runDir: string, evaluation: Evaluation): Promise<void> {
  await withLock(path.join(runDir, `${RUN_FILES.evaluation}.lock`), async () => {
    const evaluations = await readEvaluations(runDir);
    const file: EvaluationFile = { evaluations: [...evaluations, evaluation] };
    await writeJsonAtomic(path.join(runDir, RUN_FILES.evaluation), file);
  });
}

/** How long an append waits for another before giving up; an append takes milliseconds. */
const LOCK_WAIT_MS = 10_000;

/** Whether the process that wrote `lock` (its pid) is gone: a lock it left behind. */
async function isStale(lock: string): Promise<boolean> {
  const pid = Number(await fs.readFile(lock, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Runs `body` holding `lock`: a file created exclusively, holding our pid, removed afterwards. */
async function withLock(lock: string, body: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lock)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`${lock}: another evaluation of this run has been writing evaluation.json for ${LOCK_WAIT_MS / 1000} s; try again`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  try {
    await body();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
