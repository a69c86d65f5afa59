// The training panel's header text and the charts' text alternative (webview/training): plain TS, no DOM.
import * as assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type { PanelRun } from '../../src/protocol/trainingPanelMessages';
import { chartLabel, valueColumns } from '../../webview/training/chartText';
import { latestMetrics, progressAnnouncement, resultLines } from '../../webview/training/headerText';
import { RunSeries } from '../../webview/training/series';

const batch = (epoch: number, b: number, loss: number, accuracy: number): MetricRecord => ({ epoch, batch: b, time: 0, loss, accuracy });
const epochEnd = (epoch: number, values: Record<string, number>): MetricRecord => ({ epoch, batch: null, time: 0, loss: 1, ...values });

describe('training panel header', () => {
  it('shows every metric’s latest value: training from the latest record, validation from the latest epoch, lr left out', () => {
    const series = new RunSeries(2);
    series.add([
      batch(1, 0, 0.9, 0.5),
      batch(1, 1, 0.8, 0.6),
      epochEnd(1, { loss: 0.85, accuracy: 0.55, val_loss: 0.7, val_accuracy: 0.66, lr: 0.01 }),
      batch(2, 0, 0.6, 0.75),
    ]);
    assert.deepEqual(latestMetrics(series), [
      ['loss', 0.6],
      ['val_loss', 0.7],
      ['accuracy', 0.75],
      ['val_accuracy', 0.66],
    ]);
  });

  it('an ended run’s test and saved-model validation metrics, none before', () => {
    const run: PanelRun = {
      status: 'completed',
      test: { loss: 0.321, accuracy: 0.9 },
      validation: { val_loss: 0.2755, val_accuracy: 0.9333 },
    };
    assert.deepEqual(
      resultLines(run).map((l) => `${l.term}: ${l.text}`),
      ['Test: loss 0.3210 · accuracy 0.9000', 'Saved model, validation: loss 0.2755 · accuracy 0.9333'],
    );
    assert.deepEqual(resultLines({ status: 'running' }), []);
  });

  it('announces an epoch while running (the same text until the next epoch) and the end with the test metrics', () => {
    const last = epochEnd(3, { loss: 0.41, val_loss: 0.45, lr: 0.01 });
    assert.equal(progressAnnouncement({ status: 'running', epochs: 10 }, last), 'Epoch 3 of 10: loss 0.4100, val_loss 0.4500.');
    assert.equal(progressAnnouncement({ status: 'running', epochs: 10 }, undefined), '');
    assert.equal(
      progressAnnouncement({ status: 'completed', epochs: 3, test: { accuracy: 0.9 } }, last),
      'Run completed. Epoch 3 of 3: loss 0.4100, val_loss 0.4500. Test: accuracy 0.9000.',
    );
  });
});

describe('training panel charts as text', () => {
  it('a continued run’s points sit after its parent’s epochs and say the overall epoch', () => {
    const child = new RunSeries(2, 4);
    child.add([batch(1, 1, 0.3, 0.9), epochEnd(1, { loss: 0.3, val_loss: 0.35 })]);
    assert.deepEqual(child.train('loss', 'batch')[0], { x: 5, y: 0.3, epoch: 5, batch: 1 });
    assert.deepEqual(child.validation('loss')[0], { x: 5, y: 0.35, epoch: 5 });
    // The header's epoch stays the run's own.
    assert.equal(child.last?.epoch, 1);
  });

  it('labels a chart with the view and each run’s latest training and validation values', () => {
    const parent = new RunSeries(2);
    parent.add([epochEnd(1, { loss: 0.5, val_loss: 0.6 })]);
    const child = new RunSeries(2, 1);
    child.add([epochEnd(1, { loss: 0.4, val_loss: 0.45 })]);
    assert.equal(
      chartLabel(
        'loss',
        [
          { label: 'A (continued from)', series: parent },
          { label: 'B', series: child },
        ],
        'epoch',
      ),
      'loss chart, per epoch. A (continued from): training 0.5 at epoch 1, validation 0.6 at epoch 1; ' +
        'B: training 0.4 at epoch 2, validation 0.45 at epoch 2. The table of values follows.',
    );
    assert.equal(
      chartLabel('accuracy', [{ label: 'B', series: new RunSeries(2) }], 'batch'),
      'accuracy chart, per batch. No values yet. The table of values follows.',
    );
  });

  it('tabulates per run its epoch training and validation values, each at its overall epoch', () => {
    const parent = new RunSeries(2);
    parent.add([epochEnd(1, { loss: 0.5, val_loss: 0.6 })]);
    const child = new RunSeries(2, 1);
    child.add([batch(1, 0, 0.45, 0.8), epochEnd(1, { loss: 0.4, val_loss: 0.45 })]);
    const columns = valueColumns('loss', [
      { label: 'A', series: parent },
      { label: 'B', series: child },
    ]);
    assert.deepEqual(
      columns.map((c) => [c.heading, c.points.map((p) => [p.epoch, p.y])]),
      [
        ['A training', [[1, 0.5]]],
        ['A validation', [[1, 0.6]]],
        ['B training', [[2, 0.4]]],
        ['B validation', [[2, 0.45]]],
      ],
    );
  });
});
