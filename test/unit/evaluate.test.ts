import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../src/data/dataError';
import { isEvaluationFile } from '../../src/protocol/evaluationGuards';
import type { ClassificationResult, Evaluation, RegressionResult } from '../../src/protocol/evaluationTypes';
import { listRuns, newestFinishedRun } from '../../src/runFolder/readRunFolder';
import { EvaluationCancelled, evaluateRun, worstExamples } from '../../src/trainer/evaluate';
import { appendEvaluation, readEvaluations } from '../../src/runFolder/evaluationFile';
import { evaluationSummary, formatEvaluation } from '../../src/trainer/evaluationReport';
import { predictRun } from '../../src/trainer/predict';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { writeHandMadeRun } from '../fixtures/handMadeRun';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const close = (actual: number | null, expected: number, tolerance = 1e-9): void =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected} (±${tolerance})`);

function classification(evaluation: Evaluation): ClassificationResult {
  assert.equal(evaluation.result.kind, 'classification');
  return evaluation.result as ClassificationResult;
}

const repo = path.resolve(__dirname, '../..');

describe('evaluateRun', function () {
  this.timeout(60_000);

  describe('on models whose predictions are set by hand', () => {
    let workspace: TempWorkspace;
    // Identity kernel × 10 + softmax: the predicted class is the feature that is 1.
    const identity = [
      [10, 0, 0],
      [0, 10, 0],
      [0, 0, 10],
    ];
    const threeClasses = {
      task: 'classification' as const,
      loss: 'sparseCategoricalCrossentropy',
      train: { path: 'train.csv', label: 'label' },
      test: { path: 'test.csv', label: 'label' },
      kernel: identity,
      activation: 'softmax' as const,
      classes: ['a', 'b', 'c'],
      featureNames: ['f0', 'f1', 'f2'],
    };
    before(() => {
      workspace = tempWorkspace({
        'train.csv': 'f0,f1,f2,label\n1,0,0,a\n0,1,0,b\n0,0,1,c\n',
        // True a a b b c c, predicted a b b b a a: class c is never predicted.
        'test.csv': 'f0,f1,f2,label\n1,0,0,a\n0,1,0,a\n0,1,0,b\n0,1,0,b\n1,0,0,c\n1,0,0,c\n',
        // One class only: b b, predicted b a.
        'only-b.csv': 'f0,f1,f2,label\n0,1,0,b\n1,0,0,b\n',
        // The columns in another order; the label first.
        'reordered.csv': 'label,f2,f0,f1\na,0,1,0\nc,1,0,0\n',
        'missing-column.csv': 'f0,f1,label\n1,0,a\n',
        'unknown-class.csv': 'f0,f1,f2,label\n1,0,0,a\n0,1,0,zebra\n',
        'binary.csv': 'z,label\n0,neg\n1,pos\n',
        'regression.csv': 'x,y\n1,2\n2,4\n3,7\n4,7\n',
        'digits-images-idx3-ubyte': buildIdxImages(4, 2, 2, { pixel: (image, p) => (p === image % 4 ? 255 : 0) }),
        'digits-labels-idx1-ubyte': buildIdxLabels([0, 1, 3, 3]),
      });
    });
    after(() => workspace.remove());

    it('a class that is never predicted: confusion matrix, per-class and averaged scores, top-k, loss, worst rows', async () => {
      const runDir = await writeHandMadeRun(workspace, 'three', threeClasses);
      const evaluation = await evaluateRun({ runDir, workspaceRoot: workspace.root, backend: 'cpu' });
      const result = classification(evaluation);
      assert.equal(evaluation.count, 6);
      assert.equal(evaluation.dataset.kind, 'testSource');
      assert.deepEqual(result.confusion, [
        [1, 1, 0],
        [0, 2, 0],
        [2, 0, 0],
      ]);
      close(result.accuracy, 0.5);
      // a: tp 1 of 3 predicted, 2 true → P 1/3, R 1/2, F1 0.4; b: P 2/3, R 1, F1 0.8; c: never predicted → 0, 0, 0.
      const expected = [
        [1 / 3, 0.5, 0.4, 2],
        [2 / 3, 1, 0.8, 2],
        [0, 0, 0, 2],
      ];
      result.perClass.forEach((m, c) => {
        close(m.precision, expected[c][0]);
        close(m.recall, expected[c][1]);
        close(m.f1, expected[c][2]);
        assert.equal(m.support, expected[c][3]);
      });
      close(result.macro.precision, 1 / 3);
      close(result.macro.recall, 0.5);
      close(result.macro.f1, 0.4);
      close(result.weighted.f1, 0.4); // equal supports: weighted = macro
      // Top-2: every true class is first or tied second (the two 0 logits tie, ties count for the label).
      assert.deepEqual(result.topK, [{ k: 2, accuracy: 1 }]);
      assert.equal(result.binary, undefined);
      // Right rows: −ln(e¹⁰ / (e¹⁰ + 2)); wrong rows: −ln(1 / (e¹⁰ + 2)); three of each.
      const right = Math.log1p(2 * Math.exp(-10));
      const wrong = Math.log(Math.exp(10) + 2);
      close(evaluation.loss, (3 * right + 3 * wrong) / 6, 1e-4);
      // The three wrong rows first (equal losses keep file order), each with its line (header is line 1).
      assert.deepEqual(
        evaluation.worst.slice(0, 3).map((w) => [w.source.line, w.actual, w.predicted]),
        [
          [3, 'a', 'b'],
          [6, 'c', 'a'],
          [7, 'c', 'a'],
        ],
      );
      assert.equal(evaluation.worst[0].source.file, workspace.file('test.csv'));
      close(evaluation.worst[0].loss, wrong, 1e-3);
      close(evaluation.worst[0].trueClassProbability ?? NaN, 1 / (Math.exp(10) + 2), 1e-6);
      assert.equal(evaluation.worst.length, 6);
      assert.ok(evaluation.worst.every((w, i) => i === 0 || w.loss <= evaluation.worst[i - 1].loss));
    });

    it('a data set that holds a single class', async () => {
      const runDir = await writeHandMadeRun(workspace, 'single', threeClasses);
      const evaluation = await evaluateRun({ runDir, workspaceRoot: workspace.root, data: workspace.file('only-b.csv'), backend: 'cpu' });
      const result = classification(evaluation);
      assert.equal(evaluation.dataset.kind, 'file');
      assert.deepEqual(result.confusion, [
        [0, 0, 0],
        [1, 1, 0],
        [0, 0, 0],
      ]);
      close(result.accuracy, 0.5);
      // a: predicted once, never right, no support → 0 / 0 / 0; b: P 1, R 1/2, F1 2/3.
      assert.deepEqual(
        result.perClass.map((m) => m.support),
        [0, 2, 0],
      );
      close(result.perClass[1].precision, 1);
      close(result.perClass[1].recall, 0.5);
      close(result.perClass[1].f1, 2 / 3);
      close(result.macro.f1, 2 / 9);
      close(result.weighted.f1, 2 / 3);
    });

    it('binary: a one-unit sigmoid output gives ROC and PR curves with AUC', async () => {
      // Scores 0.1, 0.4, 0.35, 0.8 for labels neg, neg, pos, pos: scikit-learn's example, AUC 0.75, AP 0.8333.
      const scores = [0.1, 0.4, 0.35, 0.8];
      const logit = (p: number): number => Math.log(p / (1 - p));
      workspace.write('scores.csv', `z,label\n${scores.map((p, i) => `${logit(p)},${i < 2 ? 'neg' : 'pos'}`).join('\n')}\n`);
      const runDir = await writeHandMadeRun(workspace, 'binary', {
        task: 'classification',
        loss: 'binaryCrossentropy',
        train: { path: 'binary.csv', label: 'label' },
        test: { path: 'scores.csv', label: 'label' },
        kernel: [[1]],
        activation: 'sigmoid',
        classes: ['neg', 'pos'],
        featureNames: ['z'],
      });
      const evaluation = await evaluateRun({ runDir, workspaceRoot: workspace.root, backend: 'cpu' });
      const result = classification(evaluation);
      // Threshold 0.5: neg rows → neg, neg; pos rows → neg (0.35), pos.
      assert.deepEqual(result.confusion, [
        [2, 0],
        [1, 1],
      ]);
      assert.deepEqual(result.topK, []);
      assert.ok(result.binary);
      assert.equal(result.binary.positiveClass, 'pos');
      close(result.binary.rocAuc, 0.75, 1e-12);
      close(result.binary.averagePrecision, 5 / 6, 1e-12);
      const bce = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4;
      close(evaluation.loss, bce, 1e-5);
      close(evaluation.worst[0].trueClassProbability ?? NaN, 0.35, 1e-6);
    });

    it("regression: errors in the target's units, the loss on normalised targets as in training", async () => {
      // Normalised output x − 2.5, target statistics offset 5 and divisor 2: predictions 2x = 2, 4, 6, 8.
      const runDir = await writeHandMadeRun(workspace, 'regression', {
        task: 'regression',
        loss: 'meanSquaredError',
        train: { path: 'regression.csv', label: 'y' },
        testSplit: 0.99,
        kernel: [[1]],
        bias: [-2.5],
        activation: 'linear',
        featureNames: ['x'],
        target: { method: 'standard', offset: [5], divisor: [2] },
      });
      // testSplit 0.99 of 4 rows holds out all four (the seed only orders them).
      const evaluation = await evaluateRun({
        runDir,
        workspaceRoot: workspace.root,
        data: workspace.file('regression.csv'),
        backend: 'cpu',
      });
      const result = evaluation.result as RegressionResult;
      assert.equal(result.kind, 'regression');
      // Errors 0, 0, −1, 1: MSE 0.5, MAE 0.5; targets' mean 5, Σ(y − ȳ)² = 18 → R² = 1 − 2/18.
      close(result.mse, 0.5, 1e-6);
      close(result.rmse, Math.sqrt(0.5), 1e-6);
      close(result.mae, 0.5, 1e-6);
      close(result.r2, 1 - 2 / 18, 1e-6);
      close(evaluation.loss, 0.125, 1e-6); // normalised errors ±0.5
      assert.deepEqual(
        result.scatter.map((p) => [p.x, Math.round(p.y * 1e4) / 1e4]),
        [
          [2, 2],
          [4, 4],
          [7, 6],
          [7, 8],
        ],
      );
      assert.equal(
        result.residuals.counts.reduce((a, b) => a + b, 0),
        4,
      );
      assert.deepEqual(
        evaluation.worst.slice(0, 2).map((w) => [w.source.line, w.actual, Math.round(Number(w.predicted))]),
        [
          [4, 7, 6],
          [5, 7, 8],
        ],
      );
      close(evaluation.worst[0].loss, 1, 1e-6);
    });

    it('IDX images: the labels file is found by name, the worst rows carry their image and index', async () => {
      // 2×2 images, pixel image % 4 lit; kernel maps pixel p to class p (3 classes, pixel 3 → class 0 wrongly... see below).
      const runDir = await writeHandMadeRun(workspace, 'idx', {
        task: 'classification',
        loss: 'sparseCategoricalCrossentropy',
        train: { images: 'digits-images-idx3-ubyte', labels: 'digits-labels-idx1-ubyte' },
        kernel: [
          [10, 0, 0, 0],
          [0, 10, 0, 0],
          [0, 0, 10, 0],
          [0, 0, 0, 10],
        ],
        activation: 'softmax',
        classes: ['0', '1', '2', '3'],
        featureShape: [2, 2],
        features: { method: 'scale', offset: [0], divisor: [255] },
      });
      const evaluation = await evaluateRun({
        runDir,
        workspaceRoot: workspace.root,
        data: workspace.file('digits-images-idx3-ubyte'),
        backend: 'cpu',
      });
      const result = classification(evaluation);
      // Image i lights pixel i: predictions 0, 1, 2, 3 for labels 0, 1, 3, 3.
      assert.deepEqual(result.confusion, [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 1, 1],
      ]);
      assert.deepEqual(evaluation.dataset.files, [workspace.file('digits-images-idx3-ubyte'), workspace.file('digits-labels-idx1-ubyte')]);
      const worst = evaluation.worst[0];
      assert.deepEqual([worst.source.index, worst.source.line, worst.actual, worst.predicted], [2, undefined, '3', '2']);
      assert.ok(worst.image);
      assert.deepEqual([...Buffer.from(worst.image.pixels, 'base64')], [0, 0, 255, 0]);
      assert.deepEqual([worst.image.width, worst.image.height, worst.image.channels], [2, 2, 1]);
      assert.match(evaluation.dataset.sha256, /^[0-9a-f]{64}$/);
    });

    it('another table with the same columns in another order', async () => {
      const runDir = await writeHandMadeRun(workspace, 'reordered', threeClasses);
      const evaluation = await evaluateRun({
        runDir,
        workspaceRoot: workspace.root,
        data: workspace.file('reordered.csv'),
        backend: 'cpu',
      });
      assert.deepEqual(classification(evaluation).confusion, [
        [1, 0, 0],
        [0, 0, 0],
        [0, 0, 1],
      ]);
    });

    it("appends each evaluation to evaluation.json, with the data set's path and hash", async () => {
      const runDir = await writeHandMadeRun(workspace, 'appended', threeClasses);
      const first = await evaluateRun({ runDir, workspaceRoot: workspace.root, backend: 'cpu' });
      const second = await evaluateRun({ runDir, workspaceRoot: workspace.root, data: workspace.file('only-b.csv'), backend: 'cpu' });
      const file: unknown = JSON.parse(readFileSync(path.join(runDir, 'evaluation.json'), 'utf8'));
      assert.ok(isEvaluationFile(file));
      assert.deepEqual(
        file.evaluations.map((e) => e.id),
        [first.id, second.id],
      );
      assert.notEqual(first.id, second.id);
      assert.deepEqual(
        file.evaluations.map((e) => e.dataset.files),
        [[workspace.file('test.csv')], [workspace.file('only-b.csv')]],
      );
      assert.notEqual(first.dataset.sha256, second.dataset.sha256);
      assert.deepEqual(await readEvaluations(runDir), file.evaluations);
    });

    it('evaluations appended at the same moment all land; a lock left by a dead process is taken over', async () => {
      const runDir = await writeHandMadeRun(workspace, 'concurrent', threeClasses);
      const evaluation = await evaluateRun({ runDir, workspaceRoot: workspace.root, backend: 'cpu' });
      const ids = Array.from({ length: 8 }, (_, i) => `concurrent-${i}`);
      await Promise.all(ids.map((id) => appendEvaluation(runDir, { ...evaluation, id })));
      assert.deepEqual((await readEvaluations(runDir)).map((e) => e.id).sort(), [evaluation.id, ...ids].sort());
      assert.ok(!existsSync(path.join(runDir, 'evaluation.json.lock')));

      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(path.join(runDir, 'evaluation.json.lock'), dead.stdout);
      await appendEvaluation(runDir, { ...evaluation, id: 'after-a-dead-lock' });
      assert.equal((await readEvaluations(runDir)).at(-1)?.id, 'after-a-dead-lock');
    });

    it('says what is wrong with a data file, naming it', async () => {
      const runDir = await writeHandMadeRun(workspace, 'errors', threeClasses);
      const attempt = (data: string) => evaluateRun({ runDir, workspaceRoot: workspace.root, data: workspace.file(data), backend: 'cpu' });
      await assert.rejects(
        attempt('missing-column.csv'),
        (e: unknown) => e instanceof DataError && /missing-column\.csv:1: lacks "f2"/.test(e.message),
      );
      await assert.rejects(
        attempt('unknown-class.csv'),
        (e: unknown) =>
          e instanceof DataError && /unknown-class\.csv: example 2 has class "zebra", which the model was not trained on/.test(e.message),
      );
      await assert.rejects(
        attempt('digits-images-idx3-ubyte'),
        (e: unknown) => e instanceof DataError && /is an IDX file, but the model was trained on a table/.test(e.message),
      );
      await assert.rejects(
        attempt('nowhere.csv'),
        (e: unknown) => e instanceof DataError && /nowhere\.csv: data file not found/.test(e.message),
      );
      const noTest = await writeHandMadeRun(workspace, 'no-test', { ...threeClasses, test: undefined });
      await assert.rejects(evaluateRun({ runDir: noTest, workspaceRoot: workspace.root, backend: 'cpu' }), /the run has no test data/);
      assert.deepEqual(await readEvaluations(runDir), []);
    });

    it('stops when cancelled, writing nothing', async () => {
      const runDir = await writeHandMadeRun(workspace, 'cancelled', threeClasses);
      const stop = new AbortController();
      await assert.rejects(
        evaluateRun(
          { runDir, workspaceRoot: workspace.root, backend: 'cpu' },
          { onProgress: (p) => p.phase === 'predicting' && stop.abort() },
          stop.signal,
        ),
        EvaluationCancelled,
      );
      assert.deepEqual(await readEvaluations(runDir), []);
    });
  });

  it('worstExamples: highest first, ties in order', () => {
    assert.deepEqual(worstExamples([0.1, 3, 0.5, 3, 2], 3), [1, 3, 4]);
  });

  describe('on a trained run (tiny model, 10 test rows held out by testSplit)', () => {
    let tiny: TinyModel;
    let runDir: string;
    let testAccuracy: number;
    let testLoss: number;
    before(async () => {
      tiny = writeTinyModel();
      const outcome = await train(
        { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu' },
        { onMessage: () => undefined },
      );
      assert.equal(outcome.type, 'done');
      runDir = outcome.runDir;
      testAccuracy = outcome.run.test?.accuracy ?? NaN;
      testLoss = outcome.run.test?.loss ?? NaN;
    });
    after(() => tiny.workspace.remove());

    it("gives run.json's test accuracy and loss on the same held-out rows; the matrix sums to the test size", async () => {
      const evaluation = await evaluateRun({ runDir, workspaceRoot: tiny.workspace.root, backend: 'cpu' });
      const result = classification(evaluation);
      assert.equal(evaluation.dataset.kind, 'testSplit');
      assert.equal(evaluation.count, 10);
      assert.equal(
        result.confusion.flat().reduce((a, b) => a + b, 0),
        10,
      );
      close(result.accuracy, testAccuracy, 1e-6);
      close(evaluation.loss, testLoss, 1e-5);
      // The line of each worst row holds that row: its label is the one reported.
      const lines = readFileSync(tiny.workspace.file('train.csv'), 'utf8').split('\n');
      for (const w of evaluation.worst) assert.equal(lines[(w.source.line ?? 0) - 1].split(',').pop(), w.actual);
      assert.ok(formatEvaluation(evaluation).some((line) => /^accuracy\s/.test(line)));
    });

    it('CLI: `evaluate <model-file> --json` prints the same accuracy, from the newest finished run', () => {
      const result = spawnSync(process.execPath, [testBundles().cli, 'evaluate', 'tiny.model.json', '--json', '--backend', 'cpu'], {
        cwd: tiny.workspace.root,
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const last = lines[lines.length - 1] as { type: string; runDir: string; metrics: Record<string, number>; evaluation: Evaluation };
      assert.equal(last.type, 'result');
      assert.equal(last.runDir, runDir);
      close(last.metrics.accuracy, testAccuracy, 1e-6);
      assert.deepEqual(last.metrics, evaluationSummary(last.evaluation));
      assert.ok(lines.some((l) => l.type === 'progress' && l.phase === 'predicting'));
    });

    it('CLI: bad usage of evaluate and predict exits 2', () => {
      for (const args of [
        ['evaluate'],
        ['predict', runDir],
        ['predict', 'tiny.model.json', '--input', 'train.csv'],
        ['evaluate', runDir, '--input', 'x.csv'],
        ['export', runDir],
      ]) {
        const result = spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: tiny.workspace.root, encoding: 'utf8' });
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      }
    });

    it('predict: a class and probabilities per row of a CSV, label column or not', async () => {
      tiny.workspace.write('new.csv', 'd,c,b,a\n0.2,0,2,0\n0.4,1,1,1\n0.6,2.5,0,2\n');
      const result = await predictRun({ runDir, input: tiny.workspace.file('new.csv'), backend: 'cpu' });
      assert.equal(result.task, 'classification');
      assert.deepEqual(result.classes, ['class0', 'class1', 'class2']);
      assert.deepEqual(
        result.predictions.map((p) => p.line),
        [2, 3, 4],
      );
      for (const p of result.predictions) {
        const probabilities = p.probabilities ?? [];
        close(
          probabilities.reduce((a, b) => a + b, 0),
          1,
          1e-5,
        );
        assert.equal(p.predicted, result.classes?.[probabilities.indexOf(Math.max(...probabilities))]);
      }
      // Columns are read by name: the same rows in training order give the same probabilities.
      tiny.workspace.write('same.jsonl', '{"a":0,"b":2,"c":0,"d":0.2}\n{"a":1,"b":1,"c":1,"d":0.4}\n{"a":2,"b":0,"c":2.5,"d":0.6}\n');
      const same = await predictRun({ runDir, input: tiny.workspace.file('same.jsonl'), backend: 'cpu' });
      assert.deepEqual(
        same.predictions.map((p) => p.probabilities),
        result.predictions.map((p) => p.probabilities),
      );
      const expected = result.predictions.map((p) => p.predicted);
      const cli = spawnSync(process.execPath, [testBundles().cli, 'predict', runDir, '--input', 'new.csv', '--json', '--backend', 'cpu'], {
        cwd: tiny.workspace.root,
        encoding: 'utf8',
      });
      assert.equal(cli.status, 0, cli.stderr);
      const lines = cli.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; predicted?: string });
      assert.deepEqual(
        lines.filter((l) => l.type === 'prediction').map((l) => l.predicted),
        expected,
      );
    });

    it('newestFinishedRun picks the newest completed run of the model file', async () => {
      const runs = await listRuns(tiny.runsDir);
      assert.equal((await newestFinishedRun(tiny.modelFile))?.runDir, runs[0].runDir);
    });
  });

  it('the iris sample: the confusion matrix sums to the test-set size', async function () {
    this.timeout(120_000);
    const workspace = tempWorkspace();
    try {
      cpSync(path.join(repo, 'samples', 'iris.model.yaml'), workspace.file('iris.model.yaml'));
      cpSync(path.join(repo, 'samples', 'data', 'iris.csv'), workspace.file('data/iris.csv'));
      const outcome = await train(
        {
          modelFile: workspace.file('iris.model.yaml'),
          workspaceRoot: workspace.root,
          runsDir: path.join(workspace.root, 'runs'),
          backend: 'cpu',
        },
        { onMessage: () => undefined },
      );
      assert.equal(outcome.type, 'done');
      const evaluation = await evaluateRun({ runDir: outcome.runDir, workspaceRoot: workspace.root, backend: 'cpu' });
      const result = classification(evaluation);
      assert.equal(evaluation.count, 30); // testSplit 0.2 of 150 rows
      assert.equal(
        result.confusion.flat().reduce((a, b) => a + b, 0),
        30,
      );
      assert.deepEqual(
        result.perClass.map((m) => m.support).reduce((a, b) => a + b, 0),
        30,
      );
      close(result.accuracy, outcome.run.test?.accuracy ?? NaN, 1e-6);
    } finally {
      workspace.remove();
    }
  });
});
