import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isEvaluationFile } from '../protocol/evaluationGuards';
import type { Evaluation, EvaluationFile } from '../protocol/evaluationTypes';
import { writeJsonAtomic } from './atomicFile';
import { RUN_FILES } from './runFiles';

/*
 * `<run>/evaluation.json` (ARCHITECTURE §5). No TF.js here: the extension
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

/** Adds one evaluation to `<run>/evaluation.json`, replacing the file atomically. */
export async function appendEvaluation(runDir: string, evaluation: Evaluation): Promise<void> {
  const evaluations = await readEvaluations(runDir);
  const file: EvaluationFile = { evaluations: [...evaluations, evaluation] };
  await writeJsonAtomic(path.join(runDir, RUN_FILES.evaluation), file);
}
