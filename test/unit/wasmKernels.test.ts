import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmConvGradients } from '../../src/trainer/wasmKernels';

type Shape4 = [number, number, number, number];

interface Case {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly filter: [number, number];
  readonly stride: number;
  readonly pad: 'same' | 'valid';
}

function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Runs one kernel on the given backend with fresh tensors and returns its output. */
async function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, { shape: Shape4; values: Float32Array }>,
  attrs: tf.NamedAttrMap,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, values }] of Object.entries(inputs)) {
    tensors[name] = tf.tensor4d(values, shape);
  }
  const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  const result = { shape: out.shape, values: (await out.data()) as Float32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

function outputSize(size: number, filter: number, stride: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(size / stride) : Math.ceil((size - filter + 1) / stride);
}

const cases: Case[] = [];
for (const stride of [1, 2, 3]) {
  for (const pad of ['same', 'valid'] as const) {
    cases.push(
      { batch: 3, height: 9, width: 7, inChannels: 1, outChannels: 4, filter: [3, 3], stride, pad },
      { batch: 2, height: 11, width: 13, inChannels: 3, outChannels: 5, filter: [5, 3], stride, pad },
      { batch: 4, height: 8, width: 8, inChannels: 6, outChannels: 2, filter: [2, 4], stride, pad },
      { batch: 1, height: 5, width: 6, inChannels: 2, outChannels: 3, filter: [1, 1], stride, pad },
    );
  }
}

describe('wasm convolution gradients', () => {
  before(async () => {
    await tf.setBackend('wasm');
    registerWasmConvGradients();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of cases) {
    const label = `${c.batch}×${c.height}×${c.width}×${c.inChannels} → ${c.outChannels}, ` +
      `filter ${c.filter.join('×')}, stride ${c.stride}, ${c.pad}`;
    const filterShape: Shape4 = [c.filter[0], c.filter[1], c.inChannels, c.outChannels];
    const xShape: Shape4 = [c.batch, c.height, c.width, c.inChannels];
    const dyShape: Shape4 = [
      c.batch,
      outputSize(c.height, c.filter[0], c.stride, c.pad),
      outputSize(c.width, c.filter[1], c.stride, c.pad),
      c.outChannels,
    ];
    const common = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC' };

    it(`Conv2DBackpropFilter matches cpu: ${label}`, async () => {
      const inputs = {
        x: { shape: xShape, values: randomValues(xShape.reduce((a, b) => a * b), 1) },
        dy: { shape: dyShape, values: randomValues(dyShape.reduce((a, b) => a * b), 2) },
      };
      const attrs = { ...common, filterShape };
      const expected = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
      const actual = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      const error = relativeError(actual.values, expected.values);
      assert.ok(error < 1e-5, `relative error ${error}`);
    });

    it(`Conv2DBackpropInput matches cpu: ${label}`, async () => {
      const inputs = {
        dy: { shape: dyShape, values: randomValues(dyShape.reduce((a, b) => a * b), 3) },
        filter: { shape: filterShape, values: randomValues(filterShape.reduce((a, b) => a * b), 4) },
      };
      const attrs = { ...common, inputShape: xShape };
      const expected = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
      const actual = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      const error = relativeError(actual.values, expected.values);
      assert.ok(error < 1e-5, `relative error ${error}`);
    });
  }

  it('leaves no intermediate tensors behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 3]);
    const dy = tf.randomNormal([2, 4, 4, 5]);
    const filter = tf.randomNormal([3, 3, 3, 5]);
    const before = tf.memory().numTensors;
    const beforeBytes = tf.memory().numBytes;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: [2, 2], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 3, 5],
    }) as tf.Tensor;
    const dyStride1 = tf.randomNormal([2, 9, 9, 5]);
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyStride1, filter }, {
      strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3],
    }) as tf.Tensor;
    assert.equal(tf.memory().numTensors, before + 3);
    assert.equal(tf.memory().numBytes, beforeBytes + (dw.size + dyStride1.size + dx.size) * 4);
    tf.dispose([x, dy, filter, dw, dyStride1, dx]);
  });

  it('trains a small CNN end to end (gradients flow through both kernels)', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.randomNormal([16, 8, 8, 1]);
    const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2));
    const history = await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    assert.equal(history.history.loss.length, 2);
    assert.ok(Number.isFinite(history.history.loss[1] as number));
    tf.dispose([x, y]);
    model.dispose();
  });
});
