import { showText } from '../data/showText';
import type { ParamValue, RunRow } from '../protocol/runRow';
import { formatDuration } from '../runFolder/progress';
import { formatMetric, headlineMetric } from '../runFolder/runSummary';

// `model-studio runs` without --json: the runs as an aligned table a person reads.

/** More differing hyperparameters than this make the table too wide to read: the rest are in --json. */
export const MAX_PARAM_COLUMNS = 8;

/** The hyperparameters whose value is not the same in every row, by path; `name` is the name column's. */
export function differingParams(rows: readonly RunRow[]): string[] {
  const keys = new Set(rows.flatMap((row) => Object.keys(row.hyperparameters)));
  keys.delete('name');
  return [...keys]
    .filter((key) => {
      const first = rows[0]?.hyperparameters[key];
      return rows.some((row) => row.hyperparameters[key] !== first);
    })
    .sort();
}

/** The metrics the table shows: the runs' headline metric (val_accuracy, else val_loss, …), and val_loss beside an accuracy. */
export function tableMetrics(rows: readonly RunRow[]): string[] {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row.best)))];
  const headline = headlineMetric(names);
  if (headline === undefined) return [];
  const loss = headline.startsWith('val_') ? 'val_loss' : 'loss';
  return headline !== loss && names.includes(loss) ? [headline, loss] : [headline];
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-01-02 14:03` in local time. */
export function formatStarted(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

function formatParam(value: ParamValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(Number(value.toPrecision(4)));
  return showText(String(value), 24);
}

/** A parameter's column heading: `learningRate` for `training.learningRate`, the whole path elsewhere. */
function paramHeading(key: string): string {
  return key.replace(/^training\./, '');
}

/**
 * The table's lines: a heading, then one line per run in the order given.
 * Columns: name, status, started, duration, backend, the hyperparameters
 * that differ among the runs, and the final and best value of the headline metrics.
 */
export function runsTable(rows: readonly RunRow[]): { lines: string[]; hiddenParams: number } {
  const params = differingParams(rows);
  const shown = params.slice(0, MAX_PARAM_COLUMNS);
  const metrics = tableMetrics(rows);
  const metric = (values: Readonly<Record<string, number>>, name: string): string => {
    const value = values[name];
    return value === undefined ? '' : formatMetric(name, value);
  };
  const headings = [
    'name',
    'status',
    'started',
    'duration',
    'backend',
    ...shown.map(paramHeading),
    ...metrics.flatMap((m) => [m, `best ${m}`]),
  ];
  const numeric = [false, false, false, true, false, ...shown.map(() => true), ...metrics.flatMap(() => [true, true])];
  const cells = rows.map((row) => [
    showText(row.name, 40),
    row.status,
    formatStarted(row.started),
    row.duration === null ? '' : formatDuration(row.duration),
    row.backend,
    ...shown.map((key) => formatParam(row.hyperparameters[key])),
    ...metrics.flatMap((m) => [metric(row.final, m), metric(row.best, m)]),
  ]);
  const widths = headings.map((heading, i) => Math.max(heading.length, ...cells.map((line) => line[i].length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return { lines: [line(headings), ...cells.map(line)], hiddenParams: params.length - shown.length };
}
