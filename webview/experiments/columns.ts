import type { ColumnChoices, TableSort } from '../../src/protocol/experimentsMessages';
import { paramOf } from '../../src/protocol/constantParams';
import type { ParamValue, RunRow } from '../../src/protocol/runRow';

// The experiments table as data (no DOM): its columns, which are shown by
// default, the value of a cell, and the sort.

/** A cell's value; undefined: the run has none (a metric not logged, a hyperparameter its spec lacks). */
export type CellValue = ParamValue | undefined;

export type ColumnGroup = 'run' | 'hyperparameter' | 'final' | 'best' | 'test';

export interface Column {
  /**
   * What filters, the column picker and the saved choices call it: `name`,
   * `status`…; a hyperparameter's path (`training.batchSize`); a final metric's
   * name (`val_accuracy`); `best_val_accuracy`; `test_accuracy`.
   */
  readonly id: string;
  readonly group: ColumnGroup;
  /** The header: a hyperparameter's path without `training.` / `model.`. */
  readonly title: string;
  /** Shown when the person has not chosen: run columns, hyperparameters that differ, metrics. */
  readonly byDefault: boolean;
  readonly value: (row: RunRow) => CellValue;
}

const RUN_COLUMNS: readonly Omit<Column, 'group' | 'byDefault'>[] = [
  { id: 'name', title: 'name', value: (r) => r.name },
  { id: 'status', title: 'status', value: (r) => r.status },
  { id: 'started', title: 'started', value: (r) => r.started },
  { id: 'duration', title: 'duration', value: (r) => r.duration ?? undefined },
  { id: 'backend', title: 'backend', value: (r) => r.backend },
  { id: 'epochs', title: 'epochs', value: (r) => r.epochsDone ?? undefined },
  { id: 'tags', title: 'tags', value: (r) => (r.tags.length === 0 ? undefined : r.tags.join(', ')) },
  { id: 'notes', title: 'notes', value: (r) => r.notes || undefined },
];
/** Run columns the picker offers but the table does not show until chosen. */
const HIDDEN_RUN_COLUMNS = new Set(['epochs', 'notes']);

/** The learning rate the trainer logs per epoch: a column to pick, not one shown by default. */
const LEARNING_RATE = 'lr';

/** Whether the rows do not all have the same value in `value` (a missing value counts as one of its own). */
export function differs(rows: readonly RunRow[], value: (row: RunRow) => CellValue): boolean {
  if (rows.length < 2) return false;
  // Cells are scalars: compared as they are (undefined, a missing value, is one of its own).
  const first = value(rows[0]);
  return rows.some((r) => value(r) !== first);
}

function keysOf(rows: readonly RunRow[], part: (row: RunRow) => Readonly<Record<string, unknown>>): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(part(row))) keys.add(key);
  return [...keys];
}

/** Hyperparameters by block, training's first (what people tune most), then by path (`layers[2]` before `layers[10]`). */
const BLOCKS = ['training', 'model', 'data'];
function byBlock(a: string, b: string): number {
  const rank = (key: string) => {
    const at = BLOCKS.indexOf(key.split(/[.[]/)[0]);
    return at < 0 ? BLOCKS.length : at;
  };
  return rank(a) - rank(b) || a.localeCompare(b, undefined, { numeric: true });
}

/** Metric names in the order a person reads them: loss first, each metric before its `val_` twin. */
function metricOrder(a: string, b: string): number {
  const base = (name: string) => name.replace(/^val_/, '');
  const rank = (name: string) => (base(name) === 'loss' ? 0 : name === LEARNING_RATE ? 2 : 1);
  return rank(a) - rank(b) || base(a).localeCompare(base(b)) || (a.startsWith('val_') ? 1 : 0) - (b.startsWith('val_') ? 1 : 0);
}

/**
 * Every column the rows have: the run's own, each hyperparameter (shown by
 * default when it differs among the rows; with one row, none), each final
 * metric, the best value of each validation metric, and the test metrics.
 * `constants`: the hyperparameters the host took out of every row (splitConstantParams).
 * `firstOfMore`: `rows` are the first of a longer list whose constants these
 * are, so every hyperparameter left in the rows differs in the whole list.
 */
export function columnsOf(rows: readonly RunRow[], constants: Readonly<Record<string, ParamValue>> = {}, firstOfMore = false): Column[] {
  const columns: Column[] = RUN_COLUMNS.map((c) => ({
    ...c,
    group: 'run',
    byDefault: !HIDDEN_RUN_COLUMNS.has(c.id) && (c.id !== 'tags' || rows.some((r) => r.tags.length > 0)),
  }));
  const keys = new Set([...keysOf(rows, (r) => r.hyperparameters), ...Object.keys(constants)]);
  for (const key of [...keys].sort(byBlock)) {
    const value = (r: RunRow): CellValue => paramOf(r, constants, key);
    columns.push({
      // The spec's top-level `name` and `task` would take a run column's id: they are `spec.name`, `spec.task`.
      id: key.includes('.') || key.includes('[') ? key : `spec.${key}`,
      group: 'hyperparameter',
      title: key.replace(/^(training|model)\./, ''),
      byDefault: firstOfMore ? !Object.hasOwn(constants, key) : differs(rows, value),
      value,
    });
  }
  const metric = (group: 'final' | 'best' | 'test', prefix: string, part: (r: RunRow) => Readonly<Record<string, number>>) => {
    for (const name of keysOf(rows, part).sort(metricOrder)) {
      columns.push({
        id: `${prefix}${name}`,
        group,
        title: `${prefix}${name}`,
        byDefault: name !== LEARNING_RATE && (group !== 'best' || name.startsWith('val_')),
        value: (r) => part(r)[name],
      });
    }
  };
  metric('final', '', (r) => r.final);
  metric('best', 'best_', (r) => r.best);
  metric('test', 'test_', (r) => r.test);
  return columns;
}

/** The columns the table shows: the person's choices, the default for the rest. */
export function visibleColumns(columns: readonly Column[], choices: ColumnChoices): Column[] {
  return columns.filter((c) => (Object.hasOwn(choices, c.id) ? choices[c.id] : c.byDefault) || c.id === 'name');
}

export type Sort = TableSort;

const TYPE_ORDER = { number: 0, boolean: 1, string: 2 } as const;

/** Ascending order of two present values: numbers by value, text as people sort it (`run-2` before `run-10`). */
export function compareValues(a: ParamValue, b: ParamValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a !== typeof b) return TYPE_ORDER[typeof a as keyof typeof TYPE_ORDER] - TYPE_ORDER[typeof b as keyof typeof TYPE_ORDER];
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return a.localeCompare(b as string, undefined, { numeric: true, sensitivity: 'base' });
}

/** The rows in the sort's order; rows without a value in the sorted column go last in either direction; ties keep their order. */
export function sortRows(rows: readonly RunRow[], column: Column | undefined, descending: boolean): RunRow[] {
  if (!column) return [...rows];
  const keyed = rows.map((row, index) => ({ row, index, value: column.value(row) }));
  keyed.sort((x, y) => {
    const missingX = x.value === undefined || x.value === null;
    const missingY = y.value === undefined || y.value === null;
    if (missingX || missingY) return missingX === missingY ? x.index - y.index : missingX ? 1 : -1;
    const order = compareValues(x.value as ParamValue, y.value as ParamValue);
    return (descending ? -order : order) || x.index - y.index;
  });
  return keyed.map((k) => k.row);
}

/** A cell as text: numbers to 4 significant digits (integers whole), durations as 1h 02m / 3m 05s / 12s. */
export function formatCell(column: Column, value: CellValue): string {
  if (value === undefined || value === null) return '';
  if (column.id === 'duration' && typeof value === 'number') return formatSeconds(value);
  if (column.id === 'started' && typeof value === 'string') return localTime(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  return String(value);
}

/** An ISO 8601 time as this machine's local `yyyy-mm-dd hh:mm:ss` (the text itself when it is not a time). */
export function localTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}
