import * as path from 'node:path';
import type { Evaluation } from '../protocol/evaluationTypes';
import { readEvaluations } from './evaluationFile';
import { listRuns, runsDirFor } from './readRunFolder';

/** The evaluations of every run of a model file, newest first. Unreadable evaluation.json files are skipped. */
export async function evaluationsOf(modelFile: string): Promise<Evaluation[]> {
  const runs = (await listRuns(runsDirFor(modelFile))).filter((entry) => path.basename(entry.run.modelFile) === path.basename(modelFile));
  const all = await Promise.all(runs.map((entry) => readEvaluations(entry.runDir).catch(() => [] as Evaluation[])));
  return all.flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** One evaluation of a run, by id. */
export async function findEvaluation(runDir: string, evaluationId: string): Promise<Evaluation | undefined> {
  return (await readEvaluations(runDir)).find((e) => e.id === evaluationId);
}

/** How an evaluation is listed in pickers: run, data set, headline figure. */
export function evaluationLabel(evaluation: Evaluation): string {
  const result = evaluation.result;
  const figure = result.kind === 'classification' ? `accuracy ${result.accuracy.toFixed(4)}` : `RMSE ${Number(result.rmse.toPrecision(4))}`;
  const when = new Date(evaluation.createdAt).toLocaleString();
  return `run ${evaluation.runId} · ${evaluation.dataset.description} · ${figure} · ${when}`;
}
