import * as assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/protocol/runTypes';
import { dayLabel, FLAT_RUNS, groupByDay, page, RUNS_PAGE } from '../../src/runFolder/runGroups';
import { summarizeMetricsText } from '../../src/runFolder/runRows';
import { bestMetric, bestOfSummary } from '../../src/runFolder/runSummary';

/** Local time, as the view shows it. */
const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).toISOString();

describe('the Runs view’s long lists', () => {
  const now = new Date(2026, 11, 5, 18).getTime(); // Sat Dec 5 2026, local

  it('names days relative to today', () => {
    assert.equal(dayLabel('2026-12-05', now), 'Today');
    assert.equal(dayLabel('2026-12-04', now), 'Yesterday');
    assert.equal(dayLabel('2026-12-01', now), 'Tue Dec 1');
    assert.equal(dayLabel('2025-12-31', now), 'Dec 31, 2025');
  });

  it('groups runs (newest first) by the local day they started, newest day first, unreadable starts last', () => {
    const runs = [at(2026, 12, 5, 9), at(2026, 12, 5, 8), at(2026, 12, 3), 'not a date', at(2025, 1, 2)];
    const groups = groupByDay(runs, (r) => r, now);
    assert.deepEqual(
      groups.map((g) => [g.label, g.runs.length]),
      [
        ['Today', 2],
        ['Thu Dec 3', 1],
        ['Jan 2, 2025', 1],
        ['Start unknown', 1],
      ],
    );
    assert.deepEqual(groups[0].runs, runs.slice(0, 2));
  });

  it('pages a long day: the first RUNS_PAGE runs and how many are left', () => {
    const runs = Array.from({ length: 2000 }, (_, i) => i);
    assert.ok(FLAT_RUNS < 2000);
    const first = page(runs, RUNS_PAGE);
    assert.deepEqual([first.runs.length, first.runs[0], first.hidden], [RUNS_PAGE, 0, 2000 - RUNS_PAGE]);
    assert.deepEqual(page(runs.slice(0, 3), RUNS_PAGE), { runs: [0, 1, 2], hidden: 0 });
  });

  it('bestOfSummary (from the index) says what bestMetric (from metrics.jsonl) says', () => {
    const records: MetricRecord[] = [
      { epoch: 1, batch: 0, loss: 2, time: 0 },
      { epoch: 1, batch: null, loss: 1, accuracy: 0.5, val_loss: 1.2, val_accuracy: 0.55, lr: 0.1, time: 1 },
      { epoch: 2, batch: null, loss: 0.8, accuracy: 0.7, val_loss: 0.9, val_accuracy: 0.75, lr: 0.1, time: 2 },
      { epoch: 3, batch: null, loss: 0.7, accuracy: 0.8, val_loss: 1.0, val_accuracy: 0.7, lr: 0.1, time: 3 },
    ];
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    assert.deepEqual(bestOfSummary(summarizeMetricsText(text)), bestMetric(records));
    assert.deepEqual(bestOfSummary(summarizeMetricsText(text)), { name: 'val_accuracy', value: 0.75, epoch: 2 });
    const noValidation = records.map(({ val_loss: _l, val_accuracy: _a, ...r }) => r as MetricRecord);
    const plain = noValidation.map((r) => `${JSON.stringify(r)}\n`).join('');
    assert.deepEqual(bestOfSummary(summarizeMetricsText(plain)), bestMetric(noValidation));
  });
});
