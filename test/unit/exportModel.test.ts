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
import { writeHandMadeRun } from '../fixtures/handMadeRun';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

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

  it('uint8: a quarter of the float32 bytes, compared with the float32 model on the test split; the README says how', async () => {
    const outDir = tiny.workspace.file('exported-uint8');
    const result = await exportRun({ runDir, outDir, workspaceRoot: tiny.workspace.root, backend: 'cpu', quantize: 'uint8' });
    assert.equal(result.quantize, 'uint8');
    assert.deepEqual(
      result.files.map((f) => path.basename(f)),
      ['model.json', 'group1-shard1of1.bin', KERAS_TOPOLOGY, 'README.md'],
    );
    assert.equal(result.bytes, statSync(result.files[1]).size);
    assert.equal(result.bytes * 4, result.bytesFloat32);
    const { comparison } = result;
    assert.ok(comparison, result.parityNote);
    assert.equal(comparison.examples, 10);
    assert.equal(comparison.metric, 'accuracy');
    const runJson = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { test: { accuracy: number } };
    // run.json holds TF.js's float32 accuracy.
    assert.ok(
      Math.abs(comparison.float32 - runJson.test.accuracy) < 1e-6,
      `float32 figure ${comparison.float32}, run.json ${runJson.test.accuracy}`,
    );
    assert.ok(comparison.maxAbsDifference > 0 && comparison.maxAbsDifference < 0.05, `max abs difference ${comparison.maxAbsDifference}`);
    assert.deepEqual(result.parity, { examples: 10, maxAbsDifference: comparison.maxAbsDifference });
    const readme = readFileSync(path.join(outDir, 'README.md'), 'utf8');
    assert.match(readme, /8-bit integers q, each weight with its own `min` and `scale`/);
    assert.match(readme, /weights \d+ B uint8 \(25\.0 % of float32 \d+ B\); test accuracy [\d.]+ % vs [\d.]+ % float32/);
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

  it('CLI: `--quantize float16 --json` adds bytes, bytesFloat32 and the comparison; without --json a summary line', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [testBundles().cli, 'export', runDir, ...args, '--backend', 'cpu'], {
        cwd: tiny.workspace.root,
        encoding: 'utf8',
      });
    const result = cli('--out', 'cli-float16', '--quantize', 'float16', '--json');
    assert.equal(result.status, 0, result.stderr);
    const last = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {
      quantize?: string;
      bytes: number;
      bytesFloat32: number;
      comparison?: { examples: number; metric: string; float32: number; exported: number; maxAbsDifference: number };
    };
    assert.equal(last.quantize, 'float16');
    assert.equal(last.bytes * 2, last.bytesFloat32);
    assert.equal(last.comparison?.metric, 'accuracy');
    assert.equal(last.comparison.exported, last.comparison.float32, 'float16 keeps every test prediction');
    const human = cli('--out', 'cli-uint8', '--quantize', 'uint8');
    assert.equal(human.status, 0, human.stderr);
    assert.match(
      human.stdout,
      /weights \d+ B uint8 \(25\.0 % of float32 \d+ B\); test accuracy [\d.]+ % vs [\d.]+ % float32 \([+±\u2212][\d.]+ pt\); max prediction difference [\d.]+e-\d on 10 test examples/,
    );
    const bad = cli('--out', 'x', '--quantize', 'int4');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--quantize must be one of float16, uint16, uint8, got "int4"/);
    const misplaced = spawnSync(process.execPath, [testBundles().cli, 'train', tiny.modelFile, '--quantize', 'uint8'], {
      encoding: 'utf8',
    });
    assert.equal(misplaced.status, 2);
    assert.match(misplaced.stderr, /--quantize is an option of export only/);
  });
});

describe('exportRun on a regression run', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  before(async () => {
    await loadBackend('cpu');
    workspace = tempWorkspace({ 'regression.csv': 'x,y\n1,2\n2,4\n3,7\n4,7\n' });
  });
  after(() => workspace.remove());

  it("compares MSE in the target's units (as Evaluate Model does)", async () => {
    // Normalised output x − 2.5, target offset 5 and divisor 2: predictions 2, 4, 6, 8 for targets 2, 4, 7, 7 → MSE 0.5.
    const runDir = await writeHandMadeRun(workspace, 'regression', {
      task: 'regression',
      loss: 'meanSquaredError',
      train: { path: 'regression.csv', label: 'y' },
      test: { path: 'regression.csv', label: 'y' },
      kernel: [[1]],
      bias: [-2.5],
      activation: 'linear',
      featureNames: ['x'],
      target: { method: 'standard', offset: [5], divisor: [2] },
    });
    const result = await exportRun({
      runDir,
      outDir: workspace.file('out'),
      workspaceRoot: workspace.root,
      backend: 'cpu',
      quantize: 'uint8',
    });
    const { comparison } = result;
    assert.ok(comparison, result.parityNote);
    assert.equal(comparison.metric, 'mse');
    assert.equal(comparison.examples, 4);
    assert.ok(Math.abs(comparison.float32 - 0.5) < 1e-6, `float32 MSE ${comparison.float32}`);
    // 1 and −2.5 are levels of their weights' uint8 grids (0 and the range's ends are).
    assert.ok(Math.abs(comparison.exported - 0.5) < 1e-5, `uint8 MSE ${comparison.exported}`);
  });
});
