import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { FoldMetrics, RunInfo } from '../../src/protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../../src/protocol/trainerMessages';
import { describeCrossValidation, foldDir, foldMetrics, listFolds, summarizeFolds } from '../../src/runFolder/crossValidation';
import { listRuns, readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

interface Trained {
  readonly messages: TrainerToHost[];
  readonly outcome: TrainOutcome;
}

async function trainTiny(
  tiny: TinyModel,
  overrides: Partial<TrainRequest> = {},
  stopWhen?: (m: TrainerToHost) => boolean,
): Promise<Trained> {
  const messages: TrainerToHost[] = [];
  const stop = new AbortController();
  const request: TrainRequest = {
    modelFile: tiny.modelFile,
    workspaceRoot: tiny.workspace.root,
    runsDir: tiny.runsDir,
    backend: 'cpu',
    ...overrides,
  };
  const outcome = await train(
    request,
    {
      onMessage: (message) => {
        messages.push(message);
        if (stopWhen?.(message)) stop.abort();
      },
    },
    stop.signal,
  );
  return { messages, outcome };
}

function doneRun(outcome: TrainOutcome): { runDir: string; run: RunInfo } {
  assert.equal(outcome.type, 'done', outcome.type === 'error' ? outcome.message : '');
  if (outcome.type !== 'done') throw new Error('unreachable');
  return outcome;
}

describe('summarizeFolds', () => {
  it('gives the mean and the sample standard deviation of each metric every fold has', () => {
    const folds: FoldMetrics[] = [
      { val_loss: 1, val_accuracy: 0.5, test_loss: 2 },
      { val_loss: 2, val_accuracy: 0.7 },
      { val_loss: 3, val_accuracy: 0.9 },
    ];
    const { mean, std } = summarizeFolds(folds);
    assert.deepEqual(Object.keys(mean), ['val_loss', 'val_accuracy']);
    assert.equal(mean.val_loss, 2);
    assert.equal(std.val_loss, 1); // sqrt(((1-2)² + 0 + (3-2)²) / (3 - 1))
    assert.ok(Math.abs(mean.val_accuracy - 0.7) < 1e-12);
    assert.ok(Math.abs(std.val_accuracy - 0.2) < 1e-12);
    assert.deepEqual(summarizeFolds([{ val_loss: 4 }]), { mean: { val_loss: 4 }, std: { val_loss: 0 } });
  });

  it("describes a cross-validated run by its main validation metric's mean ± std, or the fold it is at", () => {
    const run = {
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:01:05Z',
      backend: 'cpu',
      crossValidation: {
        foldCount: 5,
        folds: [],
        mean: { val_loss: 0.3, val_accuracy: 0.912 },
        std: { val_loss: 0.01, val_accuracy: 0.013 },
      },
    } as unknown as RunInfo;
    assert.equal(describeCrossValidation(run, 0), 'val_accuracy 91.2% ± 1.3% · 5 folds · 1:05 · cpu');
    const regression = {
      ...run,
      crossValidation: { foldCount: 5, folds: [], mean: { val_mae: 2, val_loss: 4 }, std: { val_mae: 1, val_loss: 1 } },
    };
    assert.match(describeCrossValidation(regression, 0), /^val_loss 4\.000 ± 1\.000 · 5 folds/);
    const going = { ...run, crossValidation: { foldCount: 5, folds: [{ val_loss: 1 }] } };
    assert.match(describeCrossValidation(going, 0), /^fold 2\/5 · /);
  });

  it('names test metrics test_<name> in a fold result', () => {
    const run = { validation: { val_loss: 0.5 }, test: { loss: 0.6, accuracy: 0.9 } } as unknown as RunInfo;
    assert.deepEqual(foldMetrics(run), { val_loss: 0.5, test_loss: 0.6, test_accuracy: 0.9 });
  });
});

describe('cross-validated training', function () {
  this.timeout(120_000);
  const cleanup: TinyModel[] = [];
  const tiny = (): TinyModel => {
    // 50 rows: 10 test, the other 40 in 3 folds of 14, 13 and 13.
    const model = writeTinyModel({ training: { crossValidation: { folds: 3 } } });
    cleanup.push(model);
    return model;
  };
  after(() => cleanup.forEach((model) => model.workspace.remove()));

  let model: TinyModel;
  let result: Trained;
  before(async () => {
    model = tiny();
    result = await trainTiny(model);
  });

  it('writes one parent run with its folds as ordinary run folders in folds/1..3', async () => {
    const { runDir, run } = doneRun(result.outcome);
    assert.equal(run.status, 'completed');
    assert.deepEqual(
      (await listRuns(model.runsDir)).map((entry) => entry.runDir),
      [runDir],
      'the folds are not runs of their own in the runs folder',
    );
    assert.deepEqual(readdirSync(runDir).sort(), ['folds', 'run.json', 'spec.json']);
    assert.deepEqual(readdirSync(path.join(runDir, 'folds')).sort(), ['1', '2', '3']);
    for (const fold of [1, 2, 3]) {
      const dir = foldDir(runDir, fold);
      for (const file of ['run.json', 'spec.json', 'metrics.jsonl', 'normalization.json', 'model', 'checkpoints']) {
        assert.ok(existsSync(path.join(dir, file)), `fold ${fold}: ${file}`);
      }
      const foldRun = await readRun(dir);
      assert.equal(foldRun.status, 'completed');
      assert.equal(foldRun.id, `${run.id}-fold${fold}`);
      assert.equal((await readMetrics(dir)).filter((r) => r.batch === null).length, 2);
    }
    assert.deepEqual(await readRun(runDir), run);
  });

  it('trains each fold on the other folds: the test split held out, every other example trains k-1 times', async () => {
    const { runDir } = doneRun(result.outcome);
    const folds = await listFolds(runDir, 3);
    const trainCounts = folds.map((fold) => fold.run.trainSamples);
    assert.deepEqual([...trainCounts].sort(), [26, 27, 27]);
    assert.equal(
      trainCounts.reduce((a, b) => a + b, 0),
      2 * 40,
    );
    for (const fold of folds) assert.deepEqual(Object.keys(fold.run.test ?? {}), ['loss', 'accuracy']);
  });

  it("sums up the folds: each fold's final validation and test metrics, their mean and sample std", async () => {
    const { runDir, run } = doneRun(result.outcome);
    const folds = await listFolds(runDir, 3);
    const cv = run.crossValidation;
    assert.ok(cv);
    assert.equal(cv.foldCount, 3);
    assert.deepEqual(
      cv.folds,
      folds.map((fold) => foldMetrics(fold.run)),
    );
    assert.deepEqual(Object.keys(cv.folds[0]).sort(), ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss']);
    // No restoreBestWeights: the validation metrics are those of each fold's last epoch record.
    for (const fold of folds) {
      const last = (await readMetrics(fold.runDir)).filter((r) => r.batch === null).pop();
      assert.equal(fold.run.validation?.val_loss, last?.val_loss);
    }
    assert.deepEqual({ mean: cv.mean, std: cv.std }, summarizeFolds(cv.folds));
  });

  it('says which fold each message is of; the parent starts with fold 1 and is done after fold 3', () => {
    const shape = result.messages
      .filter((m) => m.type === 'runStarted' || m.type === 'done')
      .map((m) => `${m.type}${'fold' in m && m.fold !== undefined ? ` ${m.fold}` : ''}`);
    assert.deepEqual(shape, ['runStarted', 'runStarted 1', 'done 1', 'runStarted 2', 'done 2', 'runStarted 3', 'done 3', 'done']);
    const metricFolds = new Set(result.messages.flatMap((m) => (m.type === 'metrics' ? [m.fold] : [])));
    assert.deepEqual([...metricFolds], [1, 2, 3]);
  });

  it('trains once where the request says crossValidation: false (a sweep trial)', async () => {
    const once = await trainTiny(tiny(), { crossValidation: false });
    const { runDir, run } = doneRun(once.outcome);
    assert.equal(run.crossValidation, undefined);
    assert.ok(existsSync(path.join(runDir, 'model')));
    assert.ok(!once.messages.some((m) => 'fold' in m && m.fold !== undefined));
  });

  it('stopped in fold 2, ends stopped; Resume continues fold 2 and trains fold 3, to the uninterrupted result', async () => {
    const stopped = await trainTiny(
      tiny(),
      {},
      (m) => m.type === 'metrics' && m.fold === 2 && m.record.epoch === 1 && m.record.batch === null,
    );
    const { runDir, run } = doneRun(stopped.outcome);
    assert.equal(run.status, 'stopped');
    assert.equal(run.crossValidation?.folds.length, 1);
    assert.equal((await readRun(foldDir(runDir, 2))).status, 'stopped');
    assert.ok(!existsSync(foldDir(runDir, 3)));

    const resumed = await trainTiny(tiny(), { runsDir: path.dirname(runDir), resumeRunDir: runDir });
    const final = doneRun(resumed.outcome);
    assert.equal(final.runDir, runDir);
    assert.equal(final.run.status, 'completed');
    assert.equal(final.run.id, run.id);
    const second = await readRun(foldDir(runDir, 2));
    assert.ok(second.resumedAt, 'fold 2 was resumed, not restarted');
    assert.equal((await readMetrics(foldDir(runDir, 2))).filter((r) => r.batch === null).length, 2);
    const whole = doneRun(result.outcome).run.crossValidation;
    assert.deepEqual(final.run.crossValidation, whole);
  });

  it('a stopped fold that cannot go on (the data changed) refuses to resume and leaves the run stopped', async () => {
    const model = tiny();
    const stopped = await trainTiny(model, {}, (m) => m.type === 'metrics' && m.fold === 2 && m.record.batch === 0);
    const { runDir } = doneRun(stopped.outcome);
    appendFileSync(model.workspace.file('train.csv'), '0,2,0,0,class0\n0.1,2,0,0,class0\n0.2,2,0,0,class0\n');
    const refused = await trainTiny(model, { runsDir: path.dirname(runDir), resumeRunDir: runDir });
    assert.equal(refused.outcome.type, 'error');
    assert.match(
      refused.outcome.type === 'error' ? refused.outcome.message : '',
      /cannot resume run \S+-fold2: the training data now gives/,
    );
    assert.equal((await readRun(runDir)).status, 'stopped');
    assert.equal((await readRun(foldDir(runDir, 2))).status, 'stopped');
  });

  it('refuses to start with more folds than a class has examples, creating no run folder', async () => {
    const few = writeTinyModel({ rows: 12, training: { crossValidation: { folds: 5 } } });
    cleanup.push(few);
    const refused = await trainTiny(few);
    assert.equal(refused.outcome.type, 'error');
    assert.match(
      refused.outcome.type === 'error' ? refused.outcome.message : '',
      /training\.crossValidation\.folds: class "class\d" has \d examples/,
    );
    assert.deepEqual(await listRuns(few.runsDir), []);
    assert.ok(!existsSync(few.runsDir) || readdirSync(few.runsDir).length === 0);
  });
});
