import type * as tf from '@tensorflow/tfjs';
import type { ExportComparison } from '../protocol/exportTypes';
import { outputUnits } from './buildModel';
import type { EvaluationExamples } from './evaluationData';
import { headlineMetric, headlineMetricName, predictOutputs } from './modelOutputs';
import type { RunArtifacts } from './runArtifacts';

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
  const a = await predictOutputs(float32, examples.x, featureShape, examples.count);
  const b = await predictOutputs(exported, examples.x, featureShape, examples.count);
  const units = outputUnits(float32);
  return {
    examples: examples.count,
    metric: headlineMetricName(artifacts),
    float32: headlineMetric(a, units, artifacts, examples.y),
    exported: headlineMetric(b, units, artifacts, examples.y),
    maxAbsDifference: largestDifference(a, b),
  };
}

/** Largest |a − b| over the two models' outputs on `x` ([count, ...featureShape]). */
export async function maxAbsDifference(
  a: tf.LayersModel,
  b: tf.LayersModel,
  x: Float32Array,
  featureShape: readonly number[],
  count: number,
): Promise<number> {
  return largestDifference(await predictOutputs(a, x, featureShape, count), await predictOutputs(b, x, featureShape, count));
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
