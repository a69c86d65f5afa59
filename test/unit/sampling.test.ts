import * as assert from 'node:assert/strict';
import type { SearchSpec } from '../../src/modelFile/modelSpec';
import { DEFAULT_TRIALS, gridTrials, gridValues, plannedTrials, randomTrial, rangeValue, sampleTrial } from '../../src/sweep/sampling';

const search: SearchSpec = {
  method: 'random',
  trials: 12,
  parameters: {
    'training.learningRate': { min: 1e-4, max: 1e-1, scale: 'log' },
    'model.layers[0].units': { min: 16, max: 256, scale: 'log', type: 'int' },
    'model.layers[1].rate': { min: 0, max: 0.5 },
    'training.batchSize': { values: [16, 32, 64] },
  },
};

function draws(n: number, seed = 7): Record<string, number | string | boolean>[] {
  return Array.from({ length: n }, (_, i) => randomTrial(search, seed, i));
}

describe('sweep sampling', () => {
  it('random: the same seed gives the same trials; another seed others', () => {
    assert.deepEqual(draws(20, 7), draws(20, 7));
    assert.notDeepEqual(draws(20, 7), draws(20, 8));
    assert.notDeepEqual(randomTrial(search, 7, 0), randomTrial(search, 7, 1));
  });

  it('random: every value within its range, ints whole, list values from the list', () => {
    for (const trial of draws(500)) {
      const lr = trial['training.learningRate'] as number;
      const units = trial['model.layers[0].units'] as number;
      const rate = trial['model.layers[1].rate'] as number;
      assert.ok(lr >= 1e-4 && lr <= 1e-1, `lr ${lr}`);
      assert.ok(Number.isInteger(units) && units >= 16 && units <= 256, `units ${units}`);
      assert.ok(rate >= 0 && rate <= 0.5, `rate ${rate}`);
      assert.ok([16, 32, 64].includes(trial['training.batchSize'] as number));
    }
  });

  it('random: a log range is log-uniform (median near the geometric mean, each decade a third), a linear one uniform', () => {
    const trials = draws(3000);
    const lrs = trials.map((t) => t['training.learningRate'] as number).sort((a, b) => a - b);
    const median = lrs[lrs.length >> 1];
    const geometricMean = Math.sqrt(1e-4 * 1e-1); // 0.00316; the arithmetic mean is 0.05
    assert.ok(Math.abs(Math.log10(median / geometricMean)) < 0.1, `median ${median}`);
    for (const [low, high] of [
      [1e-4, 1e-3],
      [1e-3, 1e-2],
      [1e-2, 1e-1],
    ]) {
      const share = lrs.filter((v) => v >= low && v < high).length / lrs.length;
      assert.ok(Math.abs(share - 1 / 3) < 0.04, `decade ${low}: ${share}`);
    }
    const rates = trials.map((t) => t['model.layers[1].rate'] as number).sort((a, b) => a - b);
    assert.ok(Math.abs(rates[rates.length >> 1] - 0.25) < 0.03);
  });

  it('random: list values are drawn uniformly', () => {
    const counts = new Map<unknown, number>();
    for (const trial of draws(3000)) counts.set(trial['training.batchSize'], (counts.get(trial['training.batchSize']) ?? 0) + 1);
    for (const value of [16, 32, 64]) assert.ok(Math.abs((counts.get(value) ?? 0) / 3000 - 1 / 3) < 0.04, `${value}: ${counts.get(value)}`);
  });

  it('random: changing one range leaves the other parameters of every trial as they were', () => {
    const edited: SearchSpec = { ...search, parameters: { ...search.parameters, 'model.layers[1].rate': { min: 0.1, max: 0.2 } } };
    for (let i = 0; i < 10; i++) {
      const before = randomTrial(search, 7, i);
      const after = randomTrial(edited, 7, i);
      assert.equal(after['training.learningRate'], before['training.learningRate']);
      assert.equal(after['training.batchSize'], before['training.batchSize']);
      assert.ok((after['model.layers[1].rate'] as number) >= 0.1 && (after['model.layers[1].rate'] as number) <= 0.2);
    }
  });

  it('int ranges round within the range, every whole number reachable', () => {
    const range = { min: 0.5, max: 3.5, type: 'int' as const };
    assert.equal(rangeValue(range, 0), 1);
    assert.equal(rangeValue(range, 0.999), 3);
    const seen = new Set(Array.from({ length: 100 }, (_, i) => rangeValue(range, i / 100)));
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
  });

  it('grid: every combination once, first parameter slowest, in a stable order', () => {
    const grid: SearchSpec = {
      method: 'grid',
      parameters: { 'training.optimizer': { values: ['adam', 'sgd'] }, 'training.batchSize': { values: [8, 16, 32] } },
    };
    const trials = gridTrials(grid);
    assert.deepEqual(trials, [
      { 'training.optimizer': 'adam', 'training.batchSize': 8 },
      { 'training.optimizer': 'adam', 'training.batchSize': 16 },
      { 'training.optimizer': 'adam', 'training.batchSize': 32 },
      { 'training.optimizer': 'sgd', 'training.batchSize': 8 },
      { 'training.optimizer': 'sgd', 'training.batchSize': 16 },
      { 'training.optimizer': 'sgd', 'training.batchSize': 32 },
    ]);
    assert.equal(plannedTrials(grid), 6);
    assert.equal(plannedTrials({ ...grid, trials: 4 }), 4);
    assert.deepEqual(sampleTrial(grid, 1, 4), trials[4]);
    assert.deepEqual(sampleTrial(grid, 2, 4), trials[4], 'the seed does not change a grid');
  });

  it('grid: a range becomes evenly spaced points (log-spaced for log, whole and distinct for int)', () => {
    assert.deepEqual(gridValues({ min: 0, max: 1 }), [0, 0.25, 0.5, 0.75, 1]);
    const log = gridValues({ min: 1e-4, max: 1, scale: 'log' }) as number[];
    assert.deepEqual(
      log.map((v) => Number(v.toPrecision(6))),
      [1e-4, 1e-3, 1e-2, 1e-1, 1],
    );
    assert.deepEqual(gridValues({ min: 1, max: 3, type: 'int' }), [1, 2, 3]);
  });

  it('random: trials default to DEFAULT_TRIALS', () => {
    assert.equal(plannedTrials({ parameters: search.parameters }), DEFAULT_TRIALS);
    assert.equal(plannedTrials(search), 12);
  });
});
