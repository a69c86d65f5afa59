import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeModel, loadModel, saveModel, withoutOptimizer } from '../../src/trainer/modelIO';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('model IO without tfjs-node', () => {
  let workspace: TempWorkspace;
  before(async () => {
    await tf.setBackend('cpu');
    workspace = tempWorkspace();
  });
  after(() => workspace.remove());

  it('saves model.json + weights.bin that load back with identical predictions', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [6, 6, 2],
          filters: 3,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({
          units: 4,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
          biasInitializer: 'ones',
        }),
      ],
    });
    const dir = workspace.file('saved/model');
    await saveModel(model, dir);
    assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.equal(json.format, 'layers-model');

    const loaded = await loadModel(dir);
    const input = tf.randomNormal([5, 6, 6, 2], 0, 1, 'float32', 3);
    const [expected, actual] = [model, loaded].map((m) => m.predict(input) as tf.Tensor);
    assert.deepEqual(Array.from(await actual.data()), Array.from(await expected.data()));
    tf.dispose([input, expected, actual]);
    model.dispose();
    loaded.dispose();
  });

  it('overwrites an earlier save in place, leaving no temp files', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const dir = workspace.file('twice');
    await saveModel(model, dir);
    model.setWeights([tf.ones([2, 1]), tf.zeros([1])]);
    await saveModel(model, dir);
    assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const loaded = await loadModel(dir);
    assert.deepEqual(Array.from(await loaded.getWeights()[0].data()), [1, 1]);
    model.dispose();
    loaded.dispose();
  });

  /** What model.save hands a save handler: the reference encodeModel must match. */
  async function savedArtifacts(model: tf.LayersModel, includeOptimizer: boolean): Promise<tf.io.ModelArtifacts> {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer },
    );
    return artifacts!;
  }

  for (const includeOptimizer of [false, true]) {
    it(`encodes exactly what model.save saves (includeOptimizer ${includeOptimizer})`, async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
          tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const [x, y] = [tf.randomNormal([8, 3], 0, 1, 'float32', 6), tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1])];
      await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 }); // Adam's moments and step count are non-zero now
      const tensorsBefore = tf.memory().numTensors;

      const encoded = await encodeModel(model, { includeOptimizer });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'encodeModel leaves no tensor behind');
      const expected = await savedArtifacts(model, includeOptimizer);

      assert.deepEqual(encoded.modelJSON.modelTopology, expected.modelTopology);
      assert.deepEqual(encoded.modelJSON.weightsManifest[0].weights, expected.weightSpecs);
      assert.deepEqual(encoded.modelJSON.trainingConfig, expected.trainingConfig);
      assert.equal(encoded.modelJSON.format, expected.format);
      assert.equal(encoded.modelJSON.generatedBy, expected.generatedBy);
      assert.deepEqual(Buffer.from(encoded.weights), Buffer.from(tf.io.CompositeArrayBuffer.join(expected.weightData!)));
      assert.equal(
        expected.weightSpecs!.some((spec) => spec.group === 'optimizer'),
        includeOptimizer,
      );
      if (includeOptimizer) {
        // checkpoints/best is cut from the same read as checkpoints/last
        const modelOnly = withoutOptimizer(encoded);
        const reference = await encodeModel(model);
        assert.deepEqual(modelOnly.modelJSON, reference.modelJSON);
        assert.deepEqual(Buffer.from(modelOnly.weights), Buffer.from(reference.weights));
      }
      tf.dispose([x, y]);
      model.dispose();
    });
  }
});
