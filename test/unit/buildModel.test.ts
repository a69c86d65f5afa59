import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelSpec } from '../../src/modelFile/modelSpec';
import { buildModel, compileModel, disposeModel, ModelBuildError } from '../../src/trainer/buildModel';

function specWith(layers: readonly LayerSpec[], training: Partial<ModelSpec['training']> = {}): ModelSpec {
  return {
    name: 'm',
    task: 'classification',
    data: { train: { path: 'x.csv', label: 'y' } },
    model: { layers },
    training: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 1, ...training },
  };
}

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

function thrown(action: () => unknown): ModelBuildError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ModelBuildError, String(error));
    return error;
  }
  assert.fail('expected a ModelBuildError');
}

describe('buildModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('passes the config through, gives the first layer the feature shape and names layers by position', () => {
    const model = buildModel(
      specWith([
        { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'softmax', name: 'out' },
      ]),
      [8, 8, 1],
      1,
    );
    assert.deepEqual(model.inputs[0].shape, [null, 8, 8, 1]);
    assert.deepEqual(
      model.layers.map((l) => l.name),
      ['conv2d_1', 'flatten_2', 'out'],
    );
    assert.deepEqual(model.outputs[0].shape, [null, 3]);
    model.dispose();
  });

  it('keeps an inputShape the model file gives', () => {
    const model = buildModel(
      specWith([
        { type: 'reshape', targetShape: [4], inputShape: [2, 2] },
        { type: 'dense', units: 1 },
      ]),
      [4],
      1,
    );
    assert.deepEqual(model.inputs[0].shape, [null, 2, 2]);
    model.dispose();
  });

  it('seeds every random initializer, defaults and named ones: same seed, same weights; other seed, other weights', async () => {
    const build = (seed: number): tf.Sequential =>
      buildModel(
        specWith([
          { type: 'reshape', targetShape: [3, 2] },
          { type: 'lstm', units: 2 },
          { type: 'dense', units: 5, activation: 'relu', biasInitializer: 'randomNormal' },
          { type: 'dense', units: 2 },
        ]),
        [6],
        seed,
      );
    const models = [build(3), build(3), build(4)];
    const [a, b, c] = await Promise.all(models.map(weightsOf));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    models.forEach((m) => m.dispose());
  });

  it("turns the model file's { l1, l2 } regularizers into TF.js penalties that add to the training loss", async () => {
    const layers = (regularizer?: LayerSpec[string]): LayerSpec[] => [
      {
        type: 'dense',
        units: 3,
        activation: 'softmax',
        ...(regularizer === undefined ? {} : { kernelRegularizer: regularizer, biasRegularizer: { l1: 0.2 } }),
      },
    ];
    const plain = buildModel(specWith(layers()), [4], 42);
    const penalised = buildModel(specWith(layers({ l2: 0.5 })), [4], 42);
    try {
      const config = penalised.layers[0].getConfig();
      assert.deepEqual(config.kernelRegularizer, { className: 'L1L2', config: { l1: 0, l2: 0.5 } });
      assert.deepEqual(config.biasRegularizer, { className: 'L1L2', config: { l1: 0.2, l2: 0 } });
      // A learning rate too small to move the weights: the first batch's loss is that of the initial weights.
      for (const model of [plain, penalised]) compileModel(model, specWith([], { optimizer: 'sgd', learningRate: 1e-12 }).training);
      const x = tf.ones([2, 4]);
      const y = tf.tensor1d([0, 2]);
      const trainingLoss = async (model: tf.LayersModel): Promise<number> =>
        (await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 })).history.loss[0] as number;
      const expected = 0.5 * tf.sum(tf.square(penalised.layers[0].getWeights()[0])).dataSync()[0];
      // Same seed, same weights: the difference is the L2 penalty (biases start at 0, so L1 adds nothing yet).
      const [withPenalty, without] = [await trainingLoss(penalised), await trainingLoss(plain)];
      assert.ok(expected > 0.01 && Math.abs(withPenalty - without - expected) < 1e-4, `${withPenalty} - ${without} vs ${expected}`);
      tf.dispose([x, y]);
    } finally {
      disposeModel(plain);
      disposeModel(penalised);
    }
  });

  it('names the field and suggests a type for an unknown layer', () => {
    const error = thrown(() =>
      buildModel(
        specWith([
          { type: 'dense', units: 2 },
          { type: 'dens', units: 2 },
        ]),
        [3],
        1,
      ),
    );
    assert.equal(error.field, 'model.layers[1].type');
    assert.match(error.message, /^model\.layers\[1\]\.type: unknown layer type "dens" — did you mean "dense"\?$/);
  });

  it('names the layer when TF.js rejects its config', () => {
    const error = thrown(() => buildModel(specWith([{ type: 'conv2d', filters: 2, kernelSize: 3 }]), [784], 1));
    assert.equal(error.field, 'model.layers[0]');
    assert.match(error.message, /^model\.layers\[0\]: conv2d: /);
  });

  it('compiles with the optimizer by name and rejects unknown ones', () => {
    const model = buildModel(specWith([{ type: 'dense', units: 2, activation: 'softmax' }]), [3], 1);
    compileModel(model, {
      optimizer: 'rmsprop',
      learningRate: 0.1,
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
      epochs: 1,
    });
    assert.deepEqual(model.metricsNames, ['loss', 'acc']);
    const error = thrown(() => compileModel(model, { optimizer: 'adamw', loss: 'meanSquaredError', epochs: 1 }));
    assert.equal(error.field, 'training.optimizer');
    assert.match(error.message, /did you mean "adam"/);
    disposeModel(model);
  });
});
