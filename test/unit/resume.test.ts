import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../../src/protocol/trainerMessages';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { editRun } from '../../src/runFolder/runNotes';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { writeTinyModel, type TinyModel, type TinyModelOptions } from '../fixtures/tinyModel';

/**
 * Resuming a stopped run (TrainRequest.resumeRunDir): the run continues from
 * its last checkpoint (weights, Adam's moments, the step count, Math.random's
 * state, the early-stopping monitor) to its planned epochs, in the same
 * folder, appending to metrics.jsonl.
 */

/** 90 rows: 54 train (7 batches of 8), 18 validation, 18 test; Adam, dropout, 4 epochs. */
const OPTIONS: TinyModelOptions = { rows: 90, training: { epochs: 4, seed: 3 } };

async function run(
  tiny: TinyModel,
  overrides: Partial<TrainRequest> = {},
  stopWhen?: (record: MetricRecord) => boolean,
): Promise<{ outcome: TrainOutcome; messages: TrainerToHost[] }> {
  const stop = new AbortController();
  const messages: TrainerToHost[] = [];
  const outcome = await train(
    { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu', ...overrides },
    {
      onMessage: (message) => {
        messages.push(message);
        if (message.type === 'metrics' && stopWhen?.(message.record)) stop.abort();
      },
    },
    stop.signal,
  );
  return { outcome, messages };
}

function runDirOf(outcome: TrainOutcome): string {
  assert.ok(outcome.type === 'done', JSON.stringify(outcome));
  return outcome.runDir;
}

/** `epoch/batch` of each record, `-` for epoch records. */
function positions(records: readonly MetricRecord[]): string[] {
  return records.map((r) => `${r.epoch}/${r.batch ?? '-'}`);
}

/** Every line of metrics.jsonl, parsed (throws on a line that does not parse). */
function metricLines(runDir: string): MetricRecord[] {
  const text = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'), 'metrics.jsonl ends in the middle of a line');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricRecord);
}

function lossesWithoutTime(records: readonly MetricRecord[]): Record<string, number | null>[] {
  return records.map(({ time: _time, ...rest }) => rest);
}

describe('resuming a stopped run', function () {
  const workspaces: TinyModel[] = [];
  const tiny = (): TinyModel => {
    const model = writeTinyModel(OPTIONS);
    workspaces.push(model);
    return model;
  };
  after(() => workspaces.forEach((w) => w.workspace.remove()));

  let uninterrupted: MetricRecord[];
  before(async () => {
    const { outcome } = await run(tiny());
    assert.ok(outcome.type === 'done' && outcome.run.status === 'completed');
    uninterrupted = await readMetrics(outcome.runDir);
  });

  it('stopped after epoch 2 of 4, resumes to completed with epochs 1..4 once each, in the same folder', async () => {
    const model = tiny();
    const first = await run(model, {}, (r) => r.epoch === 2 && r.batch === null);
    const runDir = runDirOf(first.outcome);
    const stopped = await readRun(runDir);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.epochsDone, 2);
    // A name, notes and tags given in the experiments table while it was stopped survive the resume.
    const personal = { label: 'kept', notes: 'stopped to look', tags: ['resumed'] };
    await editRun(runDir, [
      { field: 'label', value: personal.label },
      { field: 'notes', value: personal.notes },
      { field: 'tags', value: personal.tags },
    ]);

    const second = await run(model, { resumeRunDir: runDir });
    assert.equal(runDirOf(second.outcome), runDir);
    const started = second.messages.find((m) => m.type === 'runStarted');
    assert.ok(started?.type === 'runStarted' && started.run.id === stopped.id && started.run.startedAt === stopped.startedAt);
    const run2 = await readRun(runDir);
    assert.equal(run2.status, 'completed');
    assert.equal(run2.epochsDone, 4);
    assert.ok(run2.resumedAt && run2.resumedAt > run2.startedAt);
    assert.equal(run2.pid, undefined);
    assert.deepEqual({ label: run2.label, notes: run2.notes, tags: run2.tags }, personal);

    const lines = metricLines(runDir);
    assert.deepEqual(
      lines.filter((r) => r.batch === null).map((r) => r.epoch),
      [1, 2, 3, 4],
    );
    assert.deepEqual(positions(lines), positions(uninterrupted));
    // The log line says where it picked up.
    assert.ok(second.messages.some((m) => m.type === 'log' && m.message === `resuming run ${stopped.id} at epoch 3, batch 0 of 4 epochs`));

    // Same weights, optimizer state, shuffles and dropout masks: the same numbers.
    const final = lines.at(-1) as MetricRecord;
    const reference = uninterrupted.at(-1) as MetricRecord;
    const difference = Math.abs(final.loss - reference.loss) / reference.loss;
    console.log(
      `      final loss resumed ${final.loss} vs uninterrupted ${reference.loss} (relative difference ${difference.toExponential(2)})`,
    );
    assert.ok(difference < 1e-3, `final loss ${final.loss} vs ${reference.loss}`);
    // On cpu they are not just close but equal, record for record.
    assert.deepEqual(lossesWithoutTime(lines), lossesWithoutTime(uninterrupted));
  });

  it('stopped inside epoch 2, finishes that epoch from the next batch: every batch once, the epoch record over all of them', async () => {
    const model = tiny();
    const first = await run(model, {}, (r) => r.epoch === 2 && r.batch === 2);
    const runDir = runDirOf(first.outcome);
    assert.equal((await readRun(runDir)).epochsDone, 1);
    const second = await run(model, { resumeRunDir: runDir });
    assert.ok(second.outcome.type === 'done' && second.outcome.run.status === 'completed');
    assert.ok(second.messages.some((m) => m.type === 'log' && m.message.endsWith('at epoch 2, batch 3 of 4 epochs')));
    const lines = metricLines(runDir);
    assert.deepEqual(positions(lines), positions(uninterrupted));
    const epoch2 = lines.find((r) => r.epoch === 2 && r.batch === null) as MetricRecord;
    const reference2 = uninterrupted.find((r) => r.epoch === 2 && r.batch === null) as MetricRecord;
    assert.ok(Math.abs(epoch2.loss - reference2.loss) < 1e-4 * reference2.loss, `epoch 2 loss ${epoch2.loss} vs ${reference2.loss}`);
    const final = (lines.at(-1) as MetricRecord).loss;
    const reference = (uninterrupted.at(-1) as MetricRecord).loss;
    assert.ok(Math.abs(final - reference) < 1e-3 * reference, `final loss ${final} vs ${reference}`);
    assert.deepEqual(lossesWithoutTime(lines), lossesWithoutTime(uninterrupted));
  });

  it('carries early stopping and the best weights over: stops at the epoch the uninterrupted run stops at, with the same test metrics', async () => {
    const options: TinyModelOptions = {
      rows: 90,
      training: { epochs: 30, seed: 3, learningRate: 0.05, earlyStopping: { monitor: 'val_loss', patience: 1, restoreBestWeights: true } },
    };
    const reference = writeTinyModel(options);
    const model = writeTinyModel(options);
    workspaces.push(reference, model);
    const whole = await run(reference);
    assert.ok(whole.outcome.type === 'done' && whole.outcome.run.status === 'completed');
    const stoppedAt = whole.outcome.run.epochsDone ?? 0;
    assert.ok(stoppedAt >= 3 && stoppedAt < 30, `early stopping after epoch ${stoppedAt}`);

    const first = await run(model, {}, (r) => r.epoch === 2 && r.batch === null);
    const second = await run(model, { resumeRunDir: runDirOf(first.outcome) });
    assert.ok(second.outcome.type === 'done');
    assert.equal(second.outcome.run.epochsDone, stoppedAt);
    assert.deepEqual(second.outcome.run.test, whole.outcome.run.test);
    assert.ok(second.messages.some((m) => m.type === 'log' && m.message.startsWith('restored the weights of epoch')));
  });

  it('resumes from the snapshot, not from the model file as it is now', async () => {
    const model = tiny();
    const first = await run(model, {}, (r) => r.epoch === 1 && r.batch === null);
    const runDir = runDirOf(first.outcome);
    model.workspace.write(
      'tiny.model.json',
      JSON.stringify({ ...model.spec, training: { ...model.spec.training, epochs: 9, learningRate: 5 } }),
    );
    const second = await run(model, { resumeRunDir: runDir });
    assert.ok(second.outcome.type === 'done');
    assert.equal(second.outcome.run.epochs, 4);
    assert.equal(second.outcome.run.status, 'completed');
    assert.deepEqual(JSON.parse(readFileSync(path.join(runDir, 'spec.json'), 'utf8')), model.spec);
  });

  it('refuses a completed run, and an epoch count, with a one-line error and nothing written', async () => {
    const model = tiny();
    const done = runDirOf((await run(model)).outcome);
    const before = readFileSync(path.join(done, 'metrics.jsonl'), 'utf8');
    const refused = await run(model, { resumeRunDir: done });
    assert.ok(refused.outcome.type === 'error');
    assert.match(refused.outcome.message, /cannot resume run \S+: it completed; only a stopped run can be resumed/);
    assert.equal(readFileSync(path.join(done, 'metrics.jsonl'), 'utf8'), before);
    const withEpochs = await run(model, { resumeRunDir: done, epochs: 6 });
    assert.ok(withEpochs.outcome.type === 'error');
    assert.match(withEpochs.outcome.message, /leave out the epoch count/);
  });
});
