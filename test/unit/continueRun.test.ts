import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../../src/protocol/trainerMessages';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/**
 * Continue with Changes (TrainRequest.continueRunDir): a new run starts from
 * a finished run's last checkpoint (weights, optimizer state, Math.random's
 * state) with the model file's current training settings, and records its
 * parent.
 */

async function run(tiny: TinyModel, overrides: Partial<TrainRequest> = {}): Promise<{ outcome: TrainOutcome; messages: TrainerToHost[] }> {
  const messages: TrainerToHost[] = [];
  const outcome = await train(
    { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu', ...overrides },
    { onMessage: (message) => messages.push(message) },
  );
  return { outcome, messages };
}

function done(outcome: TrainOutcome): Extract<TrainOutcome, { type: 'done' }> {
  assert.ok(outcome.type === 'done' && outcome.run.status === 'completed', JSON.stringify(outcome));
  return outcome;
}

const epochRecords = (records: readonly MetricRecord[]): MetricRecord[] => records.filter((r) => r.batch === null);
const withoutTime = (records: readonly MetricRecord[]): Record<string, number | null>[] => records.map(({ time: _t, ...rest }) => rest);

/** Rewrites the model file with `change` applied to its spec. */
function edit(tiny: TinyModel, change: (spec: ModelSpec) => ModelSpec): void {
  writeFileSync(tiny.modelFile, `${JSON.stringify(change(tiny.spec), null, 2)}\n`);
}

describe('Continue with Changes', function () {
  const workspaces: TinyModel[] = [];
  const tiny = (epochs: number): TinyModel => {
    const model = writeTinyModel({ rows: 90, training: { epochs, seed: 3 } });
    workspaces.push(model);
    return model;
  };
  after(() => workspaces.forEach((w) => w.workspace.remove()));

  it('2 epochs, then 2 more unchanged: a new run whose epochs are the uninterrupted 4-epoch run’s epochs 3 and 4, record for record', async () => {
    const uninterrupted = await readMetrics(done((await run(tiny(4))).outcome).runDir);
    const model = tiny(2);
    const parent = done((await run(model)).outcome);
    const child = done((await run(model, { continueRunDir: parent.runDir })).outcome);

    assert.notEqual(child.runDir, parent.runDir);
    assert.deepEqual(child.run.parent, { id: parent.run.id, epochs: 2 });
    assert.deepEqual((await readRun(child.runDir)).parent, { id: parent.run.id, epochs: 2 });
    assert.equal(child.run.epochs, 2);
    const childRecords = await readMetrics(child.runDir);
    assert.deepEqual(
      epochRecords(childRecords).map((r) => r.epoch),
      [1, 2],
    );
    // Not a fresh start: the child's first epoch is where the parent left off, far below a fresh epoch 1.
    const parentLast = epochRecords(await readMetrics(parent.runDir)).at(-1) as MetricRecord;
    const childFirst = epochRecords(childRecords)[0];
    const freshFirst = epochRecords(uninterrupted)[0];
    assert.ok(
      childFirst.loss < parentLast.loss * 1.1 && childFirst.loss < freshFirst.loss * 0.9,
      JSON.stringify({ childFirst, parentLast }),
    );
    // Weights, Adam's moments and step count, and the shuffles all carried over: the same numbers as never stopping.
    const later = uninterrupted.filter((r) => r.epoch > 2).map((r) => ({ ...r, epoch: r.epoch - 2 }));
    assert.deepEqual(withoutTime(childRecords), withoutTime(later));
    // The parent is untouched.
    assert.equal((await readRun(parent.runDir)).status, 'completed');
  });

  it('uses the file’s new learning rate, its schedule counted from the parent’s epochs', async () => {
    const model = tiny(2);
    const parent = done((await run(model)).outcome);
    edit(model, (spec) => ({
      ...spec,
      training: { ...spec.training, epochs: 3, learningRate: 0.002, learningRateSchedule: { type: 'step', every: 2, factor: 0.5 } },
    }));
    const child = done((await run(model, { continueRunDir: parent.runDir })).outcome);
    assert.equal(child.run.epochs, 3);
    // Overall epochs 3, 4, 5: the step schedule's second and third steps.
    assert.deepEqual(
      epochRecords(await readMetrics(child.runDir)).map((r) => r.lr),
      [0.001, 0.001, 0.0005],
    );
  });

  it('refuses a model whose layers changed, naming the layer, before any run folder is made', async () => {
    const model = tiny(1);
    const parent = done((await run(model)).outcome);
    edit(model, (spec) => ({
      ...spec,
      model: {
        layers: [
          { type: 'dense', units: 16, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
    }));
    const { outcome, messages } = await run(model, { continueRunDir: parent.runDir });
    assert.equal(outcome.type, 'error');
    assert.ok(outcome.type === 'error');
    assert.match(outcome.message, new RegExp(`cannot continue from run ${parent.run.id}: the model's layers changed`));
    assert.match(outcome.message, /dense_1\/kernel was \[4, 8\] in run .* and is \[4, 16\] now/);
    assert.ok(!messages.some((m) => m.type === 'runStarted'));
    // Run folders only: the runs index (index.jsonl) sits beside them.
    assert.deepEqual(
      readdirSync(model.runsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name),
      [parent.run.id],
    );
  });

  it('keeps the weights and starts the optimizer afresh when the optimizer changed, saying so', async () => {
    const model = tiny(2);
    const parent = done((await run(model)).outcome);
    edit(model, (spec) => ({ ...spec, training: { ...spec.training, optimizer: 'sgd', learningRate: 0.05 } }));
    const { outcome, messages } = await run(model, { continueRunDir: parent.runDir });
    const child = done(outcome);
    assert.ok(messages.some((m) => m.type === 'log' && m.level === 'warn' && /optimizer changed from Adam to SGD/.test(m.message)));
    const parentLast = epochRecords(await readMetrics(parent.runDir)).at(-1) as MetricRecord;
    const childFirst = epochRecords(await readMetrics(child.runDir))[0];
    assert.ok(
      childFirst.loss < parentLast.loss * 1.2,
      `child ${childFirst.loss} vs parent ${parentLast.loss}: the weights did not carry over`,
    );
  });

  it('refuses a running or failed run, and one cross-validated', async () => {
    const { whyNotContinuable } = await import('../../src/runFolder/continueFrom');
    const base = { epochs: 2, epochsDone: 2 } as const;
    assert.match(whyNotContinuable({ ...base, status: 'running' } as never) ?? '', /still running/);
    assert.match(whyNotContinuable({ ...base, status: 'failed' } as never) ?? '', /failed/);
    assert.match(whyNotContinuable({ ...base, status: 'completed', crossValidation: { foldCount: 3, folds: [] } } as never) ?? '', /folds/);
    assert.equal(whyNotContinuable({ ...base, status: 'stopped' } as never), undefined);
  });
});
