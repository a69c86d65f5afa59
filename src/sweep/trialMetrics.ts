import type { MetricRecord } from '../protocol/runTypes';
import type { Goal } from './pruning';

/**
 * A trial's metrics (docs/decisions.md "Sweeps"): its epoch record at its
 * best epoch by the sweep's metric, the first such epoch on a tie, so a
 * trial is judged as its best checkpoint would be. `epoch` says which.
 */
export function bestEpochMetrics(epochRecords: readonly MetricRecord[], metric: string, goal: Goal): Record<string, number> | undefined {
  let best: MetricRecord | undefined;
  for (const record of epochRecords) {
    const value = record[metric];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const bestValue = best?.[metric] as number | undefined;
    if (bestValue === undefined || (goal === 'maximize' ? value > bestValue : value < bestValue)) best = record;
  }
  if (!best) return undefined;
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(best)) if (key !== 'batch' && key !== 'time' && typeof value === 'number') metrics[key] = value;
  return metrics;
}

/** The metric after each epoch (NaN where an epoch did not report it), for the pruner. */
export function metricCurve(epochRecords: readonly MetricRecord[], metric: string): number[] {
  const values: number[] = [];
  for (const record of epochRecords) {
    const value = record[metric];
    values[record.epoch - 1] = typeof value === 'number' ? value : NaN;
  }
  return Array.from(values, (v) => v ?? NaN);
}
