import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint } from '../../src/trainer/modelIO';
import { RunWriter } from '../../src/trainer/runWriter';
import { STATE_KEY, trainingStateOf, type TrainingState } from '../../src/trainer/trainingState';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const STATE: TrainingState = {
  version: 2,
  epoch: 3,
  batchesDone: 4,
  random: 11,
  epochRandom: 7,
  monitor: { best: 0.5, epochsWithoutImprovement: 0 },
  earlyStopping: false,
  bestEpoch: 3,
};

async function trainedModel(): Promise<tf.LayersModel> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        name: 'hidden',
        inputShape: [3],
        units: 4,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({ name: 'out', units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  const [x, y] = [tf.randomNormal([8, 3], 0, 1, 'float32', 2), tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1])];
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  tf.dispose([x, y]);
  return model;
}

function modelJSON(dir: string): {
  weightsManifest: { weights: { name: string; group?: string }[] }[];
  userDefinedMetadata?: Record<string, unknown>;
  trainingConfig?: unknown;
} {
  return JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
}

describe('RunWriter checkpoints', () => {
  let workspace: TempWorkspace;
  let model: tf.LayersModel;
  before(async () => {
    await tf.setBackend('cpu');
    workspace = tempWorkspace();
    model = await trainedModel();
  });
  after(() => {
    model.dispose();
    workspace.remove();
  });

  function openRun(name: string): RunWriter {
    const dir = workspace.file(name);
    mkdirSync(dir, { recursive: true });
    return RunWriter.open(dir);
  }

  it('writes last (weights, optimizer state, training state) and best (the weights alone) from one read', async () => {
    const writer = openRun('both');
    await writer.saveCheckpoints(model, STATE, { best: true });
    await writer.checkpointsWritten();
    writer.close();

    const last = workspace.file('both/checkpoints/last');
    const best = workspace.file('both/checkpoints/best');
    assert.deepEqual(trainingStateOf(modelJSON(last).userDefinedMetadata), STATE);
    assert.ok(modelJSON(last).trainingConfig, 'last can be compiled back with its optimizer');
    assert.ok(modelJSON(last).weightsManifest[0].weights.some((w) => w.group === 'optimizer'));
    assert.equal(modelJSON(best).userDefinedMetadata?.[STATE_KEY], undefined);
    assert.equal(modelJSON(best).trainingConfig, undefined);
    assert.deepEqual(
      modelJSON(best).weightsManifest[0].weights.map((w) => w.name),
      model.weights.map((w) => w.originalName),
    );

    const restored = await trainedModel();
    restored.setWeights(restored.getWeights().map((w) => tf.zerosLike(w)));
    const loaded = await loadCheckpoint(restored, best);
    assert.equal(loaded.optimizer, false);
    for (const [i, w] of model.getWeights().entries()) {
      assert.deepEqual(Array.from(await restored.getWeights()[i].data()), Array.from(await w.data()));
    }
    restored.dispose();
  });

  it('without best, writes only last', async () => {
    const writer = openRun('last-only');
    await writer.saveCheckpoints(model, STATE, { best: false });
    await writer.checkpointsWritten();
    writer.close();
    assert.throws(() => readFileSync(workspace.file('last-only/checkpoints/best/model.json')), /ENOENT/);
    assert.equal(trainingStateOf(modelJSON(workspace.file('last-only/checkpoints/last')).userDefinedMetadata)?.epoch, 3);
  });

  it('a failed write fails checkpointsWritten() and every later save', async () => {
    const writer = openRun('unwritable');
    writeFileSync(workspace.file('unwritable/checkpoints'), 'a file where the checkpoints folder goes');
    await writer.saveCheckpoints(model, STATE, { best: true }); // the files are written in the background
    await assert.rejects(writer.checkpointsWritten(), /EEXIST|ENOTDIR/);
    await assert.rejects(writer.saveCheckpoints(model, STATE, { best: false }), /EEXIST|ENOTDIR/);
    writer.close();
  });
});
