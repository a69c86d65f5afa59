import type { DrawnRun } from './charts';
import type { Point } from './series';
import { LEARNING_RATE } from './series';

// The charts' text alternative: a label that says what a chart shows now, and a table of its epoch values.

/** The latest value of a curve, as the header writes numbers. */
function latest(points: readonly Point[]): string | undefined {
  const last = points[points.length - 1];
  return last && `${Number(last.y.toPrecision(4))} at epoch ${last.epoch}`;
}

/**
 * What a screen reader says for a chart: the metric, the view, and per run
 * drawn its latest training and validation values, e.g. "loss per batch,
 * this run: training 0.41 at epoch 4, validation 0.45 at epoch 4".
 */
export function chartLabel(metric: string, runs: readonly DrawnRun[], view: 'batch' | 'epoch'): string {
  const name = metric === LEARNING_RATE ? 'learning rate' : metric;
  const perRun = runs
    .map((run) => {
      const parts = [
        ['training', latest(run.series.train(metric, view))],
        ['validation', latest(run.series.validation(metric))],
      ]
        .filter(([, value]) => value !== undefined)
        .map(([kind, value]) => (metric === LEARNING_RATE ? value : `${kind} ${value}`));
      return parts.length === 0 ? undefined : `${run.label}: ${parts.join(', ')}`;
    })
    .filter((text): text is string => text !== undefined);
  const shown = metric === LEARNING_RATE ? 'per epoch' : `per ${view}`;
  return `${name} chart, ${shown}. ${perRun.length === 0 ? 'No values yet.' : `${perRun.join('; ')}.`} The table of values follows.`;
}

/** The columns of a metric's table: per run, its epoch curve of training and of validation values. */
function columns(metric: string, runs: readonly DrawnRun[]): { heading: string; points: readonly Point[] }[] {
  const several = runs.length > 1;
  const result: { heading: string; points: readonly Point[] }[] = [];
  for (const run of runs) {
    const curves: [string, readonly Point[]][] = [
      [metric === LEARNING_RATE ? 'learning rate' : 'training', run.series.epochMetrics.get(metric) ?? []],
      ['validation', run.series.validation(metric)],
    ];
    for (const [kind, points] of curves) {
      if (points.length > 0) result.push({ heading: several ? `${run.label} ${kind}` : kind, points });
    }
  }
  return result;
}

/** Fills `table` with one row per epoch and one column per curve; skips the work when nothing changed since the last fill. */
export function fillValueTable(table: HTMLTableElement, metric: string, runs: readonly DrawnRun[]): void {
  const cols = columns(metric, runs);
  const key = cols.map((c) => `${c.heading}:${c.points.length}`).join('|');
  if (table.dataset.key === key) return;
  table.dataset.key = key;
  const epochs = [...new Set(cols.flatMap((c) => c.points.map((p) => p.epoch)))].sort((a, b) => a - b);
  const byEpoch = cols.map((c) => new Map(c.points.map((p) => [p.epoch, p.y])));
  const cell = (tag: 'th' | 'td', text: string, scope?: string): HTMLElement => {
    const element = document.createElement(tag);
    element.textContent = text;
    if (scope) element.setAttribute('scope', scope);
    return element;
  };
  const caption = document.createElement('caption');
  caption.textContent = `${metric === LEARNING_RATE ? 'learning rate' : metric} per epoch`;
  const head = document.createElement('tr');
  head.append(cell('th', 'epoch', 'col'), ...cols.map((c) => cell('th', c.heading, 'col')));
  const rows = epochs.map((epoch) => {
    const row = document.createElement('tr');
    row.append(
      cell('th', String(epoch), 'row'),
      ...byEpoch.map((values) => cell('td', values.has(epoch) ? String(Number(values.get(epoch)?.toPrecision(4))) : '')),
    );
    return row;
  });
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  tbody.append(...rows);
  table.replaceChildren(caption, thead, tbody);
}
