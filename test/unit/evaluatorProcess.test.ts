import * as assert from 'node:assert/strict';
import type { EvaluationProgress } from '../../src/protocol/evaluationTypes';
import { EvaluatorError, startEvaluation, startExport } from '../../src/host/evaluatorProcess';
import { evaluateRun } from '../../src/trainer/evaluate';
import { readEvaluations } from '../../src/runFolder/evaluationFile';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

describe('evaluation in the trainer process (dist/trainer.js)', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let runDir: string;
  before(async () => {
    testBundles();
    tiny = writeTinyModel();
    const outcome = await train(
      { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu' },
      { onMessage: () => undefined },
    );
    assert.equal(outcome.type, 'done');
    runDir = outcome.runDir;
  });
  after(() => tiny.workspace.remove());

  const options = (progress: EvaluationProgress[] = []) => ({
    trainerPath: testBundles().trainer,
    onProgress: (p: EvaluationProgress) => progress.push(p),
    onStderr: (text: string) => process.stderr.write(`[trainer] ${text}`),
  });

  it('gives the same numbers as evaluateRun in this process, with progress, and writes evaluation.json', async () => {
    const progress: EvaluationProgress[] = [];
    const request = { runDir, workspaceRoot: tiny.workspace.root, backend: 'cpu' as const };
    const remote = await startEvaluation(request, options(progress)).result;
    const local = await evaluateRun(request);
    assert.deepEqual(remote.result, local.result);
    assert.equal(remote.loss, local.loss);
    assert.deepEqual(remote.worst, local.worst);
    assert.deepEqual(progress.map((p) => p.phase)[0], 'loading');
    assert.ok(progress.some((p) => p.phase === 'predicting' && p.done === p.total && p.total === 10));
    assert.deepEqual(
      (await readEvaluations(runDir)).map((e) => e.id),
      [remote.id, local.id],
    );
  });

  it('cancel() stops it: rejected as cancelled, nothing written', async () => {
    const before = (await readEvaluations(runDir)).length;
    const task = startEvaluation({ runDir, workspaceRoot: tiny.workspace.root, backend: 'cpu' }, options());
    task.cancel();
    await assert.rejects(task.result, (e: unknown) => e instanceof EvaluatorError && e.cancelled);
    assert.equal((await readEvaluations(runDir)).length, before);
  });

  it('a problem with the data is reported in one line naming the file', async () => {
    tiny.workspace.write('bad.csv', 'a,b,c,label\n1,2,3,class0\n');
    const task = startEvaluation(
      { runDir, workspaceRoot: tiny.workspace.root, data: tiny.workspace.file('bad.csv'), backend: 'cpu' },
      options(),
    );
    await assert.rejects(
      task.result,
      (e: unknown) => e instanceof EvaluatorError && !e.cancelled && /bad\.csv:1: lacks "d"/.test(e.message),
    );
  });

  it('exports with the parity check', async () => {
    const result = await startExport(
      { runDir, outDir: tiny.workspace.file('export'), workspaceRoot: tiny.workspace.root, backend: 'cpu' },
      options(),
    ).result;
    assert.ok(result.parity && result.parity.maxAbsDifference <= 1e-6);
    assert.equal(result.files.length, 3);
  });
});
