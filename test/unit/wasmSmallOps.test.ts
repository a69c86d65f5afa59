import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmSmallOps, SMALL_OP_ELEMENTS } from '../../src/trainer/wasmSmallOps';

function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 31 - 1) * 3;
  }
  return values;
}

type Inputs = Record<string, { shape: number[]; values: Float32Array | Int32Array }>;

async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Inputs, attrs: tf.NamedAttrMap = {}): Promise<tf.TypedArray> {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(
    Object.entries(inputs).map(([name, { shape, values }]) => [
      name,
      tf.tensor(values, shape, values instanceof Int32Array ? 'int32' : 'float32'),
    ]),
  );
  const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  const values = await out.data();
  tf.dispose([out, ...Object.values(tensors)]);
  return values;
}

/** Equal value for value (Object.is: -0 is not 0; any NaN is NaN, whatever its sign bit). */
function assertSame(actual: tf.TypedArray, expected: tf.TypedArray, what = ''): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** The loops compute float32 +, −, ×, ÷, √ correctly rounded, as the cpu backend does: the same bits. */
describe('small element-wise ops on wasm (wasmSmallOps.ts)', () => {
  let calls = 0;
  before(async () => {
    await tf.setBackend('wasm');
    registerWasmSmallOps();
    // The cases below must run the loops, not TF.js's kernels (which would pass them too): the loops read the heap.
    const backend = tf.backend() as unknown as { typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray };
    const read = backend.typedArrayFromHeap.bind(backend);
    let reads = 0;
    backend.typedArrayFromHeap = (info) => (reads++, read(info));
    try {
      for (const name of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Square', 'Sqrt', 'Neg', 'ClipByValue']) {
        const before = reads;
        const x = tf.ones([4, 3]);
        const attrs: tf.NamedAttrMap = name === 'ClipByValue' ? { clipValueMin: 0, clipValueMax: 1 } : {};
        tf.dispose(tf.engine().runKernel(name, name in { Add: 1, Sub: 1, Multiply: 1, RealDiv: 1 } ? { a: x, b: x } : { x }, attrs));
        x.dispose();
        assert.ok(reads > before, `${name} did not run as a loop`);
      }
    } finally {
      backend.typedArrayFromHeap = read;
    }
  });
  after(() => tf.setBackend('cpu'));

  const binaryCases: [number[], number[]][] = [
    [
      [128, 10],
      [128, 10],
    ],
    [
      [128, 1],
      [128, 10],
    ],
    [[128, 10], [10]],
    [[10], [128, 10]],
    [[512, 10], []],
    [[], [7, 3]],
    [
      [1, 3, 1],
      [2, 1, 4],
    ],
    [
      [2, 3, 4, 5],
      [3, 1, 5],
    ],
  ];
  for (const kernel of ['Add', 'Sub', 'Multiply', 'RealDiv']) {
    for (const [aShape, bShape] of binaryCases) {
      it(`${kernel} [${aShape}] [${bShape}] equals cpu bit for bit`, async () => {
        const inputs: Inputs = {
          a: {
            shape: aShape,
            values: randomValues(
              aShape.reduce((x, y) => x * y, 1),
              1 + calls,
            ),
          },
          b: {
            shape: bShape,
            values: randomValues(
              bShape.reduce((x, y) => x * y, 1),
              101 + calls++,
            ),
          },
        };
        assertSame(await runOn('wasm', kernel, inputs), await runOn('cpu', kernel, inputs));
      });
    }
  }

  const x = { shape: [96, 17], values: randomValues(96 * 17, 7) };
  const positive = { shape: [96, 17], values: randomValues(96 * 17, 8).map(Math.abs) };
  for (const [kernel, input, attrs] of [
    ['Square', x, {}],
    ['Neg', x, {}],
    ['Sqrt', positive, {}],
    ['ClipByValue', x, { clipValueMin: -0.5, clipValueMax: 1.25 }],
  ] as const) {
    it(`${kernel} [${input.shape}] equals cpu bit for bit`, async () => {
      assertSame(await runOn('wasm', kernel, { x: input }, attrs), await runOn('cpu', kernel, { x: input }, attrs));
    });
  }

  it('NaN and infinities pass through as on cpu', async () => {
    const special = { shape: [6], values: Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 1e-45]) };
    for (const kernel of ['Square', 'Neg', 'Sqrt']) {
      assertSame(await runOn('wasm', kernel, { x: special }), await runOn('cpu', kernel, { x: special }), kernel);
    }
    const clip = { clipValueMin: -1, clipValueMax: 1 };
    assertSame(await runOn('wasm', 'ClipByValue', { x: special }, clip), await runOn('cpu', 'ClipByValue', { x: special }, clip));
    const pair = { a: special, b: { shape: [6], values: Float32Array.from([1, Infinity, 2, 0, 0, 3]) } };
    assertSame(await runOn('wasm', 'RealDiv', pair), await runOn('cpu', 'RealDiv', pair));
  });

  it("larger tensors and int32 go to TF.js's own kernels, with the same results", async () => {
    const big = SMALL_OP_ELEMENTS + 1;
    const a = { shape: [big], values: randomValues(big, 21) };
    const b = { shape: [big], values: randomValues(big, 22) };
    const wasm = await runOn('wasm', 'Multiply', { a, b });
    const cpu = await runOn('cpu', 'Multiply', { a, b });
    assert.ok(wasm.every((v, i) => Math.abs(v - cpu[i]) <= 1e-6 * Math.abs(cpu[i])));
    const ints = { a: { shape: [4], values: Int32Array.from([1, -2, 3, 7]) }, b: { shape: [4], values: Int32Array.from([5, 6, -7, 8]) } };
    assert.deepEqual(Array.from(await runOn('wasm', 'Add', ints)), [6, 4, -4, 15]);
  });
});
