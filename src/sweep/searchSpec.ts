import { promises as fs } from 'node:fs';
import { monitorMode } from '../modelFile/metricMode';
import type { ModelSpec, SearchSpec } from '../modelFile/modelSpec';
import { formatDiagnostic, validateModelFile } from '../modelFile/validateModelFile';
import type { Goal } from './pruning';

// A sweep's model file and what it compares: for sweeps run here and sweeps submitted to Slurm.

/** The model file validated, with its search block; throws a one-line `file:line:col: error: …` otherwise. */
export async function readSearchSpec(modelFile: string, workspaceRoot: string): Promise<ModelSpec & { search: SearchSpec }> {
  let text: string;
  try {
    text = await fs.readFile(modelFile, 'utf8');
  } catch (error) {
    throw new Error(`${modelFile}: cannot read the model file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const { spec, diagnostics } = await validateModelFile(modelFile, text, { workspaceRoot, leaveDataErrorsToLoading: true });
  const error = diagnostics.find((d) => d.severity === 'error');
  if (error || !spec) throw new Error(error ? formatDiagnostic(error) : `${modelFile}: invalid model file`);
  if (!spec.search) throw new Error(`${modelFile}: no "search" block: add one with the parameters to search (docs: Sweeps)`);
  return { ...spec, search: spec.search };
}

/** The metric a sweep compares (default val_loss, or loss without a validation split) and its goal (default from the metric's name). */
export function metricAndGoal(spec: ModelSpec & { search: SearchSpec }): { metric: string; goal: Goal } {
  const metric = spec.search.metric ?? ((spec.data.validationSplit ?? 0) > 0 ? 'val_loss' : 'loss');
  return { metric, goal: spec.search.goal ?? (monitorMode(metric) === 'max' ? 'maximize' : 'minimize') };
}
