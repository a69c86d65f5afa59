import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from '../../src/trainer/modelIO';
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
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }),
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
});
