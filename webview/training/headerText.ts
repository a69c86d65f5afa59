import type { MetricRecord } from '../../src/protocol/runTypes';
import type { PanelRun } from '../../src/protocol/trainingPanelMessages';
import { LEARNING_RATE, type RunSeries } from './series';

// The numbers the header writes: each metric's latest value, the results of an ended run, and the progress line read aloud.

/** A metric's value as the header writes it: four significant digits. */
export function shown(value: number): string {
  return value.toPrecision(4);
}

/**
 * Each metric's latest value, training then validation (`loss`, `val_loss`,
 * `accuracy`, `val_accuracy`, …): training metrics from the latest record
 * (a batch while an epoch runs), `val_` ones from the latest epoch record.
 * The learning rate is left to its own fact.
 */
export function latestMetrics(series: RunSeries): [string, number][] {
  const last = series.last;
  const values: [string, number][] = [];
  for (const name of series.metricNames()) {
    if (name === LEARNING_RATE) continue;
    const train = last?.[name];
    const trainEpochs = series.epochMetrics.get(name);
    const trainValue = typeof train === 'number' && Number.isFinite(train) ? train : trainEpochs?.[trainEpochs.length - 1]?.y;
    if (trainValue !== undefined) values.push([name, trainValue]);
    const val = series.epochMetrics.get(`val_${name}`);
    if (val?.length) values.push([`val_${name}`, val[val.length - 1].y]);
  }
  return values;
}

/** "accuracy 0.9333 · loss 0.2145" */
function list(metrics: Readonly<Record<string, number>>, strip = ''): string {
  return Object.entries(metrics)
    .map(([name, value]) => `${name.startsWith(strip) ? name.slice(strip.length) : name} ${shown(value)}`)
    .join(' · ');
}

/** An ended run's results: test metrics and the saved model's validation metrics, one line each; none while it runs. */
export function resultLines(run: PanelRun): { term: string; text: string; title: string }[] {
  const lines: { term: string; text: string; title: string }[] = [];
  if (run.test && Object.keys(run.test).length > 0) {
    lines.push({ term: 'Test', text: list(run.test), title: 'Metrics of the saved model on the test split (run.json "test")' });
  }
  if (run.validation && Object.keys(run.validation).length > 0) {
    lines.push({
      term: 'Saved model, validation',
      text: list(run.validation, 'val_'),
      title: 'Validation metrics of the weights the run saved: the last epoch, or the best with restoreBestWeights (run.json "validation")',
    });
  }
  return lines;
}

/**
 * What the live region says: once per epoch while the run goes ("Epoch 3
 * of 10: loss 0.41, val_loss 0.45"), and once when it ends. Empty when
 * there is nothing to say: the caller sets it only when it changes, so it is
 * not read again on every batch.
 */
export function progressAnnouncement(run: PanelRun, lastEpoch: MetricRecord | undefined): string {
  const going = run.status === 'running' || run.status === 'stopping';
  const ended = run.status === 'completed' || run.status === 'stopped' || run.status === 'failed';
  const epochPart = lastEpoch
    ? `Epoch ${lastEpoch.epoch} of ${run.epochs ?? lastEpoch.epoch}: ${Object.entries(lastEpoch)
        .filter(([key, value]) => !['epoch', 'batch', 'time', LEARNING_RATE].includes(key) && typeof value === 'number')
        .map(([key, value]) => `${key} ${shown(value as number)}`)
        .join(', ')}.`
    : '';
  if (going) return epochPart;
  if (!ended) return '';
  const test = run.test && Object.keys(run.test).length > 0 ? ` Test: ${list(run.test)}.` : '';
  return `Run ${run.status}. ${epochPart}${test}`;
}
