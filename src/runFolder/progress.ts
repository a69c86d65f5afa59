import type { MetricRecord, RunInfo } from '../protocol/runTypes';

export interface ProgressSnapshot {
  /** 1-based epoch the latest record belongs to. */
  readonly epoch: number;
  readonly epochs: number;
  /** Batches finished in that epoch. */
  readonly batchesDone: number;
  readonly batchesPerEpoch: number;
  /** Share of the planned batches done, 0…1. */
  readonly fraction: number;
  /** Training examples per second over the recent window; undefined until two batches are in. */
  readonly samplesPerSecond?: number;
  /** Seconds left at that speed. */
  readonly etaSeconds?: number;
}

/** Batch records the speed is averaged over: long enough to smooth, short enough to follow changes. */
const WINDOW = 64;

/**
 * Progress, speed and ETA of a run from its metric records, for the CLI's
 * progress line and the training panel. Validation and checkpoint time
 * between epochs count against the speed, as they do against the ETA.
 */
export class TrainingProgress {
  private readonly recent: { readonly batchIndex: number; readonly time: number }[] = [];

  constructor(private readonly run: Pick<RunInfo, 'epochs' | 'trainSamples' | 'batchesPerEpoch'>) {}

  update(record: MetricRecord): ProgressSnapshot {
    const { epochs, batchesPerEpoch, trainSamples } = this.run;
    const batchesDone = record.batch === null ? batchesPerEpoch : record.batch + 1;
    const batchIndex = (record.epoch - 1) * batchesPerEpoch + batchesDone;
    const total = epochs * batchesPerEpoch;
    if (record.batch !== null) {
      this.recent.push({ batchIndex, time: record.time });
      if (this.recent.length > WINDOW) this.recent.shift();
    }
    let speed: { samplesPerSecond: number; etaSeconds: number } | undefined;
    if (this.recent.length >= 2) {
      const first = this.recent[0];
      const last = this.recent[this.recent.length - 1];
      const seconds = (last.time - first.time) / 1000;
      if (seconds > 0) {
        const batchesPerSecond = (last.batchIndex - first.batchIndex) / seconds;
        speed = {
          samplesPerSecond: (batchesPerSecond * trainSamples) / batchesPerEpoch,
          etaSeconds: Math.max(0, total - batchIndex) / batchesPerSecond,
        };
      }
    }
    return {
      epoch: record.epoch,
      epochs,
      batchesDone,
      batchesPerEpoch,
      fraction: total > 0 ? Math.min(1, batchIndex / total) : 0,
      ...speed,
    };
  }
}

/** `1:05:09`, `4:07`, `0:09`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}
