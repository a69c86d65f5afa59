import type { ParamValue, TrialInfo } from '../../src/protocol/sweepTypes';

// The trial table as data (no DOM): its sort and its per-column filters.

/** A column: `#`, `status`, `epochs`, the metric, or a parameter by its key. */
export type Column = { readonly kind: 'index' | 'status' | 'epochs' | 'metric' } | { readonly kind: 'param'; readonly key: string };

export interface Sort {
  readonly column: Column;
  readonly descending: boolean;
}

/** The value a column shows for a trial (undefined: nothing yet). */
export function cellValue(trial: TrialInfo, column: Column, metric: string): ParamValue | undefined {
  switch (column.kind) {
    case 'index':
      return trial.index + 1;
    case 'status':
      return trial.status;
    case 'epochs':
      return trial.epochsDone;
    case 'metric':
      return trial.metrics?.[metric];
    case 'param':
      return trial.params[column.key];
  }
}

function compare(a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** The trials in the table's order; trials without a value in the sorted column go last either way. */
export function sortTrials(trials: readonly TrialInfo[], sort: Sort, metric: string): TrialInfo[] {
  return [...trials].sort((x, y) => {
    const a = cellValue(x, sort.column, metric);
    const b = cellValue(y, sort.column, metric);
    if (a === undefined || b === undefined) return compare(a, b) || x.index - y.index;
    return (sort.descending ? -compare(a, b) : compare(a, b)) || x.index - y.index;
  });
}

/**
 * Whether a value passes a column's filter: `>0.01`, `<=64`, `16..64` (both
 * ends included) for numbers, otherwise the text is looked for in the
 * value; an empty filter passes everything.
 */
export function matchesFilter(value: ParamValue | undefined, filter: string): boolean {
  const f = filter.trim();
  if (f === '') return true;
  if (value === undefined) return false;
  const number = typeof value === 'number' ? value : undefined;
  const comparison = /^(<=|>=|<|>|=)\s*(-?[\d.]+(?:e-?\d+)?)$/i.exec(f);
  if (comparison && number !== undefined) {
    const limit = Number(comparison[2]);
    switch (comparison[1]) {
      case '<':
        return number < limit;
      case '<=':
        return number <= limit;
      case '>':
        return number > limit;
      case '>=':
        return number >= limit;
      default:
        return number === limit;
    }
  }
  const range = /^(-?[\d.]+(?:e-?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e-?\d+)?)$/i.exec(f);
  if (range && number !== undefined) return number >= Number(range[1]) && number <= Number(range[2]);
  return String(value).toLowerCase().includes(f.toLowerCase());
}

/** The trials that pass every column's filter (filters by parameter key, `status` and the metric). */
export function filterTrials(trials: readonly TrialInfo[], filters: ReadonlyMap<string, string>, metric: string): TrialInfo[] {
  return trials.filter((t) =>
    [...filters].every(([key, filter]) => {
      const column: Column = key === 'status' ? { kind: 'status' } : key === metric ? { kind: 'metric' } : { kind: 'param', key };
      return matchesFilter(cellValue(t, column, metric), filter);
    }),
  );
}
