import { monitorMode, type MonitorMode } from '../modelFile/metricMode';
import type { EarlyStoppingSpec } from '../modelFile/modelSpec';

/** What a monitor has seen, saved with a checkpoint so a resumed run stops early when the run would have. */
export interface MonitorState {
  readonly best?: number;
  readonly epochsWithoutImprovement: number;
}

export type Observation =
  /** Best so far (by more than minDelta): save the best checkpoint. */
  | 'improved'
  | 'waiting'
  /** `patience` epochs without improvement: early stopping ends training. */
  | 'stop';

/**
 * Tracks the best value of one epoch metric, for the best checkpoint and
 * for early stopping (`monitor`, `patience`, `minDelta` as in Keras's
 * EarlyStopping; without a patience it never says stop).
 */
export class MetricMonitor {
  private best: number | undefined;
  private epochsWithoutImprovement = 0;
  private readonly mode: MonitorMode;

  constructor(
    readonly metric: string,
    private readonly minDelta = 0,
    private readonly patience = Infinity,
  ) {
    this.mode = monitorMode(metric);
  }

  static forEarlyStopping(spec: EarlyStoppingSpec, defaultMetric: string): MetricMonitor {
    return new MetricMonitor(spec.monitor ?? defaultMetric, Math.abs(spec.minDelta ?? 0), spec.patience ?? 0);
  }

  get state(): MonitorState {
    return { ...(this.best === undefined ? {} : { best: this.best }), epochsWithoutImprovement: this.epochsWithoutImprovement };
  }

  restore(state: MonitorState): void {
    this.best = state.best;
    this.epochsWithoutImprovement = state.epochsWithoutImprovement;
  }

  observe(value: number): Observation {
    const improved =
      this.best === undefined || (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved) {
      this.best = value;
      this.epochsWithoutImprovement = 0;
      return 'improved';
    }
    this.epochsWithoutImprovement++;
    return this.epochsWithoutImprovement >= this.patience ? 'stop' : 'waiting';
  }
}
