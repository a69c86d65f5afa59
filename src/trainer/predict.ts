import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { dataError } from '../data/dataError';
import { readFeatureRows } from '../data/featureRows';
import { isTextSource } from '../data/prepareText';
import { readTextRows } from '../data/textRows';
import { applyNormalization, invertNormalization } from '../data/normalize';
import type { BackendChoice, BackendName } from '../protocol/runTypes';
import { isIdxSource, isImageFolderSource } from '../modelFile/modelSpec';
import { loadBackend } from './backend';
import { disposeModel, outputUnits } from './buildModel';
import { classProbabilities } from './evaluate';
import { argmaxRows } from './metrics';
import { loadModel } from './modelIO';
import { readRunArtifacts } from './runArtifacts';

export interface PredictRequest {
  readonly runDir: string;
  /**
   * CSV / JSON / JSON Lines with the run's feature columns (a label column may be there or not), or an IDX images file;
   * a text model reads the run's text column, encoded with its vocabulary.json.
   */
  readonly input: string;
  readonly backend?: BackendChoice;
}

/** One input row's prediction. */
export interface Prediction {
  /** 0-based position among the file's examples. */
  readonly index: number;
  /** 1-based line of the record (tables). */
  readonly line?: number;
  /** Class name (classification) or the predicted value in the target's own units (regression). */
  readonly predicted: string | number;
  /** Classification: probability of each class, in the order of `classes`. */
  readonly probabilities?: readonly number[];
}

export interface PredictResult {
  readonly runId: string;
  readonly task: 'classification' | 'regression';
  readonly backend: BackendName;
  readonly classes?: readonly string[];
  readonly predictions: readonly Prediction[];
}

const BATCH_SIZE = 256;

/**
 * Predicts with a run's final model on new examples, prepared as training
 * prepared its own (the run's saved normalisation, its feature columns by
 * name); regression values are mapped back to the target's units.
 */
export async function predictRun(request: PredictRequest): Promise<PredictResult> {
  const artifacts = await readRunArtifacts(request.runDir);
  const { spec, normalization, run } = artifacts;
  const train = spec.data.train;
  const input = path.resolve(request.input);
  const rows =
    artifacts.vocabulary !== undefined && isTextSource(train)
      ? await readTextRows(input, train.text, artifacts.vocabulary)
      : await readFeatureRows(input, {
          ...(normalization.featureNames === undefined ? {} : { featureNames: normalization.featureNames }),
          ...(isIdxSource(train) || isImageFolderSource(train) ? {} : { label: train.label }),
        });
  const featureShape = normalization.featureShape;
  const width = featureShape.reduce((a, b) => a * b, 1);
  if (rows.x.length / rows.count !== width) {
    throw dataError(
      input,
      undefined,
      `has ${rows.x.length / rows.count} values per example, but the model takes ${width} ([${featureShape.join(', ')}])`,
    );
  }
  const x = applyNormalization(rows.x, normalization.features);
  const loaded = await loadBackend(request.backend ?? 'auto');
  const model = await loadModel(artifacts.modelDir);
  const units = outputUnits(model);
  const outputs = new Float32Array(rows.count * units);
  try {
    for (let start = 0; start < rows.count; start += BATCH_SIZE) {
      const end = Math.min(rows.count, start + BATCH_SIZE);
      const batch = tf.tensor(x.subarray(start * width, end * width), [end - start, ...featureShape], 'float32');
      const predicted = model.predict(batch) as tf.Tensor;
      outputs.set(await predicted.data(), start * units);
      tf.dispose([batch, predicted]);
    }
  } finally {
    disposeModel(model);
  }
  const where = (i: number): { index: number; line?: number } => ({ index: i, ...(rows.lines ? { line: rows.lines[i] } : {}) });
  if (spec.task === 'regression') {
    const values = invertNormalization(outputs, normalization.target);
    return {
      runId: run.id,
      task: 'regression',
      backend: loaded.backend,
      predictions: Array.from(values, (value, i) => ({ ...where(i), predicted: value })),
    };
  }
  const { probabilities, classCount } = classProbabilities(outputs, units);
  const classes = Array.from({ length: classCount }, (_, c) => normalization.classes?.[c] ?? String(c));
  const predicted = argmaxRows(probabilities, classCount);
  return {
    runId: run.id,
    task: 'classification',
    backend: loaded.backend,
    classes,
    predictions: Array.from(predicted, (c, i) => ({
      ...where(i),
      predicted: classes[c],
      probabilities: Array.from(probabilities.subarray(i * classCount, (i + 1) * classCount)),
    })),
  };
}
