import { EXPLAIN_METHODS, type ExplainMethod } from '../protocol/explainTypes';
import { UsageError } from './usageError';

// `explain`'s own options, checked.

/** `--method`, checked. */
export function methodOption(value: string | undefined): ExplainMethod | undefined {
  const method = value as ExplainMethod | undefined;
  if (method !== undefined && !EXPLAIN_METHODS.includes(method)) {
    throw new UsageError(`--method must be one of ${EXPLAIN_METHODS.join(', ')}, got "${value}"`);
  }
  return method;
}

/** `--rows 1,7,42`: 0-based example positions, comma-separated. */
export function rowsOption(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const rows = value.split(',').map((part) => part.trim());
  const bad = rows.find((part) => !/^\d+$/.test(part));
  if (bad !== undefined) {
    throw new UsageError(`--rows takes 0-based example positions separated by commas (e.g. 1,7,42), got "${value}"`);
  }
  return rows.map(Number);
}
