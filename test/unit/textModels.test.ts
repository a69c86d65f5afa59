import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { attentionReceived } from '../../src/trainer/attention';
import { loadBackend } from '../../src/trainer/backend';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { buildModel, compileModel, disposeModel, ModelBuildError } from '../../src/trainer/buildModel';
import { summarizeModel } from '../../src/trainer/modelSummary';
import { textSpec, TINY_TRANSFORMER } from '../fixtures/textSpec';

/** Closed forms of the parameter counts (d = model width, h heads of size k, f = ffDim). */
const params = {
  embedding: (vocab: number, d: number) => vocab * d,
  position: (length: number, d: number) => length * d,
  encoder: (d: number, h: number, k: number, f: number) => 3 * (d * h * k + h * k) + (h * k * d + d) + 2 * 2 * d + (d * f + f + f * d + d),
};

/** Token-id texts of `maxLength` (padded with 0 at the end) labelled 1 when token 5 appears: half of them, at a random place. */
function containsFive(count: number, maxLength: number, vocab: number, seed: number): { x: number[][]; y: number[] } {
  let state = seed;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    const length = 2 + Math.floor(random() * (maxLength - 1));
    const tokens = Array.from({ length }, () => {
      const id = 2 + Math.floor(random() * (vocab - 3));
      return id >= 5 ? id + 1 : id; // never 5 by chance
    });
    const positive = i % 2 === 0;
    if (positive) tokens[Math.floor(random() * length)] = 5;
    x.push([...tokens, ...Array<number>(maxLength - length).fill(0)]);
    y.push(positive ? 1 : 0);
  }
  return { x, y };
}

describe('text models (embedding with maskZero, positionEmbedding, transformerEncoder, masked pooling)', function () {
  this.timeout(120_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('count parameters as the closed forms say (summary, per layer)', () => {
    const spec = textSpec(
      [
        { type: 'embedding', outputDim: 16 },
        { type: 'positionEmbedding' },
        { type: 'transformerEncoder', numHeads: 4, ffDim: 32 },
        { type: 'transformerEncoder', numHeads: 2, ffDim: 32, keyDim: 4 },
        { type: 'globalAveragePooling1d' },
        { type: 'dense', units: 1, activation: 'sigmoid' },
      ],
      { vocabSize: 50, maxLength: 12 },
    );
    const summary = summarizeModel(spec, [12]);
    assert.deepEqual(
      summary.layers.map((l) => [l.type, l.params]),
      [
        ['embedding', params.embedding(50, 16)],
        ['positionEmbedding', params.position(12, 16)],
        ['transformerEncoder', params.encoder(16, 4, 4, 32)],
        ['transformerEncoder', params.encoder(16, 2, 4, 32)],
        ['globalAveragePooling1d', 0],
        ['dense', 17],
      ],
    );
    assert.equal(params.encoder(16, 4, 4, 32), 4 * (16 * 16 + 16) + 2 * 2 * 16 + (16 * 32 + 32 + 32 * 16 + 16));
    assert.deepEqual(summary.layers[2].outputShape, [null, 12, 16]);
  });

  it('with data.text: embedding inputDim = vocabSize and maskZero, positions = maxLength, pooling masked; the file may override', () => {
    const model = buildModel(textSpec(TINY_TRANSFORMER, { vocabSize: 30, maxLength: 6 }), [6], 1);
    const [embedding, positions, , pooling] = model.layers;
    assert.equal(embedding.getConfig().inputDim, 30);
    assert.equal(embedding.getConfig().maskZero, true);
    assert.equal(positions.getConfig().sequenceLength, 6);
    assert.equal(pooling.getClassName(), 'MaskedGlobalAveragePooling1D');
    disposeModel(model);

    const own = buildModel(
      textSpec([
        { type: 'embedding', outputDim: 4, inputDim: 12, maskZero: false },
        { type: 'positionEmbedding', sequenceLength: 9 },
        { type: 'globalMaxPooling1d' },
      ]),
      [8],
      1,
    );
    assert.equal(own.layers[0].getConfig().inputDim, 12);
    assert.equal(own.layers[0].getConfig().maskZero, false);
    assert.equal(own.layers[1].getConfig().sequenceLength, 9);
    assert.equal(own.layers[2].getClassName(), 'GlobalMaxPooling1D');
    disposeModel(own);
  });

  it('give seeded initial weights: the same seed the same weights, q/k/v kernels distinct', () => {
    const a = buildModel(textSpec(TINY_TRANSFORMER, undefined, 7), [8], 7);
    const b = buildModel(textSpec(TINY_TRANSFORMER, undefined, 7), [8], 7);
    const c = buildModel(textSpec(TINY_TRANSFORMER, undefined, 8), [8], 8);
    const values = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(values(a), values(b));
    assert.notDeepEqual(values(a), values(c));
    const [query, , key, , value] = a.layers[2].getWeights().map((w) => Array.from(w.dataSync()));
    assert.notDeepEqual(query, key);
    assert.notDeepEqual(key, value);
    [a, b, c].forEach(disposeModel);
  });

  it('pool over the real tokens only: the masked average is the mean of their embeddings', () => {
    const model = buildModel(
      textSpec([{ type: 'embedding', outputDim: 3 }, { type: 'globalAveragePooling1d' }, { type: 'globalMaxPooling1d' }].slice(0, 2)),
      [8],
      1,
    );
    const table = model.layers[0].getWeights()[0].arraySync() as number[][];
    const pooled = (model.predict(tf.tensor2d([[3, 4, 0, 0, 0, 0, 0, 0]])) as tf.Tensor).arraySync() as number[][];
    pooled[0].forEach((v, i) => assert.ok(Math.abs(v - (table[3][i] + table[4][i]) / 2) < 1e-6));
    disposeModel(model);

    const max = buildModel(textSpec([{ type: 'embedding', outputDim: 3 }, { type: 'globalMaxPooling1d' }]), [8], 1);
    const rows = max.layers[0].getWeights()[0].arraySync() as number[][];
    const largest = (max.predict(tf.tensor2d([[3, 4, 0, 0, 0, 0, 0, 0]])) as tf.Tensor).arraySync() as number[][];
    largest[0].forEach((v, i) => assert.ok(Math.abs(v - Math.max(rows[3][i], rows[4][i])) < 1e-6));
    disposeModel(max);
  });

  for (const type of ['lstm', 'gru']) {
    it(`${type} after an embedding with maskZero skips the padding and trains`, async () => {
      const spec = textSpec([
        { type: 'embedding', outputDim: 4 },
        { type, units: 3 },
        { type: 'dense', units: 1, activation: 'sigmoid' },
      ]);
      const model = buildModel(spec, [8], 1);
      const short = buildModel({ ...spec, data: { ...spec.data, text: { vocabSize: 20, maxLength: 2 } } }, [2], 1);
      short.setWeights(model.getWeights());
      const padded = (model.predict(tf.tensor2d([[3, 4, 0, 0, 0, 0, 0, 0]])) as tf.Tensor).dataSync()[0];
      const unpadded = (short.predict(tf.tensor2d([[3, 4]])) as tf.Tensor).dataSync()[0];
      assert.ok(Math.abs(padded - unpadded) < 1e-6, `${padded} vs ${unpadded}`);
      compileModel(model, { ...spec.training, learningRate: 0.05 });
      const { x, y } = containsFive(64, 8, 20, 3);
      const history = await model.fit(tf.tensor2d(x), tf.tensor2d(y, [64, 1]), { epochs: 5, batchSize: 16, shuffle: false, verbose: 0 });
      const loss = history.history.loss as number[];
      assert.ok(loss[4] < loss[0], `loss ${loss.join(' → ')}`);
      disposeModel(model);
      disposeModel(short);
    });
  }

  it('a 1-layer transformer learns whether token 5 appears (> 0.9 test accuracy), and its attention finds the 5', async () => {
    const spec = textSpec(TINY_TRANSFORMER, { vocabSize: 20, maxLength: 8 }, 42);
    const model = buildModel(spec, [8], 42);
    compileModel(model, { ...spec.training, learningRate: 0.01 });
    const train = containsFive(256, 8, 20, 1);
    const test = containsFive(128, 8, 20, 2);
    await model.fit(tf.tensor2d(train.x), tf.tensor2d(train.y, [256, 1]), { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
    const predicted = (model.predict(tf.tensor2d(test.x)) as tf.Tensor).dataSync();
    const accuracy = test.y.filter((label, i) => (predicted[i] > 0.5 ? 1 : 0) === label).length / test.y.length;
    assert.ok(accuracy > 0.9, `test accuracy ${accuracy}`);

    const ids = [7, 9, 5, 3, 0, 0, 0, 0];
    const [layer] = attentionReceived(model, ids);
    assert.equal(layer.name, 'transformerEncoder_3');
    assert.equal(layer.heads.length, 2);
    for (const head of layer.heads) {
      assert.equal(head.length, 4);
      assert.ok(Math.abs(head.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
    assert.deepEqual(attentionReceived(model, [0, 0, 0, 0, 0, 0, 0, 0])[0].heads, [[], []]);
    disposeModel(model);
  });

  it('attentionReceived: one entry per encoder, none for a model without one', () => {
    const spec = textSpec([
      ...TINY_TRANSFORMER.slice(0, 3),
      { type: 'transformerEncoder', numHeads: 4, ffDim: 8 },
      ...TINY_TRANSFORMER.slice(3),
    ]);
    const model = buildModel(spec, [8], 1);
    const layers = attentionReceived(model, [4, 6, 0]);
    assert.deepEqual(
      layers.map((l) => [l.name, l.heads.length, l.heads[0].length]),
      [
        ['transformerEncoder_3', 2, 2],
        ['transformerEncoder_4', 4, 2],
      ],
    );
    disposeModel(model);
    const lstm = buildModel(
      textSpec([
        { type: 'embedding', outputDim: 4 },
        { type: 'lstm', units: 2 },
      ]),
      [8],
      1,
    );
    assert.deepEqual(attentionReceived(lstm, [4, 6]), []);
    disposeModel(lstm);
  });

  it('trains on wasm as on cpu: two SGD steps give the same losses and weights (1e-4)', async () => {
    const spec = textSpec(TINY_TRANSFORMER, { vocabSize: 20, maxLength: 8 }, 5);
    const { x, y } = containsFive(32, 8, 20, 9);
    const step = async () => {
      const model = buildModel(spec, [8], 5);
      // SGD: Adam's first steps move every weight by ±learningRate, whatever the size of its gradient, so rounding decides.
      compileModel(model, { ...spec.training, optimizer: 'sgd', learningRate: 0.1 });
      const history = await model.fit(tf.tensor2d(x), tf.tensor2d(y, [32, 1]), { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      disposeModel(model);
      return { loss: history.history.loss as number[], weights };
    };
    const cpu = await step();
    try {
      await loadBackend('wasm');
      const wasm = await step();
      assert.ok(cpu.loss[1] < cpu.loss[0], `cpu loss ${cpu.loss.join(' → ')}`);
      wasm.loss.forEach((loss, i) => assert.ok(Math.abs(loss - cpu.loss[i]) < 1e-4, `epoch ${i + 1}: wasm ${loss}, cpu ${cpu.loss[i]}`));
      wasm.weights.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - cpu.weights[i][j]) < 1e-4, `weight ${i}[${j}]`)));
    } finally {
      await tf.setBackend('cpu');
    }
  });
  it("refuse what cannot build with a message on the layer's field", () => {
    const message = (spec: ModelSpec) => {
      try {
        disposeModel(buildModel(spec, [8], 1));
      } catch (error) {
        assert.ok(error instanceof ModelBuildError);
        return error.message;
      }
      return 'built';
    };
    const embedding = { type: 'embedding', outputDim: 8 };
    assert.equal(
      message(textSpec([embedding, { type: 'transformerEncoder', ffDim: 8 }])),
      'model.layers[1]: transformerEncoder: "numHeads" must be a whole number ≥ 1 and is missing',
    );
    assert.equal(
      message(
        textSpec([
          { type: 'dense', units: 4 },
          { type: 'transformerEncoder', numHeads: 2, ffDim: 8 },
        ]),
      ),
      'model.layers[1]: transformerEncoder: expects sequences [steps, features], e.g. from an embedding, but its input is [4]',
    );
    assert.equal(
      message(textSpec([embedding, { type: 'positionEmbedding', sequenceLength: 4 }])),
      'model.layers[1]: positionEmbedding: its input has 8 steps but sequenceLength is 4: raise "sequenceLength"',
    );
    const noText = textSpec([{ ...embedding, inputDim: 10 }, { type: 'positionEmbedding' }]);
    assert.equal(
      message({ ...noText, data: { train: { path: 'x.csv', label: 'label' } } }),
      'model.layers[1]: positionEmbedding: "sequenceLength" is missing: set it, or "data.text" (its maxLength is the default)',
    );
  });
  it('a layer after one that changed the number of steps ignores the mask of the old steps, and nothing leaks', async () => {
    const spec = textSpec([
      { type: 'embedding', outputDim: 8 },
      { type: 'conv1d', filters: 8, kernelSize: 3 },
      { type: 'transformerEncoder', numHeads: 2, ffDim: 8 },
      { type: 'globalAveragePooling1d' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ]);
    const model = buildModel(spec, [8], 1);
    compileModel(model, spec.training);
    const x = tf.tensor2d([[3, 4, 5, 0, 0, 0, 0, 0]]);
    await model.fit(x, tf.tensor2d([[1]]), { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    tf.dispose(model.predict(x) as tf.Tensor);
    attentionReceived(model, [3, 4, 5]);
    assert.equal(tf.memory().numTensors, before);
    disposeModel(model);
  });
});
