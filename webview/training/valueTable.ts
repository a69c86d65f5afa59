import { valueColumns, type NamedSeries } from './chartText';
import { LEARNING_RATE } from './series';

// A chart's values as a <table>: its text alternative, one row per epoch and one column per curve.

/** Fills `table` with one row per epoch and one column per curve; skips the work when nothing changed since the last fill. */
export function fillValueTable(table: HTMLTableElement, metric: string, runs: readonly NamedSeries[]): void {
  const cols = valueColumns(metric, runs);
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

/**
 * A metric's section: its heading, the chart's canvas (an image to assistive
 * technology, labelled on each draw by chartLabel) and, folded under it, the
 * table of its values, filled by `fill` when opened (and on draws while open).
 */
export function chartSection(
  metric: string,
  heading: string,
  fill: (table: HTMLTableElement) => void,
): { section: HTMLElement; holder: HTMLDivElement; canvas: HTMLCanvasElement; table: HTMLTableElement } {
  const section = document.createElement('section');
  section.className = 'metric';
  section.dataset.metric = metric;
  const title = document.createElement('h2');
  title.textContent = heading;
  const holder = document.createElement('div');
  holder.className = 'chart';
  holder.id = `${metric.replace(/[^\w-]/g, '_')}-chart`;
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  holder.append(canvas);
  const values = document.createElement('details');
  values.className = 'values';
  const summary = document.createElement('summary');
  summary.textContent = `Values of ${heading}`;
  const table = document.createElement('table');
  values.append(summary, table);
  values.addEventListener('toggle', () => {
    if (values.open) fill(table);
  });
  section.append(title, holder, values);
  return { section, holder, canvas, table };
}
