import { LEARNING_RATE_KEY, type MetricRecord } from '../../src/protocol/runTypes';

/**
 * A chart point: x in epochs (fractional for batches: batch b of B in epoch
 * e sits at e - 1 + (b + 1) / B), y the metric. `epoch` and `batch` say
 * which record it came from, for the tooltip.
 */
export interface Point {
  readonly x: number;
  readonly y: number;
  readonly epoch: number;
  /** 0-based batch within the epoch; absent for an epoch record. */
  readonly batch?: number;
}

/** The learning rate the trainer records per epoch: drawn on a chart of its own, after the metrics, never smoothed. */
export const LEARNING_RATE = LEARNING_RATE_KEY;

/** `names` with the learning rate, if there, moved to the end. */
export function learningRateLast(names: Iterable<string>): string[] {
  const list = [...names];
  return list.includes(LEARNING_RATE) ? [...list.filter((n) => n !== LEARNING_RATE), LEARNING_RATE] : list;
}

/** Keys of a record that are not metrics. */
const NOT_METRICS = new Set(['epoch', 'batch', 'time']);

/**
 * The curves of one run, built from its metrics records. Records can arrive
 * twice (a reset from the run folder races live messages): each
 * (epoch, batch) is kept once, and the record list stays in arrival order.
 */
export class RunSeries {
  readonly records: MetricRecord[] = [];
  /** Per-batch values of each training metric (`loss`, `accuracy`, …), in record order. */
  readonly batchMetrics = new Map<string, Point[]>();
  /** Per-epoch values of every metric: `loss`, `val_loss`, `accuracy`, `val_accuracy`, … */
  readonly epochMetrics = new Map<string, Point[]>();
  private readonly seen = new Set<string>();

  /**
   * `epochOffset`: epochs drawn before this run's first (a continued run's
   * ancestors'): its points sit that far right and say the overall epoch;
   * `records` keep the run's own numbering.
   */
  constructor(
    readonly batchesPerEpoch: number | undefined,
    readonly epochOffset = 0,
  ) {}

  /** Adds the records not seen yet; returns how many were new. */
  add(records: readonly MetricRecord[]): number {
    let added = 0;
    for (const record of records) {
      const key = `${record.epoch}:${record.batch ?? 'epoch'}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.records.push(record);
      added++;
      const batch = record.batch;
      const target = batch === null ? this.epochMetrics : this.batchMetrics;
      const epoch = record.epoch + this.epochOffset;
      const x = batch === null ? epoch : this.batchX(epoch, batch);
      for (const [name, value] of Object.entries(record)) {
        if (NOT_METRICS.has(name) || typeof value !== 'number' || !Number.isFinite(value)) continue;
        let points = target.get(name);
        if (!points) target.set(name, (points = []));
        const point: Point = batch === null ? { x, y: value, epoch } : { x, y: value, epoch, batch };
        // Records normally come in order; one that does not is put in its place.
        if (points.length > 0 && points[points.length - 1].x > x) points.splice(insertionIndex(points, x), 0, point);
        else points.push(point);
      }
    }
    return added;
  }

  /**
   * Metric names without the `val_` prefix, loss first, then in the order
   * they first appeared, the learning rate last: one chart each, training
   * and validation together.
   */
  metricNames(): string[] {
    const names = new Set<string>(['loss']);
    for (const map of [this.epochMetrics, this.batchMetrics]) {
      for (const name of map.keys()) names.add(name.startsWith('val_') ? name.slice(4) : name);
    }
    if (!this.epochMetrics.has('loss') && !this.batchMetrics.has('loss') && !this.epochMetrics.has('val_loss')) {
      names.delete('loss');
    }
    return learningRateLast(names);
  }

  /**
   * The training curve of `metric`: per batch when asked and recorded,
   * else per epoch.
   */
  train(metric: string, view: 'batch' | 'epoch'): readonly Point[] {
    const perBatch = view === 'batch' ? this.batchMetrics.get(metric) : undefined;
    return perBatch && perBatch.length > 0 ? perBatch : (this.epochMetrics.get(metric) ?? []);
  }

  /** The validation curve of `metric` (one point per epoch). */
  validation(metric: string): readonly Point[] {
    return this.epochMetrics.get(`val_${metric}`) ?? [];
  }

  /** Loss values the run has: batches, epochs, validation epochs (what the e2e suite counts). */
  get lossPointCount(): number {
    return (
      (this.batchMetrics.get('loss')?.length ?? 0) +
      (this.epochMetrics.get('loss')?.length ?? 0) +
      (this.epochMetrics.get('val_loss')?.length ?? 0)
    );
  }

  /** The latest record: its epoch is the current one. */
  get last(): MetricRecord | undefined {
    return this.records[this.records.length - 1];
  }

  /** Fraction of the planned run done, from the latest record; undefined before the first. */
  progress(epochs: number | undefined): number | undefined {
    const last = this.last;
    if (!last || !epochs) return undefined;
    const within = last.batch === null ? 1 : this.batchesPerEpoch ? (last.batch + 1) / this.batchesPerEpoch : 0;
    return Math.min((last.epoch - 1 + within) / epochs, 1);
  }

  private batchX(epoch: number, batch: number): number {
    // Without the batch count (an old run.json) batches are spread as they come.
    const perEpoch = this.batchesPerEpoch ?? batch + 1;
    return epoch - 1 + (batch + 1) / perEpoch;
  }
}

/** First index whose x is greater than `x` (points sorted by x). */
export function insertionIndex(points: readonly { readonly x: number }[], x: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
