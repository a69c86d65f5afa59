import * as tf from '@tensorflow/tfjs';

/** A dense projection's weights: kernel [in, out], bias [out]. */
export interface Projection {
  readonly kernel: tf.Tensor;
  readonly bias: tf.Tensor;
}

export interface AttentionWeights {
  readonly query: Projection;
  readonly key: Projection;
  readonly value: Projection;
  readonly output: Projection;
}

/**
 * `mask` if it marks the steps of `x` [batch, steps, …], else null. TF.js's
 * executor keeps the last mask it passed in the call arguments, so a layer
 * after one that changed the number of steps (a conv1d with "valid"
 * padding) is handed a mask of other steps, which is not its own.
 */
export function maskFor(x: tf.Tensor, mask: unknown): tf.Tensor | null {
  if (!(mask instanceof tf.Tensor) || mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1]) return null;
  return mask;
}

/** What softmax sees for a padded key: far below any real score, so its probability is 0 (Keras uses the same). */
const MASKED_SCORE = -1e9;

/** `x` [batch, steps, in] through a dense projection: [batch, steps, out]. */
export function project(x: tf.Tensor, { kernel, bias }: Projection): tf.Tensor3D {
  const [batch, steps, width] = x.shape;
  const flat = tf.add(tf.matMul(tf.reshape(x, [batch * steps, width]), kernel as tf.Tensor2D), bias);
  return tf.reshape(flat, [batch, steps, kernel.shape[1] ?? 0]);
}

/** [batch, steps, heads·keyDim] → [batch, heads, steps, keyDim]. */
function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [batch, steps, width] = x.shape;
  return tf.transpose(tf.reshape(x, [batch, steps, heads, width / heads]), [0, 2, 1, 3]);
}

/**
 * Multi-head scaled dot-product self-attention of `x` [batch, steps, d]
 * (Vaswani et al. 2017, as Keras's MultiHeadAttention computes it with
 * query = key = value = x). `mask` [batch, steps] (bool or 0/1) marks the
 * real tokens: padded keys get probability 0 from every query. Returns the
 * output [batch, steps, d] and the attention probabilities
 * [batch, heads, query, key], both before any dropout on the output.
 */
export function selfAttention(
  x: tf.Tensor3D,
  mask: tf.Tensor | null | undefined,
  weights: AttentionWeights,
  heads: number,
  probabilityDropout = 0,
): { output: tf.Tensor3D; probabilities: tf.Tensor4D } {
  const query = splitHeads(project(x, weights.query), heads);
  const key = splitHeads(project(x, weights.key), heads);
  const value = splitHeads(project(x, weights.value), heads);
  const keyDim = query.shape[3];
  let scores: tf.Tensor4D = tf.mul(tf.matMul(query, key, false, true), 1 / Math.sqrt(keyDim));
  if (mask != null) {
    const [batch, steps] = mask.shape;
    const padded = tf.sub(1, tf.cast(mask, 'float32'));
    scores = tf.add(scores, tf.mul(tf.reshape(padded, [batch, 1, 1, steps]), MASKED_SCORE));
  }
  const probabilities = tf.softmax(scores);
  const used = probabilityDropout > 0 ? tf.dropout(probabilities, probabilityDropout) : probabilities;
  const context = tf.transpose(tf.matMul(used, value), [0, 2, 1, 3]);
  const [batch, steps] = x.shape;
  const merged = tf.reshape(context, [batch, steps, heads * keyDim]);
  return { output: project(merged, weights.output), probabilities };
}
