import type { LearningRateSchedule } from '../modelFile/modelSpec';
import { LEARNING_RATE_KEY } from '../protocol/runTypes';
import { monitorMode } from '../modelFile/metricMode';

/** Plateau's defaults, Keras's ReduceLROnPlateau's. */
const PLATEAU_FACTOR = 0.1;
const PLATEAU_PATIENCE = 10;

/**
 * What plateau has seen, saved in the `last` checkpoint so a resumed run
 * reduces the rate when the uninterrupted run would have: the rate of the
 * next epoch to run, the monitored metric's best value, and the epochs
 * since it last improved.
 */
export interface PlateauState {
  readonly rate: number;
  readonly best?: number;
  readonly wait: number;
}

/**
 * The learning rate of epoch `epoch` (1-based) of `epochs`, starting from `base`:
 *
 * - cosine: epochs 1..W (W = warmupEpochs) rise linearly, base·e/W; from
 *   max(W, 1) to the last epoch the rate follows half a cosine from base down to
 *   minLearningRate, which the last epoch gets (a one-epoch run without
 *   warm-up has nothing to anneal and runs at base);
 * - step: base·factor^⌊(e−1)/every⌋;
 * - exponential: base·factor^(e−1);
 * - plateau: `plateau.rate`, which plateauAfterEpoch lowers (base when no epoch was seen);
 * - none: base.
 */
export function learningRateAt(
  schedule: LearningRateSchedule | undefined,
  base: number,
  epoch: number,
  epochs: number,
  plateau?: PlateauState,
): number {
  if (schedule === undefined) return base;
  switch (schedule.type) {
    case 'cosine': {
      const warmup = schedule.warmupEpochs ?? 0;
      const min = schedule.minLearningRate ?? 0;
      if (epoch <= warmup) return (base * epoch) / warmup;
      const start = Math.max(warmup, 1);
      if (epochs <= start) return base;
      const t = Math.min(1, (epoch - start) / (epochs - start));
      return min + ((base - min) * (1 + Math.cos(Math.PI * t))) / 2;
    }
    case 'step':
      return base * schedule.factor ** Math.floor((epoch - 1) / schedule.every);
    case 'exponential':
      return base * schedule.factor ** (epoch - 1);
    case 'plateau':
      return plateau?.rate ?? base;
  }
}

/** The metric plateau watches: `monitor`, else val_loss, or loss without validation. */
export function plateauMonitor(schedule: Extract<LearningRateSchedule, { type: 'plateau' }>, hasValidation: boolean): string {
  return schedule.monitor ?? (hasValidation ? 'val_loss' : 'loss');
}

/**
 * Plateau after an epoch whose monitored metric was `value`: an improvement
 * (lower, or higher for accuracy-like metrics) resets the wait; `patience`
 * epochs in a row without one multiply the rate by `factor`, never below
 * minLearningRate, and start the wait over (Keras's ReduceLROnPlateau without cooldown).
 */
export function plateauAfterEpoch(
  schedule: Extract<LearningRateSchedule, { type: 'plateau' }>,
  state: PlateauState,
  metric: string,
  value: number,
): PlateauState {
  const improved = state.best === undefined || (monitorMode(metric) === 'min' ? value < state.best : value > state.best);
  if (improved) return { rate: state.rate, best: value, wait: 0 };
  const wait = state.wait + 1;
  if (wait < (schedule.patience ?? PLATEAU_PATIENCE)) return { ...state, wait };
  const min = schedule.minLearningRate ?? 0;
  return { ...state, rate: Math.max(min, state.rate * (schedule.factor ?? PLATEAU_FACTOR)), wait: 0 };
}

/** A checkpoint's plateau state, or undefined when it is missing or malformed. */
export function plateauStateOf(value: unknown): PlateauState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { rate, best, wait } = value as Record<string, unknown>;
  const ok =
    typeof rate === 'number' &&
    Number.isFinite(rate) &&
    (best === undefined || typeof best === 'number') &&
    Number.isInteger(wait) &&
    (wait as number) >= 0;
  return ok ? (value as PlateauState) : undefined;
}

/** Records name a metric as the model file does; `accuracy` and `acc` (`crossentropy`, `ce`) are the same metric. */
function otherSpelling(metric: string): string {
  const spellings: Readonly<Record<string, string>> = { accuracy: 'acc', acc: 'accuracy', crossentropy: 'ce', ce: 'crossentropy' };
  const prefix = metric.startsWith('val_') ? 'val_' : '';
  const other = spellings[metric.slice(prefix.length)];
  return other === undefined ? metric : prefix + other;
}

/**
 * One run's schedule, epoch by epoch: the rate each epoch trains with, and
 * for plateau what the epochs' records said (restored from a checkpoint
 * when resuming).
 */
export class EpochLearningRates {
  private plateau: PlateauState | undefined;
  private readonly monitor: string | undefined;
  private missingMonitorReported = false;

  constructor(
    private readonly schedule: LearningRateSchedule | undefined,
    private readonly base: number,
    private readonly epochs: number,
    hasValidation: boolean,
    restored?: PlateauState,
  ) {
    if (schedule?.type === 'plateau') {
      this.monitor = plateauMonitor(schedule, hasValidation);
      this.plateau = restored ?? { rate: base, wait: 0 };
    }
  }

  rateOf(epoch: number): number {
    return learningRateAt(this.schedule, this.base, epoch, this.epochs, this.plateau);
  }

  /** Plateau's state for the checkpoint; undefined for the other schedules (their rate follows from the epoch). */
  get state(): PlateauState | undefined {
    return this.plateau;
  }

  /**
   * Takes an epoch's record into account. Returns a warning, once, when
   * plateau's metric is not in the records (the rate then stays where it is).
   */
  observe(record: Readonly<Record<string, number | null>>): string | undefined {
    if (this.schedule?.type !== 'plateau' || this.plateau === undefined || this.monitor === undefined) return undefined;
    const value = record[this.monitor] ?? record[otherSpelling(this.monitor)];
    if (typeof value === 'number') {
      this.plateau = plateauAfterEpoch(this.schedule, this.plateau, this.monitor, value);
      return undefined;
    }
    if (this.missingMonitorReported || this.monitor in record || otherSpelling(this.monitor) in record) return undefined;
    this.missingMonitorReported = true;
    const have = Object.keys(record).filter((k) => !['epoch', 'batch', 'time', LEARNING_RATE_KEY].includes(k));
    return `training.learningRateSchedule.monitor: there is no metric "${this.monitor}" (have ${have.join(', ')}); the learning rate stays at ${this.plateau.rate}`;
  }
}
