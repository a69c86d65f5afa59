import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { maxAbsDifference } from '../../src/trainer/exportComparison';
import { exportRun, KERAS_TOPOLOGY, saveLayersModel, SHARD_BYTES } from '../../src/trainer/exportModel';
import { loadBackend } from '../../src/trainer/backend';
import { loadModel } from '../../src/trainer/modelIO';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

describe('exportRun', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let runDir: string;
  before(async () => {
    tiny = writeTinyModel();
    const outcome = await train(
      { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu' },
      { onMessage: () => undefined },
    );
    assert.equal(outcome.type, 'done');
    runDir = outcome.runDir;
  });
  after(() => tiny.workspace.remove());

  it('writes model.json + weight shards + the Keras topology; the reloaded export matches on the test split (≤ 1e-6)', async () => {
    const outDir = tiny.workspace.file('exported');
    const result = await exportRun({ runDir, outDir, workspaceRoot: tiny.workspace.root, backend: 'cpu' });
    assert.deepEqual(
      result.files.map((f) => path.basename(f)),
      ['model.json', 'group1-shard1of1.bin', KERAS_TOPOLOGY],
    );
    assert.ok(result.files.every((f) => existsSync(f)));
    assert.ok(result.parity, result.parityNote);
    assert.equal(result.parity.examples, 10);
    assert.ok(result.parity.maxAbsDifference <= 1e-6, `max abs difference ${result.parity.maxAbsDifference}`);

    const modelJson = JSON.parse(readFileSync(path.join(outDir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    assert.equal(modelJson.format, 'layers-model');
    assert.deepEqual(modelJson.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    const keras = JSON.parse(readFileSync(path.join(outDir, KERAS_TOPOLOGY), 'utf8')) as {
      class_name: string;
      config: { layers: { class_name: string }[] };
    };
    assert.equal(keras.class_name, 'Sequential');
    assert.deepEqual(
      keras.config.layers.map((l) => l.class_name),
      ['Dense', 'Dropout', 'Dense'],
    );

    // The export loads with TF.js's own loader, weight for weight the run's model.
    const [original, exported] = await Promise.all([loadModel(path.join(runDir, 'model')), loadModel(outDir)]);
    const a = original.getWeights().map((w) => Array.from(w.dataSync()));
    const b = exported.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(b, a);
    original.dispose();
    exported.dispose();
  });

  it('splits weights into 4 MiB shards that load back together', async () => {
    await loadBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1100, inputShape: [1000] }), tf.layers.dense({ units: 2 })] });
    const outDir = tiny.workspace.file('sharded');
    const files = await saveLayersModel(model, outDir);
    const shards = files.filter((f) => f.endsWith('.bin'));
    assert.deepEqual(
      shards.map((f) => path.basename(f)),
      ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
    );
    assert.equal(statSync(shards[0]).size, SHARD_BYTES);
    const reloaded = await loadModel(outDir);
    const x = new Float32Array(3 * 1000).map((_, i) => Math.sin(i));
    assert.equal(await maxAbsDifference(model, reloaded, x, [1000], 3), 0);
    model.dispose();
    reloaded.dispose();
  });

  it('CLI: `export <run> --out DIR --json` reports the parity figure', () => {
    const result = spawnSync(process.execPath, [testBundles().cli, 'export', runDir, '--out', 'cli-export', '--json', '--backend', 'cpu'], {
      cwd: tiny.workspace.root,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const last = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { type: string; parity?: { maxAbsDifference: number } };
    assert.equal(last.type, 'result');
    assert.ok(last.parity && last.parity.maxAbsDifference <= 1e-6);
    assert.ok(existsSync(tiny.workspace.file('cli-export/model.json')));
  });
});
