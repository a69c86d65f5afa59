// The sweep panel's pure code (webview/sweep) and its messages: axes and
// their scaling, ticks, colours, the table's sort and filters, the guards.
import * as assert from 'node:assert/strict';
import { isHyperparametersToHost } from '../../src/protocol/hyperparametersMessages';
import { isSweepPanelState, isSweepPanelToHost } from '../../src/protocol/sweepPanelMessages';
import type { SweepInfo, TrialInfo } from '../../src/protocol/sweepTypes';
import { isHostMessage } from '../../webview/sweep/guards';
import { formatValue, goodness, metricAxis, mix, niceStep, parameterAxis, position, ticks } from '../../webview/sweep/scales';
import { filterTrials, matchesFilter, sortTrials } from '../../webview/sweep/trialTable';

function trial(index: number, params: TrialInfo['params'], status: TrialInfo['status'], metric?: number): TrialInfo {
  return { index, params, status, ...(metric !== undefined ? { metrics: { val_accuracy: metric } } : {}) };
}

const TRIALS: TrialInfo[] = [
  trial(0, { 'training.learningRate': 0.001, 'model.layers[0].units': 16, 'training.optimizer': 'adam' }, 'completed', 0.9),
  trial(1, { 'training.learningRate': 0.1, 'model.layers[0].units': 64, 'training.optimizer': 'sgd' }, 'pruned', 0.5),
  trial(2, { 'training.learningRate': 0.01, 'model.layers[0].units': 4, 'training.optimizer': 'adam' }, 'completed', 0.97),
  trial(3, { 'training.learningRate': 0.0003, 'model.layers[0].units': 8, 'training.optimizer': 'sgd' }, 'running'),
];

const SWEEP: SweepInfo = {
  version: 1,
  id: '20261205-120000-iris',
  modelFile: '/w/iris.model.yaml',
  status: 'running',
  startedAt: '2026-12-05T12:00:00.000Z',
  search: { parameters: { 'training.learningRate': { min: 1e-4, max: 0.1, scale: 'log' } }, trials: 12 },
  metric: 'val_accuracy',
  goal: 'maximize',
  trials: TRIALS,
};

describe('sweep panel: axes', () => {
  it('places values on a log axis by their logarithm, a decade per equal step', () => {
    const axis = parameterAxis('training.learningRate', { min: 1e-4, max: 1e-1, scale: 'log' }, TRIALS);
    assert.equal(axis.kind, 'log');
    assert.equal(position(axis, 1e-4), 0);
    assert.equal(position(axis, 1e-1), 1);
    assert.ok(Math.abs((position(axis, 1e-3) ?? NaN) - 1 / 3) < 1e-12);
    assert.ok(Math.abs((position(axis, 1e-2) ?? NaN) - 2 / 3) < 1e-12);
    assert.equal(position(axis, 0), undefined, 'zero has no place on a log axis');
  });

  it('places values linearly on a linear range, widened to the values trials have', () => {
    const axis = parameterAxis('model.layers[0].units', { min: 8, max: 64, type: 'int' }, TRIALS);
    assert.deepEqual(axis, { kind: 'linear', key: 'model.layers[0].units', min: 4, max: 64 });
    assert.equal(position(axis, 34), 0.5);
    assert.equal(position(axis, 'x'), undefined);
  });

  it('spaces a list of values evenly, numbers sorted, values trials have added', () => {
    const axis = parameterAxis('training.optimizer', { values: ['adam', 'rmsprop'] }, TRIALS);
    assert.deepEqual(axis.kind === 'category' && axis.values, ['adam', 'rmsprop', 'sgd']);
    assert.deepEqual(
      ['adam', 'rmsprop', 'sgd', 'nadam'].map((v) => position(axis, v)),
      [0, 0.5, 1, undefined],
    );
    const numbers = parameterAxis('training.batchSize', { values: [64, 16, 32] }, []);
    assert.deepEqual(numbers.kind === 'category' && numbers.values, [16, 32, 64]);
    assert.equal(position(parameterAxis('k', { values: [1] }, []), 1), 0.5);
  });

  it('spans the metric values reached, and colours them from worst to best by the goal', () => {
    const axis = metricAxis('val_accuracy', [0.5, 0.9, 0.97]);
    assert.deepEqual(axis, { kind: 'linear', key: 'val_accuracy', min: 0.5, max: 0.97 });
    assert.equal(goodness(0.97, axis, 'maximize'), 1);
    assert.equal(goodness(0.97, axis, 'minimize'), 0);
    assert.equal(goodness(undefined, axis, 'maximize'), undefined);
    assert.equal(position(metricAxis('loss', [0.3, 0.3]), 0.3), 0.5, 'one value: the middle');
  });
});

describe('sweep panel: ticks and labels', () => {
  it('labels 1, 2 and 5 of a decade, 1 and 3 of a few, decades of many, all inside the axis', () => {
    const one = ticks({ kind: 'log', key: 'k', min: 0.01, max: 0.1 });
    assert.deepEqual(
      one.map((t) => t.label),
      ['0.01', '0.02', '0.05', '0.1'],
    );
    const few = ticks({ kind: 'log', key: 'k', min: 0.0005, max: 0.1 });
    assert.deepEqual(
      few.map((t) => t.label),
      ['0.001', '0.003', '0.01', '0.03', '0.1'],
    );
    assert.ok(few.every((t) => t.at >= 0 && t.at <= 1));
    const long = ticks({ kind: 'log', key: 'k', min: 1e-8, max: 1 });
    assert.deepEqual(
      long.map((t) => t.label),
      ['1e-8', '1e-7', '1e-6', '1e-5', '1e-4', '0.001', '0.01', '0.1', '1'],
    );
  });

  it('steps a linear axis by 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0.07, 0.15, 0.3, 7, 0].map(niceStep), [0.1, 0.2, 0.5, 10, 1]);
    assert.deepEqual(
      ticks({ kind: 'linear', key: 'k', min: 0, max: 0.5 }).map((t) => t.label),
      ['0', '0.1', '0.2', '0.3', '0.4', '0.5'],
    );
    const t = ticks({ kind: 'linear', key: 'k', min: 0.52, max: 0.97 });
    assert.deepEqual(
      t.map((x) => x.label),
      ['0.6', '0.7', '0.8', '0.9'],
    );
  });

  it('writes values short: whole numbers as they are, 4 digits, exponents for the very small', () => {
    assert.deepEqual([16, 0.012870625, 0.00083751, 1234567.8, 'adam', true, undefined].map(formatValue), [
      '16',
      '0.01287',
      '8.38e-4',
      '1.23e+6',
      'adam',
      'true',
      '—',
    ]);
  });

  it('mixes colours through hues, not through grey', () => {
    assert.equal(mix('#b180d7', '#cca700', 0), '#b180d7');
    assert.equal(mix('#b180d7', '#cca700', 1), '#cca700');
    const middle = mix('#b180d7', '#cca700', 0.5);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(middle.slice(i, i + 2), 16));
    assert.ok(r > g && r > b && Math.max(r, g, b) - Math.min(r, g, b) > 60, `${middle} is greyish`);
    assert.equal(mix('rgb(1, 2, 3)', '#ffffff', 0.5), '#ffffff');
  });
});

describe('sweep panel: the trial table', () => {
  it('sorts by a column either way, trials without a value last', () => {
    const metric = { column: { kind: 'metric' as const }, descending: true };
    assert.deepEqual(
      sortTrials(TRIALS, metric, 'val_accuracy').map((t) => t.index),
      [2, 0, 1, 3],
    );
    assert.deepEqual(
      sortTrials(TRIALS, { ...metric, descending: false }, 'val_accuracy').map((t) => t.index),
      [1, 0, 2, 3],
    );
    const lr = { column: { kind: 'param' as const, key: 'training.learningRate' }, descending: false };
    assert.deepEqual(
      sortTrials(TRIALS, lr, 'val_accuracy').map((t) => t.index),
      [3, 0, 2, 1],
    );
  });

  it('filters by comparisons, ranges and text per column', () => {
    assert.ok(matchesFilter(0.01, '>0.001') && !matchesFilter(0.001, '>0.001') && matchesFilter(0.001, '>=1e-3'));
    assert.ok(matchesFilter(16, '16..64') && matchesFilter(64, '16..64') && !matchesFilter(8, '16..64'));
    assert.ok(matchesFilter('pruned', 'PRU') && !matchesFilter(undefined, 'x') && matchesFilter(undefined, ' '));
    const filters = new Map([
      ['model.layers[0].units', '<=16'],
      ['status', 'completed'],
    ]);
    assert.deepEqual(
      filterTrials(TRIALS, filters, 'val_accuracy').map((t) => t.index),
      [0, 2],
    );
    assert.deepEqual(
      filterTrials(TRIALS, new Map([['val_accuracy', '>0.6']]), 'val_accuracy').map((t) => t.index),
      [0, 2],
    );
  });
});

describe('sweep panel: messages', () => {
  it('takes only well-formed messages from the page', () => {
    for (const ok of [{ type: 'ready' }, { type: 'select', trials: [0, 3] }, { type: 'applyBest' }, { type: 'openTrial', index: 2 }]) {
      assert.ok(isSweepPanelToHost(ok), JSON.stringify(ok));
    }
    for (const bad of [
      { type: 'select', trials: [-1] },
      { type: 'select', trials: 'all' },
      { type: 'select', trials: Array.from({ length: 1001 }, (_, i) => i) },
      { type: 'openTrial', index: 1.5 },
      { type: 'toString' },
      null,
    ]) {
      assert.ok(!isSweepPanelToHost(bad), JSON.stringify(bad)?.slice(0, 80));
    }
    assert.ok(isSweepPanelState({ modelFile: '/w/m.model.yaml', sweepDir: '/w/.modelstudio/sweeps/x' }));
    assert.ok(!isSweepPanelState({ modelFile: '/w/m.model.yaml' }));
  });

  it('takes only well-formed messages from the host on the page', () => {
    const view = { modelName: 'iris', sweepDir: '/w/.modelstudio/sweeps/x', sweep: SWEEP, state: 'running', best: 2 };
    assert.ok(isHostMessage({ type: 'sweep', view }));
    assert.ok(isHostMessage({ type: 'curves', trials: [{ index: 0, records: [{ epoch: 1, batch: null, loss: 1, time: 0 }] }] }));
    assert.ok(!isHostMessage({ type: 'sweep', view: { ...view, state: 'sleeping' } }));
    assert.ok(!isHostMessage({ type: 'sweep', view: { ...view, sweep: { ...SWEEP, trials: [{ ...TRIALS[0], status: 'paused' }] } } }));
    assert.ok(!isHostMessage({ type: 'sweep', view: { ...view, sweep: { ...SWEEP, goal: 'up' } } }));
    assert.ok(!isHostMessage({ type: 'curves', trials: [{ index: 0, records: [{ batch: null }] }] }));
  });

  it('takes a search toggle from the form with a path and an entry or null', () => {
    assert.ok(isHyperparametersToHost({ type: 'search', path: ['training', 'learningRate'], entry: { min: 0.001, max: 0.1 } }));
    assert.ok(isHyperparametersToHost({ type: 'search', path: ['model', 'layers', 0, 'units'], entry: null }));
    assert.ok(isHyperparametersToHost({ type: 'runSweep' }));
    assert.ok(!isHyperparametersToHost({ type: 'search', path: ['training', -1], entry: null }));
    assert.ok(!isHyperparametersToHost({ type: 'search', path: ['training', 'learningRate'], entry: 0.1 }));
  });
});
