import { isChangedEntry as isChanged, type DiffEntry, type RunDiff } from '../../src/protocol/experimentsMessages';
import type { ParamValue, RunRow } from '../../src/protocol/runRow';
import { make } from '../common/page';

// Two runs side by side: every leaf of their spec.json that changed (model,
// data, training), then their final and test metrics; unchanged leaves on request.

/** Both runs' final and test metrics as entries (`val_accuracy`, `test_accuracy`). */
export function metricEntries(a: RunRow, b: RunRow): DiffEntry[] {
  const entries: DiffEntry[] = [];
  for (const [prefix, part] of [
    ['', (r: RunRow) => r.final],
    ['test_', (r: RunRow) => r.test],
  ] as const) {
    const keys = [...new Set([...Object.keys(part(a)), ...Object.keys(part(b))])];
    for (const key of keys) {
      entries.push({
        key: `${prefix}${key}`,
        ...(Object.hasOwn(part(a), key) ? { a: part(a)[key] } : {}),
        ...(Object.hasOwn(part(b), key) ? { b: part(b)[key] } : {}),
      });
    }
  }
  return entries;
}

function show(entry: DiffEntry, side: 'a' | 'b'): string {
  if (!Object.hasOwn(entry, side)) return '—';
  const value = entry[side] as ParamValue;
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(6)));
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function section(title: string, entries: readonly DiffEntry[], showUnchanged: boolean, [a, b]: [string, string]): HTMLElement[] {
  const changed = entries.filter(isChanged);
  const shown = showUnchanged ? entries : changed;
  const heading = make('h3', undefined, `${title}: ${changed.length} changed of ${entries.length}`);
  if (shown.length === 0) return [heading];
  const table = make('table', 'diff-table');
  const caption = make('caption', 'visually-hidden', `${title} of ${a} and ${b}`);
  const head = make('tr');
  for (const text of ['key', a, b]) {
    const th = make('th', undefined, text);
    th.scope = 'col';
    head.append(th);
  }
  const body = make('tbody');
  for (const entry of shown) {
    const tr = make('tr', isChanged(entry) ? 'changed' : 'same');
    tr.dataset.key = entry.key;
    const key = make('th', undefined, entry.key);
    key.scope = 'row';
    tr.append(key, make('td', Object.hasOwn(entry, 'a') ? 'a' : 'a absent', show(entry, 'a')));
    tr.append(make('td', Object.hasOwn(entry, 'b') ? 'b' : 'b absent', show(entry, 'b')));
    body.append(tr);
  }
  const thead = make('thead');
  thead.append(head);
  table.append(caption, thead, body);
  return [heading, table];
}

/** Draws the diff into `container`. */
/** The two runs' names for the diff's headers; runs of one name are told apart by their folders. */
export function diffNames(a: RunRow, b: RunRow): [string, string] {
  return a.name === b.name ? [a.id, b.id] : [a.name, b.name];
}

export function renderDiff(container: HTMLElement, diff: RunDiff, a: RunRow, b: RunRow, showUnchanged: boolean): void {
  container.replaceChildren(
    ...section('Model, data and training (spec.json)', diff.entries, showUnchanged, diffNames(a, b)),
    ...section('Final and test metrics', metricEntries(a, b), showUnchanged, diffNames(a, b)),
  );
}
