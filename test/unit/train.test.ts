import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../../src/protocol/trainerMessages';
import { listRuns, readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { loadModel } from '../../src/trainer/modelIO';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { writeTinyModel, type TinyModel, type TinyModelOptions } from '../fixtures/tinyModel';

interface Trained {
  readonly messages: TrainerToHost[];
  readonly outcome: TrainOutcome;
}

function requestFor(tiny: TinyModel, overrides: Partial<TrainRequest> = {}): TrainRequest {
  return { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu', ...overrides };
}

async function trainTiny(
  tiny: TinyModel,
  overrides: Partial<TrainRequest> = {},
  onMessage: (message: TrainerToHost) => void = () => undefined,
  signal?: AbortSignal,
): Promise<Trained> {
  const messages: TrainerToHost[] = [];
  const outcome = await train(
    requestFor(tiny, overrides),
    {
      onMessage: (message) => {
        messages.push(message);
        onMessage(message);
      },
    },
    signal,
  );
  return { messages, outcome };
}

function records(messages: readonly TrainerToHost[]): MetricRecord[] {
  return messages.flatMap((m) => (m.type === 'metrics' ? [m.record] : []));
}

/** `runStarted`, `metrics 1/0`, `metrics 1/-` (epoch record), … */
function sequence(messages: readonly TrainerToHost[]): string[] {
  return messages.map((m) => (m.type === 'metrics' ? `metrics ${m.record.epoch}/${m.record.batch ?? '-'}` : m.type));
}

describe('train()', function () {
  const cleanup: TinyModel[] = [];
  const tiny = (options?: TinyModelOptions): TinyModel => {
    const model = writeTinyModel(options);
    cleanup.push(model);
    return model;
  };
  after(() => cleanup.forEach((model) => model.workspace.remove()));

  describe('a 2-epoch run (50 rows: 30 train, 10 validation, 10 test; batch 8)', () => {
    let model: TinyModel;
    let result: Trained;
    before(async () => {
      model = tiny();
      result = await trainTiny(model);
    });

    it('reports exactly: ready, runStarted, 4 batches and an epoch record per epoch, done', () => {
      assert.deepEqual(sequence(result.messages), [
        'ready',
        'runStarted',
        'metrics 1/0',
        'metrics 1/1',
        'metrics 1/2',
        'metrics 1/3',
        'metrics 1/-',
        'metrics 2/0',
        'metrics 2/1',
        'metrics 2/2',
        'metrics 2/3',
        'metrics 2/-',
        'done',
      ]);
      const ready = result.messages[0];
      assert.ok(ready.type === 'ready' && ready.backend === 'cpu');
    });

    it('names batch metrics as the model file does and adds val_* and the learning rate, lr, to epoch records', () => {
      const [firstBatch] = records(result.messages);
      assert.deepEqual(Object.keys(firstBatch), ['epoch', 'batch', 'loss', 'accuracy', 'time']);
      const epochRecord = records(result.messages).find((r) => r.batch === null);
      assert.deepEqual(Object.keys(epochRecord ?? {}), ['epoch', 'batch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'time', 'lr']);
      assert.equal(epochRecord?.lr, 0.01);
      assert.ok(Math.abs(firstBatch.time - Date.now()) < 60_000);
    });

    it('ends completed with run.json final, test metrics and no pid', async () => {
      assert.equal(result.outcome.type, 'done');
      if (result.outcome.type !== 'done') return;
      const run = await readRun(result.outcome.runDir);
      assert.deepEqual(run, result.outcome.run);
      assert.equal(run.status, 'completed');
      assert.equal(run.name, 'tiny');
      assert.equal(run.modelFile, model.modelFile);
      assert.equal(run.backend, 'cpu');
      assert.deepEqual(run.backendSkipped, []);
      assert.equal(run.seed, 7);
      assert.equal(run.epochs, 2);
      assert.equal(run.trainSamples, 30);
      assert.equal(run.batchesPerEpoch, 4);
      assert.equal(run.pid, undefined);
      assert.ok(run.endedAt && run.endedAt >= run.startedAt);
      assert.deepEqual(Object.keys(run.test ?? {}), ['loss', 'accuracy']);
      assert.match(path.basename(result.outcome.runDir), /^\d{8}-\d{6}-tiny$/);
      assert.equal(path.dirname(result.outcome.runDir), model.runsDir);
    });

    it('runStarted carries run.json as it was while running', () => {
      const started = result.messages[1];
      assert.ok(started.type === 'runStarted');
      assert.equal(started.run.status, 'running');
      assert.equal(started.run.pid, process.pid);
    });

    it('writes every record to metrics.jsonl, the spec snapshot and normalization.json', async () => {
      assert.ok(result.outcome.type === 'done');
      const runDir = result.outcome.runDir;
      assert.deepEqual(await readMetrics(runDir), records(result.messages));
      assert.equal(readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length, 10 + 1);
      assert.deepEqual(JSON.parse(readFileSync(path.join(runDir, 'spec.json'), 'utf8')), model.spec);
      const normalization = JSON.parse(readFileSync(path.join(runDir, 'normalization.json'), 'utf8'));
      assert.deepEqual(normalization.featureShape, [4]);
      assert.deepEqual(normalization.classes, ['class0', 'class1', 'class2']);
      assert.equal(normalization.features.method, 'standard');
    });

    it('saves a loadable final model and the best and last checkpoints', async () => {
      assert.ok(result.outcome.type === 'done');
      const runDir = result.outcome.runDir;
      for (const dir of ['model', 'checkpoints/best', 'checkpoints/last']) {
        assert.ok(existsSync(path.join(runDir, dir, 'model.json')), dir);
        assert.ok(existsSync(path.join(runDir, dir, 'weights.bin')), dir);
      }
      const loaded = await loadModel(path.join(runDir, 'model'));
      const prediction = loaded.predict(tf.zeros([2, 4])) as tf.Tensor;
      assert.deepEqual(prediction.shape, [2, 3]);
      tf.dispose(prediction);
      loaded.dispose();
    });

    it('is listed by listRuns', async () => {
      const runs = await listRuns(model.runsDir);
      assert.equal(runs.length, 1);
      assert.equal(runs[0].run.status, 'completed');
    });

    it('adds its start and its end to the runs index', () => {
      assert.equal(result.outcome.type, 'done');
      const runDir = result.outcome.type === 'done' ? result.outcome.runDir : '';
      const lines = readFileSync(path.join(model.runsDir, 'index.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { dir: string; run: { status: string }; epochs: { epochs: number } });
      assert.deepEqual(
        lines.map((line) => [line.dir, line.run.status]),
        [
          [path.basename(runDir), 'running'],
          [path.basename(runDir), 'completed'],
        ],
      );
      assert.equal(lines[1].epochs.epochs, 2);
    });
  });

  it('gives the same losses for the same seed, dropout included, and others for another seed', async () => {
    const losses = async (seed: number): Promise<number[]> =>
      records((await trainTiny(tiny({ training: { seed, epochs: 3 } }))).messages).map((r) => r.loss);
    const first = await losses(11);
    assert.deepEqual(await losses(11), first);
    assert.notDeepEqual(await losses(12), first);
  });

  it('keeps TF.js memory flat across epochs and frees everything at the end', async () => {
    const before = tf.memory().numTensors;
    const atEpochEnd: number[] = [];
    await trainTiny(tiny({ training: { epochs: 4 } }), {}, (message) => {
      if (message.type === 'metrics' && message.record.batch === null) atEpochEnd.push(tf.memory().numTensors);
    });
    assert.equal(atEpochEnd.length, 4);
    assert.deepEqual(
      atEpochEnd,
      atEpochEnd.map(() => atEpochEnd[0]),
    );
    assert.equal(tf.memory().numTensors, before);
  });

  it('stops after the current batch: status stopped, model saved, partial metrics kept', async () => {
    const model = tiny({ training: { epochs: 5 } });
    const stop = new AbortController();
    const { messages, outcome } = await trainTiny(
      model,
      {},
      (message) => {
        if (message.type === 'metrics' && message.record.epoch === 2 && message.record.batch === 1) stop.abort();
      },
      stop.signal,
    );
    assert.deepEqual(sequence(messages).slice(-4), ['metrics 1/-', 'metrics 2/0', 'metrics 2/1', 'done']);
    assert.ok(outcome.type === 'done');
    assert.equal(outcome.run.status, 'stopped');
    assert.equal((await readRun(outcome.runDir)).status, 'stopped');
    assert.equal((await readMetrics(outcome.runDir)).length, 4 + 1 + 2);
    assert.ok(existsSync(path.join(outcome.runDir, 'model', 'model.json')));
    assert.ok(existsSync(path.join(outcome.runDir, 'checkpoints', 'last', 'model.json')));
  });

  it('stops early when the monitored metric stops improving, and restores the best weights', async () => {
    const model = tiny({
      training: { epochs: 30, learningRate: 0.05, earlyStopping: { monitor: 'val_loss', patience: 1, restoreBestWeights: true } },
    });
    const { messages, outcome } = await trainTiny(model);
    const epochs = records(messages).filter((r) => r.batch === null);
    assert.ok(outcome.type === 'done' && outcome.run.status === 'completed');
    assert.ok(epochs.length < 30, `ran all ${epochs.length} epochs`);
    const logs = messages.flatMap((m) => (m.type === 'log' ? [m.message] : []));
    assert.ok(
      logs.some((m) => m.startsWith('early stopping after epoch')),
      logs.join('\n'),
    );
    // patience 1: the last epoch did not improve, so the weights come from the one before.
    assert.ok(logs.includes(`restored the weights of epoch ${epochs.length - 1} (best val_loss)`), logs.join('\n'));
    // run.json's validation metrics are those of the weights saved: the best epoch's, not the last one's.
    const bestEpoch = epochs[epochs.length - 2];
    assert.deepEqual(outcome.run.validation, { val_loss: bestEpoch.val_loss, val_accuracy: bestEpoch.val_accuracy });
  });

  it('one-hot encodes labels for categoricalCrossentropy', async () => {
    const { outcome } = await trainTiny(tiny({ training: { loss: 'categoricalCrossentropy' } }));
    assert.ok(outcome.type === 'done' && outcome.run.status === 'completed', JSON.stringify(outcome));
  });

  it('reports a model-file error as one line with file, line and column, before starting a run', async () => {
    const model = tiny({ layers: [{ type: 'dense', units: 4, activation: 'softmax' }] });
    const { messages, outcome } = await trainTiny(model);
    assert.deepEqual(sequence(messages), ['ready', 'error']);
    assert.ok(outcome.type === 'error');
    assert.match(outcome.message, /tiny\.model\.json:\d+:\d+: error: .*units/);
    assert.ok(!outcome.message.includes('\n'));
    assert.ok(!existsSync(model.runsDir));
  });

  it('fails the run with the epoch and batch when the loss diverges', async () => {
    const model = tiny({ training: { optimizer: 'sgd', learningRate: 1e30, epochs: 3 } });
    const { outcome } = await trainTiny(model);
    assert.ok(outcome.type === 'done');
    assert.equal(outcome.run.status, 'failed');
    assert.match(outcome.run.error?.message ?? '', /training\.learningRate: the loss became NaN at epoch 1, batch \d/);
    assert.equal(outcome.run.error?.epoch, 1);
    assert.equal(typeof outcome.run.error?.batch, 'number');
    assert.equal((await readRun(outcome.runDir)).status, 'failed');
    assert.ok((await readMetrics(outcome.runDir)).length > 0);
  });

  describe('a model that needs a kernel wasm lacks (depthwise convolution gradients)', () => {
    const depthwise = (): TinyModel => {
      const model = tiny({
        layers: [
          { type: 'reshape', targetShape: [2, 2, 1] },
          { type: 'depthwiseConv2d', kernelSize: 1, depthMultiplier: 2 },
          { type: 'flatten' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      });
      return model;
    };

    it('auto: trains on cpu and says why wasm was skipped', async () => {
      const { messages, outcome } = await trainTiny(depthwise(), { backend: 'auto' });
      assert.ok(outcome.type === 'done', JSON.stringify(outcome));
      assert.equal(outcome.run.status, 'completed');
      assert.equal(outcome.run.backend, 'cpu');
      assert.deepEqual(outcome.run.backendSkipped[outcome.run.backendSkipped.length - 1], {
        backend: 'wasm',
        reason: 'wasm lacks the DepthwiseConv2dNativeBackpropFilter kernel this model needs for training',
      });
      assert.ok(messages.some((m) => m.type === 'log' && m.level === 'warn' && m.message.endsWith('training on cpu')));
    });

    it('an explicit --backend wasm is an error naming the kernel', async () => {
      const { outcome } = await trainTiny(depthwise(), { backend: 'wasm' });
      assert.ok(outcome.type === 'error');
      assert.match(outcome.message, /^backend wasm is not available: wasm lacks the DepthwiseConv2dNativeBackpropFilter kernel/);
    });
  });

  it('overrides training.epochs with request.epochs', async () => {
    const { messages } = await trainTiny(tiny(), { epochs: 1 });
    assert.equal(records(messages).filter((r) => r.batch === null).length, 1);
  });
});
