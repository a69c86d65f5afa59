import * as assert from 'node:assert/strict';
import type { LearningRateSchedule } from '../../src/modelFile/modelSpec';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type { TrainRequest } from '../../src/protocol/trainerMessages';
import { readMetrics } from '../../src/runFolder/readRunFolder';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/**
 * A run stopped mid-schedule and resumed trains with the same learning
 * rates, and so gives the same losses, as a run that was never stopped:
 * closed-form schedules follow from the epoch, plateau's rate, best and
 * wait come back from the checkpoint.
 */

async function run(
  tiny: TinyModel,
  overrides: Partial<TrainRequest> = {},
  stopWhen?: (record: MetricRecord) => boolean,
): Promise<TrainOutcome> {
  const stop = new AbortController();
  return train(
    { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu', ...overrides },
    { onMessage: (message) => message.type === 'metrics' && stopWhen?.(message.record) && stop.abort() },
    stop.signal,
  );
}

function runDirOf(outcome: TrainOutcome): string {
  assert.ok(outcome.type === 'done', JSON.stringify(outcome));
  return outcome.runDir;
}

function withoutTime(records: readonly MetricRecord[]): Record<string, number | null>[] {
  return records.map(({ time: _time, ...rest }) => rest);
}

function epochRates(records: readonly MetricRecord[]): (number | null | undefined)[] {
  return records.filter((r) => r.batch === null).map((r) => r.lr);
}

describe('resuming a run mid-schedule', function () {
  const workspaces: TinyModel[] = [];
  after(() => workspaces.forEach((w) => w.workspace.remove()));

  /** Trains `schedule` for 6 epochs uninterrupted, and stopped where `stopWhen` says then resumed; returns both metrics. */
  async function bothWays(
    schedule: LearningRateSchedule,
    stopWhen: (record: MetricRecord) => boolean,
    optimizer = 'adam',
  ): Promise<{ whole: MetricRecord[]; resumed: MetricRecord[] }> {
    const options = { rows: 90, training: { optimizer, epochs: 6, seed: 5, learningRate: 0.05, learningRateSchedule: schedule } };
    const reference = writeTinyModel(options);
    const model = writeTinyModel(options);
    workspaces.push(reference, model);
    const whole = await run(reference);
    assert.ok(whole.type === 'done' && whole.run.status === 'completed');
    const stopped = await run(model, {}, stopWhen);
    assert.ok(stopped.type === 'done' && stopped.run.status === 'stopped');
    const resumed = await run(model, { resumeRunDir: runDirOf(stopped) });
    assert.ok(resumed.type === 'done' && resumed.run.status === 'completed', JSON.stringify(resumed));
    return { whole: await readMetrics(whole.runDir), resumed: await readMetrics(resumed.runDir) };
  }

  it('cosine with warm-up, stopped after epoch 3: the same lr sequence and the same losses, record for record', async () => {
    const { whole, resumed } = await bothWays(
      { type: 'cosine', warmupEpochs: 2, minLearningRate: 0.001 },
      (r) => r.epoch === 3 && r.batch === null,
    );
    const rates = epochRates(whole);
    assert.equal(rates.length, 6);
    assert.equal(rates[1], 0.05);
    assert.ok(Math.abs((rates[5] ?? 0) - 0.001) < 1e-12, `last epoch at ${rates[5]}`);
    assert.deepEqual(epochRates(resumed), rates);
    assert.deepEqual(withoutTime(resumed), withoutTime(whole));
  });

  it('plateau, stopped inside epoch 4: its reductions happen at the same epochs, with the same losses', async () => {
    const { whole, resumed } = await bothWays(
      { type: 'plateau', monitor: 'val_accuracy', factor: 0.5, patience: 1 },
      (r) => r.epoch === 4 && r.batch === 2,
    );
    const rates = epochRates(whole);
    // The run is only a test of resume if plateau reduced the rate after the stop.
    assert.ok(
      rates.slice(4).some((rate, i) => rate !== rates[3 + i]),
      `no reduction after epoch 4: ${rates.join(', ')}`,
    );
    assert.deepEqual(epochRates(resumed), rates);
    assert.deepEqual(withoutTime(resumed), withoutTime(whole));
  });

  // Every optimizer's state comes back (Adamax's too, which TF.js cannot save), and the rate is set again each epoch.
  for (const optimizer of ['sgd', 'momentum', 'adamax', 'adagrad', 'adadelta', 'rmsprop']) {
    it(`${optimizer} with a step schedule, stopped inside epoch 3: the same lr sequence and losses`, async () => {
      const { whole, resumed } = await bothWays({ type: 'step', every: 2, factor: 0.5 }, (r) => r.epoch === 3 && r.batch === 1, optimizer);
      assert.deepEqual(epochRates(whole), [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]);
      assert.deepEqual(withoutTime(resumed), withoutTime(whole));
    });
  }
});
