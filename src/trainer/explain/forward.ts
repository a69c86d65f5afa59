import * as tf from '@tensorflow/tfjs';

/**
 * Forward passes through a run's model (a Sequential: buildModel copies a
 * `model.from` model's layers in, so the layers form one chain) for the
 * explanations: layer by layer, so that a pass can start or stop at any
 * layer, and with the class scores before the output's softmax / sigmoid.
 */

const CONVOLUTIONS = new Set(['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'Conv2DTranspose']);
const SQUASHING = new Set(['softmax', 'sigmoid']);

export function isConvolution(layer: tf.layers.Layer): boolean {
  return CONVOLUTIONS.has(layer.getClassName());
}

/** Layers `from` … `to − 1` applied to `x` in inference mode (dropout off, batch norm's moving statistics). */
export function applyLayers(model: tf.LayersModel, x: tf.Tensor, from: number, to: number): tf.Tensor {
  let out = x;
  for (let i = from; i < to; i++) out = model.layers[i].apply(out, { training: false }) as tf.Tensor;
  return out;
}

/**
 * The model's scores [n, units] from layer `from` on: the logits where the
 * last layer squashes them (a dense layer or an activation layer with
 * softmax or sigmoid), since gradients of a saturated probability vanish;
 * otherwise the output itself (regression, linear outputs).
 */
export function classScores(model: tf.LayersModel, x: tf.Tensor, from: number): tf.Tensor {
  const layers = model.layers;
  const last = layers[layers.length - 1];
  const config = last.getConfig();
  const squashes = typeof config.activation === 'string' && SQUASHING.has(config.activation);
  if (squashes && last.getClassName() === 'Activation') return applyLayers(model, x, from, layers.length - 1);
  if (squashes && last.getClassName() === 'Dense') {
    const hidden = applyLayers(model, x, from, layers.length - 1);
    const [kernel, bias] = last.getWeights();
    const logits = tf.matMul(hidden as tf.Tensor2D, kernel as tf.Tensor2D);
    return bias === undefined ? logits : tf.add(logits, bias);
  }
  return applyLayers(model, x, from, layers.length);
}
