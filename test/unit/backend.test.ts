import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, findMissingTrainingKernel, loadBackend } from '../../src/trainer/backend';

/**
 * Here, as in offline CI, @tensorflow/tfjs-node (an optional dependency)
 * is not installed and there is no webgpu build: auto must land on wasm.
 */
describe('loadBackend', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('auto: skips tensorflow and webgpu with a reason each and loads wasm', async () => {
    const loaded = await loadBackend('auto');
    assert.equal(loaded.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(loaded.skipped, [
      { backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed (optional dependency)' },
      { backend: 'webgpu', reason: 'webgpu backend is not available in this build' },
    ]);
  });

  it('an explicit choice that cannot load is an error saying why', async () => {
    await assert.rejects(loadBackend('tensorflow'), (error: unknown) =>
      error instanceof BackendUnavailableError
      && error.message === 'backend tensorflow is not available: @tensorflow/tfjs-node is not installed (optional dependency)');
    await assert.rejects(loadBackend('webgpu'), BackendUnavailableError);
  });

  it('an explicit choice that loads skips nothing', async () => {
    assert.deepEqual(await loadBackend('cpu'), { backend: 'cpu', skipped: [] });
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('finds a training kernel wasm lacks (the embedding gradient) and none for a CNN', async () => {
    await loadBackend('wasm');
    const embedding = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 4 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    assert.equal(findMissingTrainingKernel(embedding, [4]), 'UnsortedSegmentSum');
    const cnn = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    const before = tf.memory().numTensors;
    assert.equal(findMissingTrainingKernel(cnn, [6, 6, 1]), undefined);
    assert.equal(tf.memory().numTensors, before);
    embedding.dispose();
    cnn.dispose();
  });
});
