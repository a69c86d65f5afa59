import type * as tf from '@tensorflow/tfjs';
import { DataError, displayPath } from '../data/dataError';
import { resolveDataPath } from '../data/paths';
import type { ModelSpec } from '../modelFile/modelSpec';
import { loadModelFile } from './modelIO';

/**
 * The model `model.from` names (fine-tuning), loaded with its weights, or
 * undefined when the spec starts from scratch. The path resolves against
 * the model file and must stay inside the workspace, like data paths.
 * Owned by the caller: dispose it once buildModel has copied it.
 */
export async function loadBaseModel(spec: ModelSpec, modelFile: string, workspaceRoot: string): Promise<tf.LayersModel | undefined> {
  const from = spec.model.from;
  if (from === undefined) return undefined;
  const file = await resolveDataPath(from, modelFile, workspaceRoot, 'file', 'model.from');
  try {
    return await loadModelFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new DataError(
      `${displayPath(modelFile)}: model.from: cannot load "${from}" as a TF.js layers model (${reason})`,
      modelFile,
      undefined,
      'model.from',
    );
  }
}
