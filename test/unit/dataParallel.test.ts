import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainRequest, TrainerToHost } from '../../src/protocol/trainerMessages';
import { TrainerProcess } from '../../src/host/trainerProcess';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { replicaCount, shares, startReplicas } from '../../src/trainer/dataParallel';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel } from '../fixtures/tinyModel';

const conv = (): tf.Sequential =>
  tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [4, 1], inputShape: [4] }),
      tf.layers.conv1d({ filters: 2, kernelSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });

const dense = (): tf.Sequential => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });

describe('data-parallel training on wasm (#18)', () => {
  describe('replicaCount: which models train as replicas', () => {
    it('a convolutional model on wasm with 2 or more threads, one replica per thread', () => {
      const model = conv();
      assert.equal(replicaCount(model, { backend: 'wasm', skipped: [], threads: 2 }), 2);
      assert.equal(replicaCount(model, { backend: 'wasm', skipped: [], threads: 4 }), 4);
      model.dispose();
    });

    it('none with one thread, on another backend, or for a dense model (XNNPACK threads do better there)', () => {
      const [convolutional, denseOnly] = [conv(), dense()];
      assert.equal(replicaCount(convolutional, { backend: 'wasm', skipped: [], threads: 1 }), 0);
      assert.equal(replicaCount(convolutional, { backend: 'cpu', skipped: [] }), 0);
      assert.equal(replicaCount(denseOnly, { backend: 'wasm', skipped: [], threads: 2 }), 0);
      convolutional.dispose();
      denseOnly.dispose();
    });

    it('none with batch normalization, whose statistics a replica would keep to itself', () => {
      const model = conv();
      model.add(tf.layers.batchNormalization());
      assert.equal(replicaCount(model, { backend: 'wasm', skipped: [], threads: 2 }), 0);
      model.dispose();
    });

    it('a convolution inside a nested model counts', () => {
      const inner = conv();
      const outer = tf.sequential({ layers: [inner, tf.layers.dense({ units: 2 })] });
      assert.equal(replicaCount(outer, { backend: 'wasm', skipped: [], threads: 2 }), 2);
      outer.dispose();
    });
  });

  describe('shares: rows per replica', () => {
    it('as even as can be, the first replicas taking the remainder, and none for an empty share', () => {
      assert.deepEqual(shares(64, 2), [32, 32]);
      assert.deepEqual(shares(7, 2), [4, 3]);
      assert.deepEqual(shares(10, 4), [3, 3, 2, 2]);
      assert.deepEqual(shares(1, 2), [1, 0]);
    });
  });

  it('without the replica bundle next to the trainer, says why and trains with fit', async () => {
    // Run from the sources, src/trainer has no replica.js: the worker fails to start.
    const model = conv();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const logs: TrainerToHost[] = [];
    const replicas = await startReplicas(
      model,
      { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', batchSize: 8, epochs: 1 },
      { backend: 'wasm', skipped: [], threads: 2 },
      (message) => logs.push(message),
    );
    assert.equal(replicas, undefined);
    const warning = logs.find((m) => m.type === 'log' && m.level === 'warn');
    assert.ok(
      warning?.type === 'log' && /^wasm: training on 2 threads without replicas \(a model replica/.test(warning.message),
      JSON.stringify(logs),
    );
    model.dispose();
  });

  describe('through the CLI', () => {
    // A convolution over the 4 features, an L2 penalty and dropout: every part of a replica's step.
    const layers = [
      { type: 'reshape', targetShape: [4, 1] },
      { type: 'conv1d', filters: 8, kernelSize: 2, activation: 'relu', kernelRegularizer: { l2: 0.01 } },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 3, activation: 'softmax' },
    ];

    /** run.json, the CLI's output and every metrics record but its time, of one training with `threads`. */
    function trainWith(modelFile: string, root: string, threads: string) {
      const args = [testBundles().cli, 'train', modelFile, '--backend', 'wasm', '--threads', threads];
      const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
      const output = result.stdout + result.stderr;
      assert.equal(result.status, 0, output);
      const runDir = path.resolve(root, /^run folder: (.+)$/m.exec(output)?.[1] ?? assert.fail(output));
      const records = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line): Record<string, number | null | undefined> => ({
          ...(JSON.parse(line) as Record<string, number | null>),
          time: undefined,
        }));
      const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as {
        status: string;
        trainSamples: number;
        replicas?: number;
      };
      return { run, records, output };
    }

    it('trains with 2 replicas: the same records on every run, close to one thread, a 1-row batch included', function () {
      this.timeout(120_000);
      // 100 rows: 60 train; batches of 59 leave a last batch of 1 row, which only the first replica takes.
      const tiny = writeTinyModel({ rows: 100, layers, training: { epochs: 3, batchSize: 59 } });
      try {
        const one = trainWith(tiny.modelFile, tiny.workspace.root, '1');
        assert.equal(one.run.trainSamples, 60);
        assert.doesNotMatch(one.output, /data-parallel/);
        assert.equal(one.run.replicas, undefined);
        const two = trainWith(tiny.modelFile, tiny.workspace.root, '2');
        assert.match(two.output, /data-parallel, 2 replicas of the model/);
        assert.equal(two.run.status, 'completed');
        assert.equal(two.run.replicas, 2);
        assert.match(two.output, /^completed in .* on wasm \(2 threads, 2 replicas\)/m);
        assert.deepEqual(trainWith(tiny.modelFile, tiny.workspace.root, '2').records, two.records);

        assert.equal(two.records.length, one.records.length);
        two.records.forEach((record, i) => {
          const other = one.records[i];
          assert.equal(record.epoch, other.epoch);
          assert.equal(record.batch, other.batch);
          // Dropout draws other masks in the replicas (and a 1-row batch's accuracy is 0 or 1): the losses move, but stay the same model's.
          for (const key of ['loss', 'val_loss']) {
            if (other[key] === undefined) continue;
            const [mine, theirs] = [record[key] as number, other[key] as number];
            assert.ok(Math.abs(mine - theirs) < 0.25, `${key} of record ${i}: ${mine} vs ${theirs}`);
          }
        });
      } finally {
        tiny.workspace.remove();
      }
    });

    it('a run stopped mid-epoch and resumed writes the records of the run never stopped', async function () {
      this.timeout(120_000);
      const tiny = writeTinyModel({ rows: 100, layers, training: { epochs: 3, batchSize: 8 } });
      const request: TrainRequest = {
        modelFile: tiny.modelFile,
        workspaceRoot: tiny.workspace.root,
        runsDir: tiny.runsDir,
        backend: 'wasm',
        threads: 2,
      };
      /** Trains in the bundled trainer process as the editor does; stops after `stopAt` batch records. */
      const trainIn = (extra: Partial<TrainRequest>, stopAt?: number) =>
        new Promise<string>((resolve, reject) => {
          let records = 0;
          let runDir = '';
          const trainer = TrainerProcess.start(
            { ...request, ...extra },
            {
              trainerPath: testBundles().trainer,
              onMessage: (message: TrainerToHost) => {
                if (message.type === 'runStarted') runDir = message.runDir;
                if (message.type === 'metrics' && ++records === stopAt) trainer.stop();
              },
              onExit: (code) => (code === 0 ? resolve(runDir) : reject(new Error(`the trainer exited ${code}`))),
              onStderr: (text) => process.stderr.write(`[trainer] ${text}`),
            },
          );
        });
      const withoutTime = async (runDir: string) => (await readMetrics(runDir)).map((record) => ({ ...record, time: undefined }));
      try {
        const wholeDir = await trainIn({});
        assert.equal((await readRun(wholeDir)).replicas, 2);
        const whole = await withoutTime(wholeDir);
        // 60 training rows in batches of 8: the 12th record is the third batch of epoch 2.
        const stopped = await trainIn({}, 12);
        assert.ok((await withoutTime(stopped)).length < whole.length);
        const resumed = await trainIn({ resumeRunDir: stopped });
        assert.equal(resumed, stopped);
        assert.deepEqual(await withoutTime(resumed), whole);
      } finally {
        tiny.workspace.remove();
      }
    });

    it('without dropout, the first batch matches one thread within float32 rounding', function () {
      this.timeout(120_000);
      const tiny = writeTinyModel({
        rows: 100,
        layers: layers.filter((l) => l.type !== 'dropout'),
        training: { epochs: 1, batchSize: 16 },
      });
      try {
        const [one, two] = ['1', '2'].map((threads) => trainWith(tiny.modelFile, tiny.workspace.root, threads));
        assert.match(two.output, /data-parallel/);
        const [first, second] = [one.records, two.records];
        // The same rows (fit's shuffle), the same weights, the gradients of two halves summed.
        assert.ok(Math.abs((first[0].loss as number) - (second[0].loss as number)) < 1e-6, `${first[0].loss} vs ${second[0].loss}`);
        assert.ok(Math.abs((first[1].loss as number) - (second[1].loss as number)) < 1e-5, `${first[1].loss} vs ${second[1].loss}`);
      } finally {
        tiny.workspace.remove();
      }
    });
  });
});
