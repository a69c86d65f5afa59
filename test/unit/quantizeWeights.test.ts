import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadBackend } from '../../src/trainer/backend';
import { maxAbsDifference } from '../../src/trainer/exportComparison';
import { saveLayersModel } from '../../src/trainer/exportModel';
import { quantizeWeights, toFloat16, unquantizedBytes } from '../../src/trainer/quantizeWeights';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** Deterministic values in [-amplitude, amplitude] (a sine of the index: no randomness to flake on). */
function wave(length: number, amplitude: number, phase = 0): Float32Array {
  return Float32Array.from({ length }, (_, i) => amplitude * Math.sin(i * 0.7 + phase));
}

function bytesOf(...arrays: (Float32Array | Int32Array | Uint8Array)[]): ArrayBuffer {
  const total = arrays.reduce((sum, a) => sum + a.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out.buffer;
}

/** The encoded weights decoded by TF.js's own decodeWeights, as plain arrays by name. */
function decodeWithTfjs(specs: tf.io.WeightsManifestEntry[], data: Uint8Array): Record<string, number[]> {
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const tensors = tf.io.decodeWeights(buffer, specs);
  const out: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(tensors)) out[name] = Array.from(tensor.dataSync());
  tf.dispose(Object.values(tensors));
  return out;
}

describe('quantizeWeights', () => {
  before(async () => {
    await loadBackend('cpu');
  });

  const kernel = wave(600, 0.8, 0.3); // 600 values, some negative, some positive
  const bias = wave(7, 2.5).map((v) => v + 3); // all positive
  const steps = Int32Array.from([3, -7, 1 << 20]);
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: 'dense/kernel', shape: [20, 30], dtype: 'float32' },
    { name: 'dense/bias', shape: [7], dtype: 'float32' },
    { name: 'counter', shape: [3], dtype: 'int32' },
  ];
  const data = bytesOf(kernel, bias, steps);

  for (const [dtype, levels] of [
    ['uint8', 255],
    ['uint16', 65535],
  ] as const) {
    it(`${dtype}: TF.js's decodeWeights reads it back within scale / 2 of every value; int32 stays exact`, () => {
      const encoded = quantizeWeights(specs, data, dtype);
      const bytesPerValue = dtype === 'uint8' ? 1 : 2;
      assert.equal(encoded.data.byteLength, (600 + 7) * bytesPerValue + 3 * 4);
      assert.deepEqual(encoded.specs[2], specs[2], 'the int32 weight keeps its spec, with no quantization');
      const decoded = decodeWithTfjs(encoded.specs, encoded.data);
      for (const [i, original] of [kernel, bias].entries()) {
        const spec = encoded.specs[i];
        const q = spec.quantization;
        assert.ok(q && q.dtype === dtype && q.min !== undefined && q.scale !== undefined, JSON.stringify(spec));
        const range = Math.max(0, ...original) - Math.min(0, ...original);
        // One step of `levels` over the range widened to hold 0.
        assert.ok(Math.abs(q.scale - range / levels) < 1e-12, `scale ${q.scale}`);
        const values = decoded[spec.name];
        const worst = Math.max(...values.map((v, k) => Math.abs(v - original[k])));
        assert.ok(worst <= q.scale / 2 + 1e-6 * range, `${spec.name}: error ${worst} > scale / 2 = ${q.scale / 2}`);
      }
      assert.deepEqual(decoded.counter, [3, -7, 1 << 20]);
    });
  }

  it('uint8 keeps 0 exactly, and a constant weight (all zero, or one value) decodes without dividing by zero', () => {
    const zeros = new Float32Array(5);
    const constant = new Float32Array(4).fill(-1.25);
    const withZeros = Float32Array.from([0, 0.31, -0.9, 0, 0.05]);
    const encoded = quantizeWeights(
      [
        { name: 'zeros', shape: [5], dtype: 'float32' },
        { name: 'constant', shape: [2, 2], dtype: 'float32' },
        { name: 'sparse', shape: [5], dtype: 'float32' },
      ],
      bytesOf(zeros, constant, withZeros),
      'uint8',
    );
    assert.deepEqual(encoded.specs[0].quantization, { dtype: 'uint8', min: 0, scale: 1 });
    const decoded = decodeWithTfjs(encoded.specs, encoded.data);
    assert.deepEqual(decoded.zeros, [0, 0, 0, 0, 0]);
    for (const v of decoded.constant) assert.ok(Math.abs(v + 1.25) < 1e-6, `constant decoded as ${v}`);
    assert.equal(Math.abs(decoded.sparse[0]), 0);
    assert.equal(Math.abs(decoded.sparse[3]), 0);
  });

  it('refuses weights holding NaN, naming the weight', () => {
    assert.throws(
      () => quantizeWeights([{ name: 'dense/kernel', shape: [2], dtype: 'float32' }], bytesOf(Float32Array.from([1, NaN])), 'uint8'),
      /cannot quantize weight "dense\/kernel": it holds NaN/,
    );
  });

  it('float16: IEEE half bits (rounded to nearest even; subnormals; clamped at ±65504), read back within 2⁻¹¹ relative', () => {
    assert.equal(toFloat16(1), 0x3c00);
    assert.equal(toFloat16(-2), 0xc000);
    assert.equal(toFloat16(0.1), 0x2e66);
    assert.equal(toFloat16(65504), 0x7bff);
    assert.equal(toFloat16(1e6), 0x7bff);
    assert.equal(toFloat16(-1e6), 0xfbff);
    assert.equal(toFloat16(2 ** -24), 0x0001);
    assert.equal(toFloat16(2 ** -25), 0, 'half of the smallest subnormal rounds to even: 0');
    assert.equal(toFloat16(1 + 2 ** -11), 0x3c00, 'a tie rounds to the even mantissa');
    assert.equal(toFloat16(1 + 3 * 2 ** -11), 0x3c02);
    const encoded = quantizeWeights(specs, data, 'float16');
    assert.equal(encoded.data.byteLength, (600 + 7) * 2 + 3 * 4);
    assert.deepEqual(encoded.specs[0].quantization, { dtype: 'float16' });
    const decoded = decodeWithTfjs(encoded.specs, encoded.data);
    for (const [i, original] of [kernel, bias].entries()) {
      decoded[specs[i].name].forEach((v, k) => {
        const tolerance = Math.max(Math.abs(original[k]) * 2 ** -11, 2 ** -25);
        assert.ok(Math.abs(v - original[k]) <= tolerance, `${specs[i].name}[${k}]: ${v} vs ${original[k]}`);
      });
    }
    assert.deepEqual(decoded.counter, [3, -7, 1 << 20]);
  });

  it('unquantizedBytes counts float32 and int32 as 4 bytes, bool as 1', () => {
    assert.equal(unquantizedBytes(specs), (600 + 7 + 3) * 4);
    assert.equal(unquantizedBytes([{ shape: [2, 3], dtype: 'bool' }]), 6);
  });
});

describe('a quantized export loads with plain tf.loadLayersModel (over HTTP, as a browser loads it)', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  let server: Server;
  let base: string;
  before(async () => {
    await loadBackend('cpu');
    workspace = tempWorkspace({});
    server = createServer((request, response) => {
      try {
        response.end(readFileSync(path.join(workspace.root, decodeURIComponent(request.url ?? '/'))));
      } catch {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    workspace.remove();
  });

  for (const [quantize, ratio, tolerance] of [
    ['float16', 0.5, 1e-2],
    ['uint16', 0.5, 1e-3],
    ['uint8', 0.25, 0.1],
  ] as const) {
    it(`${quantize}: ${ratio * 100} % of the float32 bytes; predictions within ${tolerance}`, async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            units: 16,
            inputShape: [8],
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.batchNormalization(),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      const files = await saveLayersModel(model, workspace.file(quantize), quantize);
      const manifest = (JSON.parse(readFileSync(files[0], 'utf8')) as tf.io.ModelJSON).weightsManifest[0];
      assert.deepEqual(manifest.paths, ['group1-shard1of1.bin']);
      for (const weight of manifest.weights) assert.equal(weight.quantization?.dtype, quantize, weight.name);
      const stored = readFileSync(path.join(workspace.file(quantize), manifest.paths[0])).byteLength;
      assert.equal(stored, unquantizedBytes(model.weights.map((w) => w.read())) * ratio);

      const loaded = await tf.loadLayersModel(`${base}/${quantize}/model.json`);
      const x = Float32Array.from({ length: 40 * 8 }, (_, i) => Math.cos(i));
      const difference = await maxAbsDifference(model, loaded, x, [8], 40);
      assert.ok(difference <= tolerance, `max prediction difference ${difference}`);
      model.dispose();
      loaded.dispose();
    });
  }
});
