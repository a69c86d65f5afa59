import { LEARNING_RATE, type Point, type RunSeries } from './series';

// The charts' text alternative: a label that says what a chart shows now, and the columns of its table of epoch values.

/** A run as a chart's text names it. */
export interface NamedSeries {
  readonly label: string;
  readonly series: RunSeries;
}

/** The latest value of a curve, as the header writes numbers. */
function latest(points: readonly Point[]): string | undefined {
  const last = points[points.length - 1];
  return last && `${Number(last.y.toPrecision(4))} at epoch ${last.epoch}`;
}

/**
 * What a screen reader says for a chart: the metric, the view, and per run
 * drawn its latest epoch's training and validation values, e.g. "loss
 * chart, per batch. 10:02:11: training 0.41 at epoch 4, validation 0.45 at
 * epoch 4".
 */
export function chartLabel(metric: string, runs: readonly NamedSeries[], view: 'batch' | 'epoch'): string {
  const name = metric === LEARNING_RATE ? 'learning rate' : metric;
  const perRun = runs
    .map((run) => {
      const parts = [
        // Epoch values even in the batch view: the label changes once an epoch, not with every batch.
        ['training', latest(run.series.epochMetrics.get(metric) ?? [])],
        ['validation', latest(run.series.validation(metric))],
      ]
        .filter(([, value]) => value !== undefined)
        .map(([kind, value]) => (metric === LEARNING_RATE ? value : `${kind} ${value}`));
      return parts.length === 0 ? undefined : `${run.label}: ${parts.join(', ')}`;
    })
    .filter((text): text is string => text !== undefined);
  const shown = metric === LEARNING_RATE ? 'per epoch' : `per ${view}`;
  return `${name} chart, ${shown}. ${perRun.length === 0 ? 'No values yet.' : `${perRun.join('; ')}.`} The table of values follows.`;
}

/** The columns of a metric's table: per run, its epoch curve of training and of validation values. */
export function valueColumns(metric: string, runs: readonly NamedSeries[]): { heading: string; points: readonly Point[] }[] {
  const several = runs.length > 1;
  const result: { heading: string; points: readonly Point[] }[] = [];
  for (const run of runs) {
    const curves: [string, readonly Point[]][] = [
      [metric === LEARNING_RATE ? 'learning rate' : 'training', run.series.epochMetrics.get(metric) ?? []],
      ['validation', run.series.validation(metric)],
    ];
    for (const [kind, points] of curves) {
      if (points.length > 0) result.push({ heading: several ? `${run.label} ${kind}` : kind, points });
    }
  }
  return result;
}
