import type * as tf from '@tensorflow/tfjs';
import type { MetricRecord } from '../protocol/runTypes';
import type { ModelSpec } from '../modelFile/modelSpec';

/**
 * TF.js names the metric `accuracy` "acc"; records use the names the model
 * file used. Metric i of the model is metric i of the spec.
 */
export function metricNamer(model: tf.LayersModel, spec: ModelSpec): (tfName: string) => string {
  const userNames = ['loss', ...(spec.training.metrics ?? [])];
  const tfNames = model.metricsNames;
  const rename = new Map<string, string>();
  if (tfNames.length === userNames.length) {
    tfNames.forEach((name, i) => {
      rename.set(name, userNames[i]);
      rename.set(`val_${name}`, `val_${userNames[i]}`);
    });
  }
  return (tfName) => rename.get(tfName) ?? tfName;
}

/** JSON has no NaN or Infinity: a diverged metric is written as null. */
function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A record from TF.js logs: epoch, batch, loss, metrics in model order, val_* metrics, time. */
export function toRecord(
  epoch: number,
  batch: number | null,
  logs: tf.Logs,
  name: (tfName: string) => string,
  metricNames: readonly string[],
): MetricRecord {
  const record: Record<string, number | null> = { epoch, batch, loss: logs.loss };
  for (const key of metricNames.slice(1)) {
    if (key in logs) record[name(key)] = jsonNumber(logs[key]);
  }
  for (const key of metricNames) {
    if (`val_${key}` in logs) record[name(`val_${key}`)] = jsonNumber(logs[`val_${key}`]);
  }
  record.time = Date.now();
  return record as unknown as MetricRecord;
}
