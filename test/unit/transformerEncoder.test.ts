import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TransformerEncoder } from '../../src/trainer/textLayers';

/**
 * A plain Transformer encoder block written out step by step — one example
 * and one head at a time, softmax and layer normalization by their
 * formulas — to check the layer against: same weights, same output, same
 * gradients. `w` is the layer's weights in its order.
 */
function referenceEncoder(x: tf.Tensor3D, mask: number[][], w: readonly tf.Tensor[], heads: number): tf.Tensor3D {
  const [qk, qb, kk, kb, vk, vb, ok, ob, g1, b1, ik, ib, uk, ub, g2, b2] = w;
  const [batch, steps, d] = x.shape;
  const keyDim = (qk.shape[1] as number) / heads;
  const dense = (a: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor) => tf.add(tf.matMul(a, kernel as tf.Tensor2D), bias) as tf.Tensor2D;
  const norm = (a: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor) => {
    const mean = tf.div(tf.sum(a, 1, true), d);
    const centred = tf.sub(a, mean);
    const variance = tf.div(tf.sum(tf.mul(centred, centred), 1, true), d);
    return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor2D;
  };
  const examples: tf.Tensor2D[] = [];
  for (let b = 0; b < batch; b++) {
    const xb = tf.reshape(tf.slice(x, [b, 0, 0], [1, steps, d]), [steps, d]) as tf.Tensor2D;
    const q = dense(xb, qk, qb);
    const k = dense(xb, kk, kb);
    const v = dense(xb, vk, vb);
    const keyAdder = tf.tensor2d([mask[b].map((m) => (m ? 0 : -1e9))]);
    const headOutputs: tf.Tensor2D[] = [];
    for (let h = 0; h < heads; h++) {
      const part = (t: tf.Tensor2D) => tf.slice(t, [0, h * keyDim], [steps, keyDim]);
      const scores = tf.add(tf.div(tf.matMul(part(q), tf.transpose(part(k))), Math.sqrt(keyDim)), keyAdder);
      const e = tf.exp(tf.sub(scores, tf.max(scores, 1, true)));
      const p = tf.div(e, tf.sum(e, 1, true));
      headOutputs.push(tf.matMul(p, part(v)));
    }
    const attended = norm(tf.add(xb, dense(tf.concat(headOutputs, 1), ok, ob)), g1, b1);
    const fed = dense(tf.relu(dense(attended, ik, ib)), uk, ub);
    examples.push(norm(tf.add(attended, fed), g2, b2));
  }
  return tf.stack(examples) as tf.Tensor3D;
}

function maxAbs(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

describe('transformerEncoder against a plain reference implementation (cpu)', () => {
  const heads = 2;
  const mask = [
    [1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1],
  ];
  let layer: TransformerEncoder;
  let x: tf.Variable;
  let maskTensor: tf.Tensor;
  let probe: tf.Tensor;

  before(async () => {
    await tf.setBackend('cpu');
    layer = new TransformerEncoder({
      numHeads: heads,
      ffDim: 12,
      dropout: 0.3,
      kernelInitializer: { className: 'GlorotUniform', config: { seed: 3 } },
    });
    x = tf.variable(tf.randomNormal([2, 5, 8], 0, 1, 'float32', 7));
    maskTensor = tf.tensor2d(mask, undefined, 'bool');
    layer.apply(x, { mask: maskTensor });
    // Biases and norms start at 0 and 1: give them values, so that their gradients and use are checked too.
    layer.setWeights(layer.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.3, 'float32', 100 + i))));
    probe = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 11);
  });

  it('gives the same output (1e-5) at inference, with a padding mask', () => {
    const ours = layer.apply(x, { mask: maskTensor }) as tf.Tensor;
    const reference = referenceEncoder(x as tf.Tensor3D, mask, layer.getWeights(), heads);
    assert.ok(maxAbs(ours, reference) <= 1e-5, `max abs difference ${maxAbs(ours, reference)}`);
  });

  it('gives the same gradients (1e-5) with respect to the inputs and every weight', () => {
    const variables = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
    const ours = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { mask: maskTensor }) as tf.Tensor, probe)), variables).grads;
    const reference = tf.grads((...args: tf.Tensor[]) =>
      tf.sum(tf.mul(referenceEncoder(args[0] as tf.Tensor3D, mask, args.slice(1), heads), probe)),
    )(variables);
    assert.equal(reference.length, 17);
    variables.forEach((v, i) => {
      const difference = maxAbs(ours[v.name], reference[i]);
      assert.ok(difference <= 1e-5, `${v.name}: max abs gradient difference ${difference}`);
      assert.ok(tf.max(tf.abs(reference[i])).dataSync()[0] > 0, `${v.name}: a zero gradient checks nothing`);
    });
  });

  it('gives padded keys no attention: what sits at padded steps changes nothing at the real ones', () => {
    const probabilities = layer.attentionProbabilities(x, maskTensor);
    assert.deepEqual(probabilities.shape, [2, heads, 5, 5]);
    const padded = tf.slice(probabilities, [0, 0, 0, 3], [1, heads, 5, 2]);
    assert.equal(tf.max(padded).dataSync()[0], 0);
    const rowSums = tf.sum(probabilities, -1).dataSync();
    for (const sum of rowSums) assert.ok(Math.abs(sum - 1) < 1e-5);

    const firstWithOtherPadding = tf.concat([tf.slice(x, [0, 0, 0], [1, 3, 8]), tf.fill([1, 2, 8], 5)], 1);
    const noisy = tf.concat([firstWithOtherPadding, tf.slice(x, [1, 0, 0], [1, 5, 8])], 0);
    const a = tf.slice(layer.apply(x, { mask: maskTensor }) as tf.Tensor, [0, 0, 0], [1, 3, 8]);
    const b = tf.slice(layer.apply(noisy, { mask: maskTensor }) as tf.Tensor, [0, 0, 0], [1, 3, 8]);
    assert.ok(maxAbs(a, b) <= 1e-6);
  });

  it('applies dropout only while training', () => {
    const inference = layer.apply(x, { mask: maskTensor }) as tf.Tensor;
    const training = layer.apply(x, { mask: maskTensor, training: true }) as tf.Tensor;
    assert.ok(maxAbs(inference, training) > 1e-3);
  });

  it('passes the mask on and keeps the shape', () => {
    assert.equal(layer.computeMask(x, maskTensor), maskTensor);
    assert.deepEqual(layer.computeOutputShape([null, 5, 8]), [null, 5, 8]);
  });

  it('refuses a width the heads cannot share, naming keyDim', () => {
    const odd = new TransformerEncoder({ numHeads: 3, ffDim: 4 });
    assert.throws(() => odd.apply(tf.zeros([1, 2, 8])), /must divide evenly by numHeads \(3\), or set "keyDim"/);
    assert.throws(() => new TransformerEncoder({ numHeads: 0, ffDim: 4 }), /"numHeads" must be a whole number ≥ 1/);
  });
});
