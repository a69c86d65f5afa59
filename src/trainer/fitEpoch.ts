import * as tf from '@tensorflow/tfjs';
import type { SplitTensors } from './trainingData';
import type { TrainingState } from './trainingState';

// One epoch of model.fit as train.ts drives it: batch logs in order, epoch means, yielding to the event loop.

/**
 * Training yields to the event loop, for IPC messages (a stop request),
 * signals, timers (the heartbeat) and stream writes, after the first batch
 * that ends this long after the last yield. Not after every batch: a yield
 * costs about 0.2 ms, 1 % of a 20 ms wasm MLP batch; a stop waits at most
 * this long more.
 */
const YIELD_EVERY_MS = 50;

/** Yields when YIELD_EVERY_MS have passed since it last did. */
export class EventLoopYield {
  private last = performance.now();

  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

/**
 * Means of the training metrics over an epoch's batches, weighted by batch
 * size as Keras does, summed here rather than taken from TF.js's epoch logs
 * so that an epoch cut by a stop and finished by a resumed run gets the
 * value the uninterrupted epoch would have.
 */
export class EpochSums {
  private examples: number;
  private readonly sums: Record<string, number>;

  constructor(
    private readonly keys: readonly string[],
    saved?: TrainingState['partial'],
  ) {
    this.examples = saved?.examples ?? 0;
    this.sums = Object.fromEntries(keys.map((key) => [key, saved?.sums[key] ?? 0]));
  }

  add(logs: tf.Logs, size: number): void {
    this.examples += size;
    for (const key of this.keys) if (key in logs) this.sums[key] += logs[key] * size;
  }

  /** `logs` with the training metrics replaced by the means over every batch of the epoch. */
  means(logs: tf.Logs): tf.Logs {
    if (this.examples === 0) return logs;
    const means = Object.fromEntries(this.keys.filter((key) => key in logs).map((key) => [key, this.sums[key] / this.examples]));
    return { ...logs, ...means };
  }

  get saved(): NonNullable<TrainingState['partial']> {
    return { examples: this.examples, sums: { ...this.sums } };
  }
}

/** A batch's or an epoch's logs as TF.js hands them to a tf.Callback: scalars still on the backend. */
type UnresolvedLogs = Record<string, number | tf.Tensor>;

/** Reads logs into numbers now: for backends whose reads are synchronous anyway. */
function readLogsNow(logs: UnresolvedLogs): tf.Logs {
  return Object.fromEntries(Object.entries(logs).map(([key, value]) => [key, typeof value === 'number' ? value : value.dataSync()[0]]));
}

/**
 * Reads logs into numbers without waiting in TF.js's callback: the scalars
 * are cloned (fit disposes its own right after the callback) and read
 * asynchronously. Never rejects unhandled: the caller awaits it.
 */
function readLogs(logs: UnresolvedLogs): Promise<tf.Logs> {
  const entries = Object.entries(logs).map(([key, value]) => [key, typeof value === 'number' ? value : tf.clone(value)] as const);
  const read = (async () => {
    try {
      const values = await Promise.all(entries.map(async ([, value]) => (typeof value === 'number' ? value : (await value.data())[0])));
      return Object.fromEntries(entries.map(([key], i) => [key, values[i]]));
    } finally {
      tf.dispose(entries.flatMap(([, value]) => (typeof value === 'number' ? [] : [value])));
    }
  })();
  read.catch(() => undefined);
  return read;
}

/**
 * Batches whose logs may still be being read while later batches train. On
 * webgpu reading a batch's loss waits for the GPU queue to empty before the
 * next batch is queued: reading every batch at once made an MLP epoch on
 * lavapipe 2.9 s, two batches behind 2.4 s, eight behind 2.1 s (bare fit
 * 2.2 s). wasm, cpu and tensorflow read synchronously: their records come
 * with the batch.
 */
function logsInFlight(): number {
  return tf.getBackend() === 'webgpu' ? 8 : 0;
}

/**
 * Hands each batch's resolved logs to `onBatch` in order, a few batches
 * behind training where the backend reads asynchronously, and keeps the
 * epoch's logs. An aborted `signal` stops fit after the batch in progress,
 * however far behind the records are.
 */
class BatchLogs extends tf.Callback {
  private readonly reading: { index: number; logs: Promise<tf.Logs> }[] = [];
  private readonly inFlight = logsInFlight();
  batchesDone: number;
  epochLogs: tf.Logs | undefined;

  constructor(
    private readonly skip: number,
    private readonly onBatch: (index: number, logs: tf.Logs) => Promise<void>,
    private readonly signal: AbortSignal,
  ) {
    super();
    this.batchesDone = skip;
  }

  override async onBatchEnd(batch: number, logs: UnresolvedLogs = {}): Promise<void> {
    const index = this.skip + batch;
    if (this.inFlight === 0) {
      await this.handle(index, readLogsNow(logs));
    } else {
      this.reading.push({ index, logs: readLogs(logs) });
      while (this.reading.length > this.inFlight) await this.handleOldest();
    }
    if (this.signal.aborted) this.model.stopTraining = true;
  }

  override async onEpochEnd(_epoch: number, logs: UnresolvedLogs = {}): Promise<void> {
    while (this.reading.length > 0) await this.handleOldest();
    this.epochLogs = await readLogs(logs);
  }

  /** Waits for reads still going (after fit failed), so that their clones are disposed. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.reading.splice(0).map((read) => read.logs));
  }

  private async handleOldest(): Promise<void> {
    const oldest = this.reading.shift();
    if (oldest !== undefined) await this.handle(oldest.index, await oldest.logs);
  }

  private async handle(index: number, logs: tf.Logs): Promise<void> {
    this.batchesDone = index + 1;
    await this.onBatch(index, logs);
  }
}

/**
 * One epoch of model.fit: the whole training split shuffled by fit, or
 * (`shuffle` off) the rest of an epoch a resumed run finishes, already in
 * order, from batch `skip` on. `onBatch` gets each batch's index within the
 * whole epoch and its resolved logs, in order; an aborted `signal` stops
 * after the batch in progress. Returns the epoch's logs (val_* included),
 * or undefined when it stopped before the last batch.
 */
export async function fitEpoch(
  model: tf.LayersModel,
  data: SplitTensors,
  shuffle: boolean,
  validation: SplitTensors | undefined,
  batchSize: number,
  epoch: number,
  skip: number,
  signal: AbortSignal,
  onBatch: (index: number, logs: tf.Logs) => Promise<void>,
): Promise<tf.Logs | undefined> {
  const batches = skip + Math.ceil(data.count / batchSize);
  const batchLogs = new BatchLogs(skip, onBatch, signal);
  try {
    await model.fit(data.x, data.y, {
      batchSize,
      epochs: epoch,
      initialEpoch: epoch - 1,
      shuffle,
      verbose: 0,
      // onBatch yields to the event loop itself, once per batch; TF.js's yield would add timers.
      yieldEvery: 'never',
      ...(validation ? { validationData: [validation.x, validation.y] } : {}),
      callbacks: [batchLogs],
    });
  } finally {
    await batchLogs.settle();
  }
  return batchLogs.batchesDone === batches ? batchLogs.epochLogs : undefined;
}
