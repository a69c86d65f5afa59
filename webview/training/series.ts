import type { MetricRecord } from '../../src/protocol/runTypes';

/** A chart point: x in epochs (fractional for batches), y the metric. */
export interface Point {
  readonly x: number;
  readonly y: number;
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
  /** Training loss after each batch. */
  readonly batchLoss: Point[] = [];
  /** Per-epoch values of every metric: `loss`, `val_loss`, `accuracy`, `val_accuracy`, … */
  readonly epochMetrics = new Map<string, Point[]>();
  private readonly seen = new Set<string>();

  constructor(private readonly batchesPerEpoch: number | undefined) {}

  /** Adds the records not seen yet; returns how many were new. */
  add(records: readonly MetricRecord[]): number {
    let added = 0;
    for (const record of records) {
      const key = `${record.epoch}:${record.batch ?? 'epoch'}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.records.push(record);
      added++;
      if (record.batch === null) {
        for (const [name, value] of Object.entries(record)) {
          if (NOT_METRICS.has(name) || typeof value !== 'number' || !Number.isFinite(value)) continue;
          let points = this.epochMetrics.get(name);
          if (!points) this.epochMetrics.set(name, (points = []));
          points.push({ x: record.epoch, y: value });
        }
      } else if (Number.isFinite(record.loss)) {
        this.batchLoss.push({ x: this.batchX(record.epoch, record.batch), y: record.loss });
      }
    }
    return added;
  }

  /** Loss points on the loss chart: batches, epochs, validation epochs. */
  get lossPointCount(): number {
    return (
      this.batchLoss.length +
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
