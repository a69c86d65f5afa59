import * as assert from 'node:assert/strict';
import { isEvaluateRequest, isEvaluation, isEvaluationFile } from '../../src/protocol/evaluationGuards';
import type { Evaluation } from '../../src/protocol/evaluationTypes';
import { isEvaluatorToHost, isHostToTrainer } from '../../src/protocol/guards';

const evaluation: Evaluation = {
  id: '20260101-120000-ab12',
  runId: '20260101-110000-iris',
  runDir: '/w/.modelstudio/runs/20260101-110000-iris',
  modelName: 'iris',
  modelFile: '/w/iris.model.yaml',
  createdAt: '2026-01-01T12:00:00.000Z',
  durationMs: 120,
  backend: 'wasm',
  dataset: {
    kind: 'testSplit',
    description: 'data/iris.csv (testSplit 0.2: 2 of 10 rows)',
    files: ['/w/data/iris.csv'],
    sha256: 'ab'.repeat(32),
    count: 2,
  },
  count: 2,
  lossName: 'sparseCategoricalCrossentropy',
  loss: 0.3,
  result: {
    kind: 'classification',
    classes: ['a', 'b'],
    accuracy: 0.5,
    confusion: [
      [1, 0],
      [1, 0],
    ],
    perClass: [
      { precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
      { precision: 0, recall: 0, f1: 0, support: 1 },
    ],
    macro: { precision: 0.25, recall: 0.5, f1: 1 / 3 },
    weighted: { precision: 0.25, recall: 0.5, f1: 1 / 3 },
    topK: [],
    binary: {
      positiveClass: 'b',
      roc: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
      rocAuc: 0.5,
      pr: [{ x: 1, y: 0.5 }],
      averagePrecision: 0.5,
    },
  },
  worst: [
    {
      source: { file: '/w/data/iris.csv', line: 3, index: 1 },
      actual: 'b',
      predicted: 'a',
      confidence: 0.9,
      trueClassProbability: 0.1,
      loss: 2.3,
    },
  ],
};

describe('evaluation guards', () => {
  it('accept an evaluation, an evaluation file, requests and messages', () => {
    assert.ok(isEvaluation(evaluation));
    assert.ok(isEvaluation({ ...evaluation, loss: null }));
    assert.ok(isEvaluationFile({ evaluations: [evaluation, evaluation] }));
    assert.ok(isEvaluateRequest({ runDir: '/r', workspaceRoot: '/w', data: '/w/x.csv', backend: 'cpu' }));
    assert.ok(isHostToTrainer({ type: 'evaluate', request: { runDir: '/r', workspaceRoot: '/w' } }));
    assert.ok(isHostToTrainer({ type: 'export', request: { runDir: '/r', outDir: '/o', workspaceRoot: '/w' } }));
    for (const message of [
      { type: 'evaluationProgress', progress: { phase: 'predicting', done: 3, total: 10 } },
      { type: 'evaluationDone', evaluation },
      {
        type: 'exportDone',
        result: {
          runId: 'r',
          outDir: '/o',
          files: ['/o/model.json'],
          parity: { examples: 3, maxAbsDifference: 0 },
          quantize: 'uint8',
          bytes: 25,
          bytesFloat32: 100,
          comparison: { examples: 3, metric: 'accuracy', float32: 1, exported: 2 / 3, maxAbsDifference: 0.01 },
        },
      },
      { type: 'taskFailed', message: 'x.csv:3: bad', cancelled: false },
    ]) {
      assert.ok(isEvaluatorToHost(message), JSON.stringify(message));
    }
  });

  it('reject what does not fit', () => {
    const regression = {
      kind: 'regression',
      mse: 1,
      rmse: 1,
      mae: 1,
      r2: 0,
      scatter: [{ x: 1, y: 'a' }],
      residuals: { edges: [], counts: [] },
    };
    for (const bad of [
      { ...evaluation, id: 3 },
      { ...evaluation, dataset: { ...evaluation.dataset, kind: 'other' } },
      { ...evaluation, result: { ...evaluation.result, confusion: [[1, 0]] } },
      { ...evaluation, result: { ...evaluation.result, classes: ['a'] } },
      { ...evaluation, result: regression },
      { ...evaluation, worst: [{ ...evaluation.worst[0], source: { file: '/x' } }] },
      { ...evaluation, worst: [{ ...evaluation.worst[0], image: { width: 2, height: 2, channels: 4, pixels: '' } }] },
    ]) {
      assert.equal(isEvaluation(bad), false, JSON.stringify(bad).slice(0, 200));
    }
    assert.equal(isEvaluationFile({ evaluations: {} }), false);
    assert.equal(isEvaluateRequest({ runDir: '/r' }), false);
    assert.equal(isEvaluateRequest({ runDir: '/r', workspaceRoot: '/w', backend: 'gpu' }), false);
    assert.equal(isHostToTrainer({ type: 'evaluate', request: { runDir: 1, workspaceRoot: '/w' } }), false);
    assert.equal(isHostToTrainer({ type: 'export', request: { runDir: '/r', workspaceRoot: '/w' } }), false);
    for (const message of [
      { type: 'evaluationProgress', progress: { phase: 'sleeping', done: 0, total: 0 } },
      { type: 'evaluationDone', evaluation: {} },
      { type: 'exportDone', result: { runId: 'r', outDir: '/o', files: [3] } },
      { type: 'taskFailed', message: 'x' },
      { type: 'metrics' },
    ]) {
      assert.equal(isEvaluatorToHost(message), false, JSON.stringify(message));
    }
  });
});
