import * as tf from '@tensorflow/tfjs';
import { invertNormalization } from '../data/normalize';
import type { ExportComparison } from '../protocol/exportTypes';
import { outputUnits } from './buildModel';
import { classProbabilities } from './evaluate';
import type { EvaluationExamples } from './evaluationData';
import { argmaxRows, classificationReport, regressionReport } from './metrics';
import type { RunArtifacts } from './runArtifacts';

const PREDICT_BATCH = 256;

/**
 * The exported model against the run's float32 model on the same examples:
 * the evaluation's headline metric for each (accuracy for classification,
 * MSE in the target's units for regression, scored as Evaluate Model scores
 * them) and the largest difference between their outputs.
 */
export async function compareModels(
  float32: tf.LayersModel,
  exported: tf.LayersModel,
  artifacts: RunArtifacts,
  examples: EvaluationExamples,
): Promise<ExportComparison> {
  const { featureShape } = artifacts.normalization;
  const a = await predictRows(float32, examples.x, featureShape, examples.count);
  const b = await predictRows(exported, examples.x, featureShape, examples.count);
  const units = outputUnits(float32);
  const metric = artifacts.spec.task === 'classification' ? 'accuracy' : 'mse';
  return {
    examples: examples.count,
    metric,
    float32: score(a, units, artifacts, examples.y),
    exported: score(b, units, artifacts, examples.y),
    maxAbsDifference: largestDifference(a, b),
  };
}

function score(outputs: Float32Array, units: number, artifacts: RunArtifacts, y: Float32Array): number {
  if (artifacts.spec.task === 'classification') {
    const { probabilities, classCount } = classProbabilities(outputs, units);
    const numClasses = Math.max(classCount, artifacts.normalization.classes?.length ?? 0);
    return classificationReport(y, argmaxRows(probabilities, classCount), numClasses).accuracy;
  }
  return regressionReport(y, invertNormalization(Float32Array.from(outputs), artifacts.normalization.target)).mse;
}

/** The model's outputs on `x` ([count, ...featureShape]), [count, units] row-major. */
async function predictRows(model: tf.LayersModel, x: Float32Array, featureShape: readonly number[], count: number): Promise<Float32Array> {
  const width = x.length / count;
  const chunks: Float32Array[] = [];
  for (let start = 0; start < count; start += PREDICT_BATCH) {
    const end = Math.min(count, start + PREDICT_BATCH);
    const output = tf.tidy(
      () => model.predict(tf.tensor(x.subarray(start * width, end * width), [end - start, ...featureShape])) as tf.Tensor,
    );
    chunks.push((await output.data()) as Float32Array);
    output.dispose();
  }
  const all = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/** Largest |a − b| over the two models' outputs on `x` ([count, ...featureShape]). */
export async function maxAbsDifference(
  a: tf.LayersModel,
  b: tf.LayersModel,
  x: Float32Array,
  featureShape: readonly number[],
  count: number,
): Promise<number> {
  return largestDifference(await predictRows(a, x, featureShape, count), await predictRows(b, x, featureShape, count));
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
