import * as assert from 'node:assert/strict';
import { isHostToTrainer, isMetricRecord, isRunInfo, isTrainerToHost } from '../../src/protocol/guards';
import type { RunInfo } from '../../src/protocol/runTypes';
import { isMessageOf } from '../../src/protocol/primitiveGuards';

const run: RunInfo = {
  id: '20250101-120000-iris',
  name: 'iris',
  modelFile: '/w/iris.model.yaml',
  status: 'running',
  backend: 'wasm',
  backendSkipped: [{ backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed (optional dependency)' }],
  startedAt: '2025-01-01T12:00:00.000Z',
  seed: 42,
  epochs: 5,
  trainSamples: 105,
  batchesPerEpoch: 7,
  pid: 1234,
};

const request = { modelFile: '/w/a.model.json', workspaceRoot: '/w', runsDir: '/w/.modelstudio/runs' };

describe('protocol guards', () => {
  describe('isHostToTrainer', () => {
    it('accepts train (with and without options) and stop', () => {
      assert.ok(isHostToTrainer({ type: 'train', request }));
      assert.ok(isHostToTrainer({ type: 'train', request: { ...request, epochs: 3, backend: 'auto' } }));
      assert.ok(isHostToTrainer({ type: 'stop' }));
    });

    it('rejects unknown types, missing or mistyped fields', () => {
      for (const message of [
        null,
        'stop',
        [],
        {},
        { type: 'pause' },
        { type: 'train' },
        { type: 'train', request: { ...request, modelFile: 3 } },
        { type: 'train', request: { modelFile: '/a', workspaceRoot: '/w' } },
        { type: 'train', request: { ...request, epochs: 0 } },
        { type: 'train', request: { ...request, epochs: 1.5 } },
        { type: 'train', request: { ...request, backend: 'gpu' } },
      ]) {
        assert.equal(isHostToTrainer(message), false, JSON.stringify(message));
      }
    });
  });

  describe('isTrainerToHost', () => {
    it('accepts every message kind', () => {
      for (const message of [
        { type: 'ready', backend: 'cpu', skipped: [] },
        { type: 'runStarted', runDir: '/r', run },
        { type: 'metrics', record: { epoch: 1, batch: 0, loss: 0.5, accuracy: 0.8, time: 1 } },
        { type: 'metrics', record: { epoch: 1, batch: null, loss: 0.5, val_loss: null, time: 1 } },
        { type: 'log', level: 'warn', message: 'x' },
        { type: 'done', runDir: '/r', run: { ...run, status: 'failed', error: { message: 'boom', epoch: 2, batch: 3 } } },
        { type: 'error', message: 'a.model.json:3:4: error: x' },
        { type: 'runStarted', runDir: '/r/folds/2', run, fold: 2 },
        { type: 'metrics', record: { epoch: 1, batch: 0, loss: 0.5, time: 1 }, fold: 2 },
        {
          type: 'done',
          runDir: '/r',
          run: {
            ...run,
            status: 'completed',
            crossValidation: { foldCount: 2, folds: [{ val_loss: 1 }, { val_loss: 2 }], mean: { val_loss: 1.5 }, std: { val_loss: 0.7 } },
          },
        },
      ]) {
        assert.ok(isTrainerToHost(message), JSON.stringify(message));
      }
    });

    it('rejects malformed messages', () => {
      for (const message of [
        undefined,
        42,
        { type: 'metrics' },
        { type: 'ready', backend: 'gpu', skipped: [] },
        { type: 'ready', backend: 'cpu', skipped: [{ backend: 'wasm' }] },
        { type: 'runStarted', runDir: '/r', run: { ...run, status: 'paused' } },
        { type: 'done', runDir: '/r' },
        { type: 'metrics', record: { epoch: 0, batch: 0, loss: 1, time: 1 } },
        { type: 'metrics', record: { epoch: 1, batch: -1, loss: 1, time: 1 } },
        { type: 'metrics', record: { epoch: 1, batch: 0, loss: null, time: 1 } },
        { type: 'metrics', record: { epoch: 1, batch: 0, loss: 1, time: 1, accuracy: 'high' } },
        { type: 'log', level: 'debug', message: 'x' },
        { type: 'error' },
        { type: 'runStarted', runDir: '/r/folds/0', run, fold: 0 },
        { type: 'metrics', record: { epoch: 1, batch: 0, loss: 0.5, time: 1 }, fold: '2' },
        { type: 'done', runDir: '/r', run: { ...run, crossValidation: { foldCount: 2, folds: [{ val_loss: 'x' }] } } },
        { type: 'done', runDir: '/r', run: { ...run, validation: { val_loss: null } } },
      ]) {
        assert.equal(isTrainerToHost(message), false, JSON.stringify(message));
      }
    });
  });

  it('isRunInfo checks optional fields when present', () => {
    assert.ok(isRunInfo(run));
    assert.ok(isRunInfo({ ...run, test: { loss: 0.2, accuracy: 0.9 } }));
    assert.equal(isRunInfo({ ...run, test: { accuracy: 'x' } }), false);
    assert.equal(isRunInfo({ ...run, error: { epoch: 1 } }), false);
    assert.equal(isRunInfo({ ...run, seed: undefined }), false);
  });

  it('isMetricRecord accepts null metrics (JSON has no NaN)', () => {
    assert.ok(isMetricRecord({ epoch: 3, batch: null, loss: 0.1, val_accuracy: null, time: 5 }));
    assert.equal(isMetricRecord({ epoch: 3, batch: null, loss: 0.1 }), false);
  });
});

describe('isMessageOf', () => {
  type Message = { readonly type: 'ping' } | { readonly type: 'say'; readonly text: string };
  const isMessage = isMessageOf<Message>({ ping: () => true, say: (x) => typeof x.text === 'string' });

  it('accepts each type whose check passes', () => {
    assert.ok(isMessage({ type: 'ping' }));
    assert.ok(isMessage({ type: 'say', text: 'hi' }));
  });

  it('refuses a failed check, an unknown or missing type, and what is not an object', () => {
    for (const x of [{ type: 'say', text: 3 }, { type: 'shout', text: 'hi' }, { text: 'hi' }, { type: 7 }, null, [], 'ping']) {
      assert.equal(isMessage(x), false, JSON.stringify(x));
    }
  });

  it('refuses types that are only inherited names of the check table', () => {
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) assert.equal(isMessage({ type }), false, type);
  });
});
