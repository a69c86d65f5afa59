import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { MetricRecord, RunInfo } from '../../src/protocol/runTypes';
import type { RunEntry } from '../../src/runFolder/readRunFolder';
import {
  bestMetric,
  describeRunLine,
  formatMetric,
  groupRuns,
  higherIsBetter,
  modelFileOfRun,
  runDuration,
  runLabel,
} from '../../src/runFolder/runSummary';

function run(over: Partial<RunInfo> = {}): RunInfo {
  return {
    id: '20250102-030405-m',
    name: 'm',
    modelFile: '/old/place/m.model.json',
    status: 'completed',
    backend: 'wasm',
    backendSkipped: [],
    startedAt: '2025-01-02T03:04:05.000Z',
    endedAt: '2025-01-02T03:05:10.000Z',
    seed: 42,
    epochs: 3,
    trainSamples: 90,
    batchesPerEpoch: 3,
    ...over,
  };
}

function entry(dir: string, over: Partial<RunInfo> = {}): RunEntry {
  return { runDir: dir, run: run({ id: path.basename(dir), ...over }) };
}

function epoch(n: number, metrics: Record<string, number | null>): MetricRecord {
  return { epoch: n, batch: null, time: n * 1000, loss: 1, ...metrics } as MetricRecord;
}

describe('runSummary', () => {
  describe('modelFileOfRun', () => {
    it('takes the folder from where the run is and the file name from run.json', () => {
      const e = entry('/ws/models/.modelstudio/runs/20250102-030405-m');
      assert.equal(modelFileOfRun(e), '/ws/models/m.model.json');
    });

    it('falls back to run.json for a run folder outside .modelstudio/runs', () => {
      assert.equal(modelFileOfRun(entry('/elsewhere/out/r1')), '/old/place/m.model.json');
    });
  });

  describe('groupRuns', () => {
    it('groups runs by model file, files sorted by path, runs newest first', () => {
      const groups = groupRuns([
        entry('/ws/b/.modelstudio/runs/r1', { modelFile: '/x/b.model.json', startedAt: '2025-01-01T00:00:00Z' }),
        entry('/ws/a/.modelstudio/runs/r2', { modelFile: '/x/a.model.yaml', startedAt: '2025-01-01T00:00:00Z' }),
        entry('/ws/b/.modelstudio/runs/r3', { modelFile: '/x/b.model.json', startedAt: '2025-01-03T00:00:00Z' }),
        entry('/ws/b/.modelstudio/runs/r4', { modelFile: '/x/b.model.json', startedAt: '2025-01-02T00:00:00Z' }),
      ]);
      assert.deepEqual(
        groups.map((g) => [g.modelFile, g.runs.map((r) => path.basename(r.runDir))]),
        [
          ['/ws/a/a.model.yaml', ['r2']],
          ['/ws/b/b.model.json', ['r3', 'r4', 'r1']],
        ],
      );
    });

    it('keeps two model files of one folder apart', () => {
      const groups = groupRuns([
        entry('/ws/.modelstudio/runs/r1', { modelFile: '/ws/a.model.json' }),
        entry('/ws/.modelstudio/runs/r2', { modelFile: '/ws/b.model.json' }),
      ]);
      assert.deepEqual(
        groups.map((g) => g.modelFile),
        ['/ws/a.model.json', '/ws/b.model.json'],
      );
    });

    it('returns no groups for no runs', () => {
      assert.deepEqual(groupRuns([]), []);
    });
  });

  describe('bestMetric', () => {
    it('prefers the validation value of the first metric, highest for accuracy', () => {
      const records = [
        { epoch: 1, batch: 0, time: 1, loss: 2, accuracy: 0.99 } as MetricRecord, // batch records do not count
        epoch(1, { accuracy: 0.8, val_loss: 0.5, val_accuracy: 0.85 }),
        epoch(2, { accuracy: 0.9, val_loss: 0.4, val_accuracy: 0.91 }),
        epoch(3, { accuracy: 0.95, val_loss: 0.45, val_accuracy: 0.9 }),
      ];
      assert.deepEqual(bestMetric(records), { name: 'val_accuracy', value: 0.91, epoch: 2 });
    });

    it('takes the lowest val_loss when there is no other metric', () => {
      const records = [epoch(1, { val_loss: 0.5 }), epoch(2, { val_loss: 0.3 }), epoch(3, { val_loss: 0.4 })];
      assert.deepEqual(bestMetric(records), { name: 'val_loss', value: 0.3, epoch: 2 });
    });

    it('falls back to training metrics without a validation set', () => {
      assert.deepEqual(bestMetric([epoch(1, { mae: 3 }), epoch(2, { mae: 2 })]), { name: 'mae', value: 2, epoch: 2 });
      assert.deepEqual(
        bestMetric([
          { epoch: 1, batch: null, time: 1, loss: 0.7 },
          { epoch: 2, batch: null, time: 2, loss: 0.6 },
        ]),
        {
          name: 'loss',
          value: 0.6,
          epoch: 2,
        },
      );
    });

    it('never takes the learning rate (lr) for a metric', () => {
      const records: MetricRecord[] = [
        { epoch: 1, batch: null, time: 1, loss: 0.7, lr: 0.01 },
        { epoch: 2, batch: null, time: 2, loss: 0.6, lr: 0.001 },
      ];
      assert.deepEqual(bestMetric(records), { name: 'loss', value: 0.6, epoch: 2 });
    });

    it('skips values that diverged (null in metrics.jsonl)', () => {
      const records = [epoch(1, { val_loss: null }), epoch(2, { val_loss: 0.9 })];
      assert.deepEqual(bestMetric(records), { name: 'val_loss', value: 0.9, epoch: 2 });
    });

    it('is undefined before the first epoch ends', () => {
      assert.equal(bestMetric([]), undefined);
      assert.equal(bestMetric([{ epoch: 1, batch: 0, time: 1, loss: 1 }]), undefined);
    });

    it('knows which metrics are better higher', () => {
      for (const m of ['accuracy', 'val_acc', 'binaryAccuracy', 'precision', 'val_recall']) assert.ok(higherIsBetter(m), m);
      for (const m of ['loss', 'val_loss', 'mae', 'mse', 'categoricalCrossentropy']) assert.ok(!higherIsBetter(m), m);
    });
  });

  describe('durations and labels', () => {
    it('measures a finished run from start to end, a running one to now', () => {
      assert.equal(runDuration(run(), 0), 65_000);
      const now = Date.parse('2025-01-02T03:04:15.000Z');
      assert.equal(runDuration(run({ status: 'running', endedAt: undefined }), now), 10_000);
      assert.equal(runDuration(run({ status: 'failed', endedAt: undefined }), now), undefined);
    });

    it('formats metrics: accuracies as percentages, the rest with 4 digits', () => {
      assert.equal(formatMetric('val_accuracy', 0.91234), '91.2%');
      assert.equal(formatMetric('val_loss', 0.123456), '0.1235');
      assert.equal(formatMetric('mse', 1234.5678), '1235');
    });

    it('names a run by its local start time, with the date on another day', () => {
      const started = new Date(2025, 0, 2, 3, 4, 5);
      const r = run({ startedAt: started.toISOString() });
      assert.equal(runLabel(r, new Date(2025, 0, 2, 23, 0, 0).getTime()), '03:04:05');
      assert.equal(runLabel(r, new Date(2025, 0, 3, 1, 0, 0).getTime()), 'Jan 2 03:04:05');
      assert.equal(runLabel(run({ startedAt: 'garbage' }), 0), '20250102-030405-m');
    });

    it('describes a run in one line: best metric, duration, backend', () => {
      assert.equal(describeRunLine(run(), { name: 'val_accuracy', value: 0.9, epoch: 2 }, 0), 'val_accuracy 90.0% · 1:05 · wasm');
      assert.equal(describeRunLine(run({ status: 'failed', endedAt: undefined }), undefined, 0), 'wasm');
    });
  });
});
