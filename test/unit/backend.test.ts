import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, findMissingTrainingKernel, loadBackend } from '../../src/trainer/backend';

const repoRoot = path.resolve(__dirname, '../..');

/**
 * Here, as in offline CI, @tensorflow/tfjs-node (an optional dependency)
 * is not installed and there is no hardware GPU for webgpu: auto must
 * land on wasm.
 */
describe('loadBackend', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('auto: skips tensorflow and webgpu with a reason each and loads wasm', async () => {
    const loaded = await loadBackend('auto', { nativeDir: path.join(repoRoot, 'out', 'test', 'no-native-here') });
    assert.equal(loaded.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      loaded.skipped.map((s) => s.backend),
      ['tensorflow', 'webgpu'],
    );
    assert.equal(
      loaded.skipped[0].reason,
      '@tensorflow/tfjs-node is not installed (optional dependency; Model Studio: Install Native Backend… installs it)',
    );
    // No Vulkan loader, no adapter, or only a software one (lavapipe): never taken for speed.
    assert.match(loaded.skipped[1].reason, /Vulkan|adapter|not installed/);
  });

  it('an explicit choice that cannot load is an error saying why', async () => {
    await assert.rejects(
      loadBackend('tensorflow'),
      (error: unknown) =>
        error instanceof BackendUnavailableError &&
        error.message.startsWith('backend tensorflow is not available: @tensorflow/tfjs-node is not installed'),
    );
  });

  it('loads a binding from the native folder that brings its own copy of tfjs-core, and shares one engine with it', async () => {
    // Inside the repo so the copy's own dependencies (seedrandom…) resolve from node_modules further up.
    const nativeDir = path.join(repoRoot, 'out', 'test', 'native-fake');
    const modules = path.join(nativeDir, 'cpu', 'node_modules', '@tensorflow');
    rmSync(nativeDir, { recursive: true, force: true });
    // A second tfjs-core instance: its single-file Node build, copied (not linked: Node would dedupe a link).
    mkdirSync(path.join(modules, 'tfjs-core', 'dist'), { recursive: true });
    const core = path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-core');
    copyFileSync(path.join(core, 'package.json'), path.join(modules, 'tfjs-core', 'package.json'));
    copyFileSync(path.join(core, 'dist', 'tf-core.node.js'), path.join(modules, 'tfjs-core', 'dist', 'tf-core.node.js'));
    // A stand-in for tfjs-node: registers `tensorflow` (cpu's kernels under that name) on the core it resolves.
    mkdirSync(path.join(modules, 'tfjs-node'), { recursive: true });
    writeFileSync(
      path.join(modules, 'tfjs-node', 'package.json'),
      JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }),
    );
    writeFileSync(
      path.join(modules, 'tfjs-node', 'index.js'),
      [
        "const core = require('@tensorflow/tfjs-core');",
        "if (require.resolve('@tensorflow/tfjs-core') === " +
          JSON.stringify(require.resolve('@tensorflow/tfjs-core')) +
          ") throw new Error('not a second copy');",
        "for (const kernel of core.getKernelsForBackend('cpu')) core.registerKernel({ ...kernel, backendName: 'tensorflow' });",
        "core.registerBackend('tensorflow', core.findBackendFactory('cpu'));",
      ].join('\n'),
    );
    try {
      const loaded = await loadBackend('tensorflow', { nativeDir });
      assert.equal(loaded.backend, 'tensorflow');
      assert.equal(loaded.detail, `@tensorflow/tfjs-node from ${path.join(nativeDir, 'cpu')}`);
      assert.equal(tf.getBackend(), 'tensorflow');
      assert.deepEqual(Array.from(await tf.add(tf.tensor1d([1, 2]), tf.scalar(1)).data()), [2, 3]);
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('tensorflow');
      rmSync(nativeDir, { recursive: true, force: true });
    }
  });

  it('refuses a native folder made for another TF.js version, naming both', async () => {
    const nativeDir = path.join(repoRoot, 'out', 'test', 'native-old');
    const modules = path.join(nativeDir, 'cpu', 'node_modules', '@tensorflow');
    mkdirSync(path.join(modules, 'tfjs-core'), { recursive: true });
    mkdirSync(path.join(modules, 'tfjs-node'), { recursive: true });
    writeFileSync(path.join(modules, 'tfjs-core', 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-core', version: '4.1.0' }));
    writeFileSync(path.join(modules, 'tfjs-node', 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.1.0' }));
    try {
      await assert.rejects(
        loadBackend('tensorflow', { nativeDir }),
        (error: unknown) =>
          error instanceof BackendUnavailableError &&
          error.message ===
            `backend tensorflow is not available: the native cpu backend in ${nativeDir} is for TF.js 4.1.0, this build uses ${tf.version_core}: install it again`,
      );
    } finally {
      rmSync(nativeDir, { recursive: true, force: true });
    }
  });

  it('an explicit choice that loads skips nothing', async () => {
    assert.deepEqual(await loadBackend('cpu'), { backend: 'cpu', skipped: [] });
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('finds a training kernel wasm lacks (the filter gradient of a depthwise convolution) and none for a CNN or an embedding', async () => {
    await loadBackend('wasm');
    const depthwise = tf.sequential({
      layers: [tf.layers.depthwiseConv2d({ inputShape: [4, 4, 1], kernelSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    assert.equal(findMissingTrainingKernel(depthwise, [4, 4, 1]), 'DepthwiseConv2dNativeBackpropFilter');
    // The embedding gradient (UnsortedSegmentSum) is ours on wasm (segmentSum.ts).
    const embedding = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 4, maskZero: true }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    assert.equal(findMissingTrainingKernel(embedding, [4]), undefined);
    const cnn = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    const before = tf.memory().numTensors;
    assert.equal(findMissingTrainingKernel(cnn, [6, 6, 1]), undefined);
    assert.equal(tf.memory().numTensors, before);
    embedding.dispose();
    depthwise.dispose();
    cnn.dispose();
  });
});
