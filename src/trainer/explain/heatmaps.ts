import * as tf from '@tensorflow/tfjs';
import { applyLayers, classScores, isConvolution } from './forward';

/**
 * Image heatmaps: gradient saliency and Grad-CAM (Selvaraju et al. 2017),
 * each normalised per example to [0, 1] by its maximum (docs/decisions.md).
 */

/** What each example's heatmap explains: the score of its class (classification) or its output (regression). */
export interface HeatmapTarget {
  /** [n, ...featureShape] normalised as in training. */
  readonly x: tf.Tensor;
  /** [height, width, channels] of one image. */
  readonly imageShape: readonly [number, number, number];
  /** Per example: the class whose score is explained, or undefined for regression (the output). */
  readonly classes: readonly (number | undefined)[];
}

/**
 * Weights [n, units] that turn the scores into the explained one: the
 * class's logit minus the mean logit (softmax ignores a shift of all logits,
 * so a class's logit alone is not what the model decides on: with two
 * classes this is half the log-odds); a one-unit sigmoid's logit counts for
 * class 1 and against class 0; regression: the output.
 */
function scoreWeights(classes: HeatmapTarget['classes'], units: number): tf.Tensor2D {
  const weights = new Float32Array(classes.length * units);
  classes.forEach((c, i) => {
    if (c === undefined) weights.fill(1, i * units, (i + 1) * units);
    else if (units === 1) weights[i] = c === 1 ? 1 : -1;
    else {
      weights.fill(-1 / units, i * units, (i + 1) * units);
      weights[i * units + c] += 1;
    }
  });
  return tf.tensor2d(weights, [classes.length, units]);
}

/** The explained score summed over the batch: each example's gradient is its own, as examples do not mix. */
function explainedScore(model: tf.LayersModel, weights: tf.Tensor2D, from: number): (input: tf.Tensor) => tf.Scalar {
  return (input) => tf.sum(tf.mul(classScores(model, input, from), weights));
}

/** [n, h, w] → each map divided by its maximum (a map of zeros stays zeros). */
function normalizeMaps(maps: tf.Tensor3D): tf.Tensor3D {
  const max = tf.max(maps, [1, 2], true);
  return tf.div(maps, tf.where(tf.greater(max, 0), max, tf.onesLike(max)));
}

/** |∂ score / ∂ input|, the maximum over the channels of each pixel. */
export async function saliencyMaps(model: tf.LayersModel, target: HeatmapTarget): Promise<number[][][]> {
  const [height, width, channels] = target.imageShape;
  const n = target.classes.length;
  const maps = tf.tidy(() => {
    const weights = scoreWeights(target.classes, model.outputs[0].shape[1] ?? 1);
    const gradient = tf.grad(explainedScore(model, weights, 0))(target.x);
    const perPixel = tf.max(tf.abs(tf.reshape(gradient, [n, height, width, channels])), 3) as tf.Tensor3D;
    return normalizeMaps(perPixel);
  });
  try {
    return (await maps.array()) as number[][][];
  } finally {
    maps.dispose();
  }
}

/** Index of the last convolution layer, -1 when the model has none. */
export function lastConvolution(model: tf.LayersModel): number {
  for (let i = model.layers.length - 1; i >= 0; i--) if (isConvolution(model.layers[i])) return i;
  return -1;
}

/**
 * Grad-CAM on layer `layer` (a convolution): the gradients of the score
 * with respect to its activations, averaged over the positions, weigh its
 * channels; the weighted sum, through a ReLU, is upsampled to the image.
 */
export async function gradCamMaps(model: tf.LayersModel, target: HeatmapTarget, layer: number): Promise<number[][][]> {
  const [height, width] = target.imageShape;
  const maps = tf.tidy(() => {
    const weights = scoreWeights(target.classes, model.outputs[0].shape[1] ?? 1);
    const activations = applyLayers(model, target.x, 0, layer + 1) as tf.Tensor4D;
    const gradient = tf.grad(explainedScore(model, weights, layer + 1))(activations);
    const channelWeights = tf.mean(gradient, [1, 2], true);
    const cam = tf.relu(tf.sum(tf.mul(activations, channelWeights), 3, true)) as tf.Tensor4D;
    const upsampled = tf.image.resizeBilinear(cam, [height, width], false, true);
    return normalizeMaps(tf.squeeze(upsampled, [3]) as tf.Tensor3D);
  });
  try {
    return (await maps.array()) as number[][][];
  } finally {
    maps.dispose();
  }
}
