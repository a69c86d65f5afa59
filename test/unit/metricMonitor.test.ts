import * as assert from 'node:assert/strict';
import { monitorMode } from '../../src/modelFile/metricMode';
import { MetricMonitor } from '../../src/trainer/metricMonitor';

describe('MetricMonitor', () => {
  it('accuracy-like metrics grow, the rest shrink', () => {
    assert.equal(monitorMode('val_accuracy'), 'max');
    assert.equal(monitorMode('acc'), 'max');
    assert.equal(monitorMode('val_loss'), 'min');
    assert.equal(monitorMode('mae'), 'min');
  });

  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    const monitor = MetricMonitor.forEarlyStopping({ monitor: 'val_loss', patience: 2, minDelta: 0.01 }, 'loss');
    assert.deepEqual(
      [1, 0.5, 0.495, 0.4, 0.41, 0.395].map((v) => monitor.observe(v)),
      ['improved', 'improved', 'waiting', 'improved', 'waiting', 'stop'],
    );
  });

  it('patience 0 stops at the first epoch that does not improve; no patience never stops', () => {
    const strict = MetricMonitor.forEarlyStopping({}, 'val_accuracy');
    assert.equal(strict.metric, 'val_accuracy');
    assert.deepEqual(
      [0.5, 0.6, 0.6].map((v) => strict.observe(v)),
      ['improved', 'improved', 'stop'],
    );
    const patient = new MetricMonitor('loss');
    assert.deepEqual(
      [1, 2, 3, 4].map((v) => patient.observe(v)),
      ['improved', 'waiting', 'waiting', 'waiting'],
    );
  });
});
