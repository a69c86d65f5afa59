import * as tf from '@tensorflow/tfjs';
import { invertNormalization } from '../data/normalize';
import { classProbabilities } from './evaluate';
import { argmaxRows } from './metrics';
import type { RunArtifacts } from './runArtifacts';

/** Examples per predict call. */
const PREDICT_BATCH = 256;

/** The model's outputs for `count` examples of `featureShape` (row-major in `x`), as [count, units] row-major. */
export async function predictOutputs(
  model: tf.LayersModel,
  x: Float32Array,
  featureShape: readonly number[],
  count: number,
): Promise<Float32Array> {
  const width = x.length / count;
  let outputs: Float32Array | undefined;
  for (let start = 0; start < count; start += PREDICT_BATCH) {
    const end = Math.min(count, start + PREDICT_BATCH);
    const predicted = tf.tidy(
      () => model.predict(tf.tensor(x.subarray(start * width, end * width), [end - start, ...featureShape])) as tf.Tensor,
    );
    const values = (await predicted.data()) as Float32Array;
    predicted.dispose();
    outputs ??= new Float32Array((values.length / (end - start)) * count);
    outputs.set(values, (start * outputs.length) / count);
  }
  return outputs ?? new Float32Array(0);
}

/** The one figure a model is judged by when it is exported or explained: accuracy, or the MSE in the target's units. */
export function headlineMetricName(artifacts: RunArtifacts): 'accuracy' | 'mse' {
  return artifacts.spec.task === 'classification' ? 'accuracy' : 'mse';
}

/** headlineMetricName's figure of `outputs` ([count, units], as predictOutputs returns them) against `y`, as Evaluate Model scores it. */
export function headlineMetric(outputs: Float32Array, units: number, artifacts: RunArtifacts, y: Float32Array): number {
  if (artifacts.spec.task === 'classification') {
    const { probabilities, classCount } = classProbabilities(outputs, units);
    const predicted = argmaxRows(probabilities, classCount);
    let right = 0;
    for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) right++;
    return right / y.length;
  }
  // Regression trains on normalised targets: the outputs go back to the target's units first.
  const predicted = invertNormalization(Float32Array.from(outputs), artifacts.normalization.target);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (predicted[i] - y[i]) ** 2;
  return sum / y.length;
}
