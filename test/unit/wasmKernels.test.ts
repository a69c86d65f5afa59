import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerCpuSegmentSum } from '../../src/trainer/segmentSum';
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
  inputs: Record<string, { shape: readonly number[]; values: Float32Array | Int32Array }>,
  attrs: tf.NamedAttrMap,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, values }] of Object.entries(inputs)) {
    tensors[name] = tf.tensor(values, [...shape], values instanceof Int32Array ? 'int32' : 'float32');
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
      // Filters small beside their output channels: dW as one product of patches (the last one just past that).
      { batch: 2, height: 10, width: 9, inChannels: 1, outChannels: 18, filter: [3, 3], stride, pad },
      { batch: 3, height: 7, width: 8, inChannels: 2, outChannels: 12, filter: [1, 3], stride, pad },
      { batch: 2, height: 10, width: 9, inChannels: 1, outChannels: 17, filter: [3, 3], stride, pad },
    );
  }
}

describe('wasm training kernels (convolution gradients, transposed matmul, row gather, max-pool gradient)', () => {
  before(async () => {
    await tf.setBackend('wasm');
    registerWasmConvGradients();
    registerCpuSegmentSum();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of cases) {
    const label =
      `${c.batch}×${c.height}×${c.width}×${c.inChannels} → ${c.outChannels}, ` +
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
        x: {
          shape: xShape,
          values: randomValues(
            xShape.reduce((a, b) => a * b),
            1,
          ),
        },
        dy: {
          shape: dyShape,
          values: randomValues(
            dyShape.reduce((a, b) => a * b),
            2,
          ),
        },
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
        dy: {
          shape: dyShape,
          values: randomValues(
            dyShape.reduce((a, b) => a * b),
            3,
          ),
        },
        filter: {
          shape: filterShape,
          values: randomValues(
            filterShape.reduce((a, b) => a * b),
            4,
          ),
        },
      };
      const attrs = { ...common, inputShape: xShape };
      const expected = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
      const actual = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      const error = relativeError(actual.values, expected.values);
      assert.ok(error < 1e-5, `relative error ${error}`);
    });
  }

  const matMuls: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
    { a: [128, 784], b: [128, 512], transposeA: true, transposeB: false }, // a Dense layer's dW = xᵀ·dy
    { a: [64, 128], b: [1600, 128], transposeA: false, transposeB: true }, // its dx = dy·Wᵀ
    { a: [1, 37, 5], b: [1, 9, 37], transposeA: true, transposeB: true },
    { a: [3, 6, 4], b: [3, 6, 7], transposeA: true, transposeB: false },
    { a: [2, 3, 5, 4], b: [1, 1, 6, 4], transposeA: false, transposeB: true }, // broadcast batch dims
    { a: [1, 8, 3], b: [4, 8, 2], transposeA: true, transposeB: false },
    { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
    // Attention: a batch of products, one per text and head.
    { a: [3, 2, 9, 4], b: [3, 2, 9, 4], transposeA: false, transposeB: true },
    { a: [3, 2, 9, 9], b: [3, 2, 9, 4], transposeA: false, transposeB: false },
    { a: [3, 2, 9, 9], b: [3, 2, 9, 4], transposeA: true, transposeB: false },
    { a: [6, 5, 7], b: [6, 7, 2], transposeA: false, transposeB: false },
  ];
  for (const [i, m] of matMuls.entries()) {
    it(`BatchMatMul matches cpu: [${m.a}]${m.transposeA ? 'ᵀ' : ''} · [${m.b}]${m.transposeB ? 'ᵀ' : ''}`, async () => {
      const inputs = {
        a: {
          shape: m.a,
          values: randomValues(
            m.a.reduce((x, y) => x * y),
            10 + i,
          ),
        },
        b: {
          shape: m.b,
          values: randomValues(
            m.b.reduce((x, y) => x * y),
            20 + i,
          ),
        },
      };
      const attrs = { transposeA: m.transposeA, transposeB: m.transposeB };
      const expected = await runOn('cpu', 'BatchMatMul', inputs, attrs);
      const actual = await runOn('wasm', 'BatchMatMul', inputs, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      const error = relativeError(actual.values, expected.values);
      assert.ok(error < 1e-5, `relative error ${error}`);
    });
  }

  const gathers: { shape: number[]; indices: number[]; axis: number; int?: boolean }[] = [
    { shape: [2560, 784], indices: Array.from({ length: 128 }, (_, i) => (i * 997) % 2560), axis: 0 },
    { shape: [40, 5, 5, 3], indices: [3, 3, 39, 0, 17], axis: 0 },
    { shape: [10, 4], indices: [9, 0, 9], axis: 0, int: true },
    { shape: [6, 5], indices: [4, 1], axis: 1 }, // another axis: the built-in kernel
    { shape: [6, 5], indices: [5, 0], axis: -2 },
  ];
  for (const [i, g] of gathers.entries()) {
    it(`GatherV2 matches cpu: [${g.shape}] axis ${g.axis}, ${g.indices.length} indices${g.int ? ', int32' : ''}`, async () => {
      const size = g.shape.reduce((x, y) => x * y);
      const values = randomValues(size, 30 + i);
      const inputs = {
        x: { shape: g.shape, values: g.int ? Int32Array.from(values, (v) => Math.round(v * 1000)) : values },
        indices: { shape: [g.indices.length], values: Int32Array.from(g.indices) },
      };
      const attrs = { axis: g.axis, batchDims: 0 };
      const expected = await runOn('cpu', 'GatherV2', inputs, attrs);
      const actual = await runOn('wasm', 'GatherV2', inputs, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      assert.deepEqual(Array.from(actual.values), Array.from(expected.values));
    });
  }

  const segmentSums: { shape: number[]; ids: number[]; segments: number; int?: boolean }[] = [
    { shape: [6, 4], ids: [3, 0, 3, 5, 1, 3], segments: 7 }, // an embedding's gradient: rows of dy into rows of the table
    { shape: [5, 2, 3], ids: [0, 0, 0, 2, 9], segments: 4 }, // id 9 is out of range: dropped
    { shape: [4, 3], ids: [1, 1, 0, 2], segments: 3, int: true },
  ];
  for (const [i, c] of segmentSums.entries()) {
    it(`UnsortedSegmentSum (ours on wasm and cpu) equals a one-hot product: [${c.shape}] into ${c.segments} segments${c.int ? ', int32' : ''}`, async () => {
      const size = c.shape.reduce((x, y) => x * y);
      const values = randomValues(size, 60 + i);
      const inputs = {
        x: { shape: c.shape, values: c.int ? Int32Array.from(values, (v) => Math.round(v * 1000)) : values },
        segmentIds: { shape: [c.ids.length], values: Int32Array.from(c.ids) },
      };
      // oneHot(ids)ᵀ · rows: each segment's row is the sum of the rows sent to it (an id out of range matches none).
      await tf.setBackend('cpu');
      const rows = tf.reshape(tf.tensor(inputs.x.values, c.shape, 'float32'), [c.ids.length, -1]);
      const product = tf.matMul(tf.oneHot(tf.tensor1d(c.ids, 'int32'), c.segments), rows, true, false);
      const expected = Array.from(await product.data());
      tf.dispose([rows, product]);
      for (const backend of ['cpu', 'wasm'] as const) {
        const actual = await runOn(backend, 'UnsortedSegmentSum', inputs, { numSegments: c.segments });
        assert.deepEqual(actual.shape, [c.segments, ...c.shape.slice(1)]);
        Array.from(actual.values).forEach((v, j) => assert.ok(Math.abs(v - expected[j]) < 1e-4, `${backend} ${j}: ${v} vs ${expected[j]}`));
      }
    });
  }

  const pools: {
    shape: Shape4;
    filter: [number, number];
    stride: [number, number];
    pad: 'same' | 'valid';
    ties?: boolean;
    special?: boolean; // NaN and −∞ in x: cpu sends their window's gradient nowhere unless a number beats them
  }[] = [
    { shape: [64, 26, 26, 32], filter: [2, 2], stride: [2, 2], pad: 'valid' }, // the CNN's first pool
    { shape: [4, 11, 11, 6], filter: [2, 2], stride: [2, 2], pad: 'valid', ties: true }, // after relu: zeros tie
    { shape: [2, 9, 7, 3], filter: [3, 3], stride: [1, 1], pad: 'same' }, // overlapping windows
    { shape: [3, 7, 8, 2], filter: [3, 2], stride: [2, 3], pad: 'same', ties: true },
    { shape: [1, 10, 10, 1], filter: [4, 4], stride: [3, 3], pad: 'valid' },
    { shape: [2, 8, 6, 5], filter: [2, 2], stride: [2, 2], pad: 'same' }, // even sizes: 2×2 windows, none clipped
    { shape: [2, 7, 9, 5], filter: [2, 2], stride: [2, 2], pad: 'same', ties: true }, // odd sizes: the last windows clipped
    { shape: [2, 6, 6, 3], filter: [2, 2], stride: [2, 2], pad: 'valid', special: true },
    { shape: [2, 6, 6, 3], filter: [3, 3], stride: [2, 2], pad: 'same', special: true },
  ];
  for (const [i, p] of pools.entries()) {
    it(`MaxPoolGrad matches cpu: [${p.shape}] pool ${p.filter.join('×')} stride ${p.stride.join('×')} ${p.pad}${p.ties ? ', with ties' : ''}${p.special ? ', NaN and −∞' : ''}`, async () => {
      let x = randomValues(
        p.shape.reduce((a, b) => a * b),
        40 + i,
      );
      if (p.ties) x = x.map((v) => Math.max(0, Math.round(v * 3) / 3)); // few distinct values, many zeros
      if (p.special) x = x.map((v, j) => (j % 7 === 0 ? Number.NaN : j % 5 === 0 ? Number.NEGATIVE_INFINITY : v));
      await tf.setBackend('cpu');
      const yShape = tf.tidy(() => tf.maxPool(tf.tensor4d(x, p.shape), p.filter, p.stride, p.pad).shape);
      const dy = randomValues(
        yShape.reduce((a, b) => a * b),
        50 + i,
      );
      const attrs = { filterSize: p.filter, strides: p.stride, pad: p.pad };
      const results = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend);
        results.push(
          await tf
            .tidy(() => {
              const input = tf.tensor4d(x, p.shape);
              const output = tf.maxPool(input, p.filter, p.stride, p.pad);
              return tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor(dy, yShape), input, output }, attrs) as tf.Tensor;
            })
            .data(),
        );
      }
      const [expected, actual] = results as Float32Array[];
      const error = relativeError(actual, expected);
      assert.ok(error < 1e-5, `relative error ${error}`);
    });
  }

  const sums: { shape: number[]; axis: number | number[]; keepDims?: boolean; int?: boolean }[] = [
    { shape: [64, 26, 26, 32], axis: [0, 1, 2] }, // the CNN's first bias gradient
    { shape: [64, 10], axis: 0 }, // a dense bias gradient
    { shape: [3, 5, 7], axis: [1, 0], keepDims: true },
    { shape: [2, 3, 4, 5], axis: [-2, 0, 1] },
    { shape: [4, 1, 3], axis: [0, 1], int: true }, // int32: the built-in kernel
    { shape: [3, 4, 5], axis: [1, 2] }, // not the leading axes: the built-in kernel
    { shape: [3, 4], axis: [0, 1] }, // every axis: the built-in kernel
    { shape: [6], axis: 0 },
  ];
  for (const [i, c] of sums.entries()) {
    it(`Sum matches cpu: [${c.shape}] over ${String(c.axis)}${c.keepDims ? ', keepDims' : ''}${c.int ? ', int32' : ''}`, async () => {
      const values = randomValues(
        c.shape.reduce((a, b) => a * b),
        70 + i,
      );
      const inputs = { x: { shape: c.shape, values: c.int ? Int32Array.from(values, (v) => Math.round(v * 1000)) : values } };
      const attrs = { axis: c.axis, keepDims: c.keepDims ?? false };
      const expected = await runOn('cpu', 'Sum', inputs, attrs);
      const actual = await runOn('wasm', 'Sum', inputs, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      const error = relativeError(actual.values, expected.values);
      assert.ok(error < 1e-5, `relative error ${error}`);
    });
  }

  it('Identity shares the buffer: a clone outlives its source and both free it', async () => {
    await tf.setBackend('wasm');
    const beforeData = tf.engine().backend.numDataIds();
    const x = tf.tensor([1.5, -2, 3], [3]);
    const copy = tf.clone(x);
    assert.equal(tf.engine().backend.numDataIds(), beforeData + 1);
    x.dispose();
    assert.deepEqual(Array.from(await copy.data()), [1.5, -2, 3]);
    copy.dispose();
    assert.equal(tf.engine().backend.numDataIds(), beforeData);
  });

  it('leaves no intermediate tensors behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal<tf.Rank.R4>([2, 9, 9, 3]);
    const dy = tf.randomNormal([2, 4, 4, 5]);
    const filter = tf.randomNormal([3, 3, 3, 5]);
    const dyStride1 = tf.randomNormal([2, 9, 9, 5]);
    const [x1, dy1] = [tf.randomNormal([2, 9, 9, 1]), tf.randomNormal([2, 9, 9, 20])];
    const a = tf.randomNormal([6, 4]);
    const b = tf.randomNormal([3, 6]);
    const indices = tf.tensor1d([1, 0, 1], 'int32');
    const pooled = tf.maxPool(x, 2, 2, 'valid');
    const [query, key] = [tf.randomNormal([4, 5, 3]), tf.randomNormal([4, 5, 3])];
    const inputs = [x, dy, filter, dyStride1, x1, dy1, a, b, indices, pooled, query, key];
    const before = tf.memory().numTensors;
    const beforeData = tf.engine().backend.numDataIds();
    const beforeBytes = tf.memory().numBytes;
    const outputs = [
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        {
          strides: [2, 2],
          pad: 'valid',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 3, 5],
        },
      ) as tf.Tensor,
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: x1, dy: dy1 },
        {
          strides: [1, 1],
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 1, 20],
        },
      ) as tf.Tensor,
      tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: dyStride1, filter },
        {
          strides: [1, 1],
          pad: 'same',
          dataFormat: 'NHWC',
          inputShape: [2, 9, 9, 3],
        },
      ) as tf.Tensor,
      tf.matMul(a, b, true, true),
      tf.matMul(query, key, false, true),
      tf.gather(x, indices),
      tf.sum(x, [0, 1, 2]),
      tf
        .engine()
        .runKernel('MaxPoolGrad', { dy: pooled, input: x, output: pooled }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor,
    ];
    assert.equal(tf.memory().numTensors, before + outputs.length);
    // The kernels' own heap buffers (operands of single products, transposes) are freed too.
    assert.equal(tf.engine().backend.numDataIds(), beforeData + outputs.length);
    assert.equal(tf.memory().numBytes, beforeBytes + outputs.reduce((sum, t) => sum + t.size * 4, 0));
    tf.dispose([...inputs, ...outputs]);
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
