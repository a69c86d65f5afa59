import * as tf from '@tensorflow/tfjs';
import type { PreparedData } from '../data/preparedData';
import type { MetricRecord } from '../protocol/runTypes';
import { readMetrics } from '../runFolder/readRunFolder';
import { splitTensors, type LabelEncoding, type SplitTensors } from './trainingData';

// What run.json says of the model a run saved: its metrics on the test split and its validation metrics.

/** Loss and metrics on the test split, named as in the records; undefined without a test split. */
export async function evaluateTest(
  model: tf.LayersModel,
  data: PreparedData,
  encoding: LabelEncoding,
  batchSize: number,
  name: (tfName: string) => string,
): Promise<Record<string, number> | undefined> {
  if (!data.test || data.test.count === 0) {
    return undefined;
  }
  const test: SplitTensors = splitTensors(data.test, data.featureShape, encoding);
  try {
    const result = model.evaluate(test.x, test.y, { batchSize });
    const scalars = Array.isArray(result) ? result : [result];
    const values = await Promise.all(scalars.map((s) => s.data()));
    tf.dispose(scalars);
    return Object.fromEntries(model.metricsNames.map((tfName, i) => [name(tfName), values[i][0]]));
  } finally {
    tf.dispose([test.x, test.y]);
  }
}

/**
 * The `val_` metrics of epoch `epoch`'s record (the epoch whose weights the
 * run saved): from this process's records, or metrics.jsonl for an epoch
 * trained before a resume. Undefined without such an epoch or validation.
 */
export async function validationOf(
  epoch: number | undefined,
  records: ReadonlyMap<number, MetricRecord>,
  runDir: string,
): Promise<Record<string, number> | undefined> {
  if (epoch === undefined) return undefined;
  const record = records.get(epoch) ?? (await readMetrics(runDir)).filter((r) => r.batch === null && r.epoch === epoch).pop();
  const entries = Object.entries(record ?? {}).filter(
    (entry): entry is [string, number] => entry[0].startsWith('val_') && typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
