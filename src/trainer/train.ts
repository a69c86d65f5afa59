import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import type { PreparedData } from '../data/preparedData';
import { Mulberry32 } from '../data/random';
import type { RunError, RunInfo, RunStatus } from '../protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { loadBackend, type BackendDetail, type LoadedBackend } from './backend';
import { disposeModel, outputUnits } from './buildModel';
import { metricNamer, toRecord } from './metricRecords';
import { MetricMonitor } from './metricMonitor';
import { loadCheckpoint, readWeights } from './modelIO';
import { isOutOfMemoryError, OutOfMemoryError, outOfMemoryMessage } from '../protocol/outOfMemory';
import { readResumable, type Resumable } from '../runFolder/resume';
import { RUN_FILES } from '../runFolder/runFiles';
import { setUpRun, type RunSetup } from './runSetup';
import { RunWriter } from './runWriter';
import { labelEncoding, restOfEpoch, splitTensors, type LabelEncoding, type SplitTensors } from './trainingData';
import { trainingStateOf, type TrainingState } from './trainingState';
import { userMessage } from './userMessage';

export interface TrainEvents {
  /** Every message, in order: ready, runStarted, metrics…, done — or ready?, error. */
  onMessage(message: TrainerToHost): void;
}

/** The last message of a run: `done` (run.json is final) or `error` (nothing was started). */
export type TrainOutcome = Extract<TrainerToHost, { type: 'done' } | { type: 'error' }>;

/** Thrown from a batch callback to end training with run.json saying why. */
class TrainingDiverged extends Error {}

/** MiB, as V8's --max-old-space-size counts. */
const MB = 1024 * 1024;

/**
 * Training yields to the event loop, for IPC messages (a stop request),
 * signals, timers (the heartbeat) and stream writes, after the first batch
 * that ends this long after the last yield. Not after every batch: a yield
 * costs about 0.2 ms, 1 % of a 20 ms wasm MLP batch; a stop waits at most
 * this long more.
 */
const YIELD_EVERY_MS = 50;

/** Yields when YIELD_EVERY_MS have passed since it last did. */
class EventLoopYield {
  private last = performance.now();

  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

/**
 * TF.js draws dropout masks, fit's shuffle and other unseeded randomness from Math.random.
 * Seeding a layer's dropout instead would reuse one mask for every batch, so
 * Math.random itself follows the run's seed while training runs (`random`
 * starts from the seed, or from a checkpoint's state when resuming).
 */
async function withSeededRandom<T>(random: Mulberry32, body: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = random.next;
  try {
    return await body();
  } finally {
    Math.random = original;
  }
}

/** The generator a new run of `seed` starts Math.random with. */
function randomForSeed(seed: number): Mulberry32 {
  return new Mulberry32(seed ^ 0x5bd1e995);
}

/** A stopped run being resumed: its run.json and where its last checkpoint left training. */
interface Resumed {
  readonly run: RunInfo;
  readonly state: TrainingState;
}

/**
 * Loads the stopped run's last checkpoint (weights and optimizer state)
 * into the freshly built model and returns where training stood. The data
 * must still give the run's split: the same examples per epoch.
 */
async function restoreCheckpoint(resumable: Resumable, setup: RunSetup): Promise<TrainingState> {
  const { run, runDir } = resumable;
  if (setup.data.train.count !== run.trainSamples) {
    throw new Error(
      `${displayPath(runDir)}: cannot resume run ${run.id}: the training data now gives ${setup.data.train.count} examples, ` +
        `the run trained on ${run.trainSamples}; start a new run`,
    );
  }
  const dir = path.join(runDir, RUN_FILES.checkpoints, 'last');
  let loaded: Awaited<ReturnType<typeof loadCheckpoint>>;
  try {
    loaded = await loadCheckpoint(setup.model, dir);
  } catch (error) {
    throw new Error(`${displayPath(dir)}: cannot resume run ${run.id}: its last checkpoint does not load (${userMessage(error, run.modelFile)})`);
  }
  const state = trainingStateOf(loaded.metadata);
  if (!state || !loaded.optimizer) {
    throw new Error(`${displayPath(dir)}: cannot resume run ${run.id}: its last checkpoint has no training state (saved by an older Model Studio); start a new run`);
  }
  return state;
}

/**
 * Runs one training: loads the backend, validates the model file, prepares
 * the data, trains with per-epoch seeded shuffling, writes the run folder
 * and reports every step through `events`. Used by the trainer process and
 * the CLI alike. Aborting `signal` stops after the current batch (the model
 * and the last checkpoint are saved, the status is `stopped`). Never
 * throws for problems in the user's files: they end in an `error` (nothing
 * started) or a failed `done`.
 */
export async function train(
  request: TrainRequest,
  events: TrainEvents,
  signal: AbortSignal = new AbortController().signal,
): Promise<TrainOutcome> {
  const emit = (message: TrainerToHost): void => events.onMessage(message);
  const fail = (error: unknown): TrainOutcome => {
    const message: TrainOutcome = { type: 'error', message: userMessage(error, request.modelFile) };
    emit(message);
    return message;
  };

  let loaded: LoadedBackend & BackendDetail;
  try {
    loaded = await loadBackend(request.backend ?? 'auto');
  } catch (error) {
    return fail(error);
  }
  emit({ type: 'ready', backend: loaded.backend, skipped: loaded.skipped });
  if (loaded.detail !== undefined) emit({ type: 'log', level: 'info', message: `${loaded.backend}: ${loaded.detail}` });

  let setup: RunSetup;
  let resumable: Resumable | undefined;
  try {
    resumable = request.resumeRunDir === undefined ? undefined : await readResumable(request);
    setup = await setUpRun(request, loaded, emit, resumable && { specText: resumable.specText, epochs: resumable.run.epochs });
  } catch (error) {
    return fail(error);
  }
  try {
    const startedAt = new Date();
    let writer: RunWriter;
    let resumed: Resumed | undefined;
    try {
      if (resumable) {
        resumed = { run: resumable.run, state: await restoreCheckpoint(resumable, setup) };
        writer = RunWriter.open(resumable.runDir);
      } else {
        writer = await RunWriter.create(request.runsDir, setup.spec, setup.data, startedAt);
      }
    } catch (error) {
      return fail(error);
    }
    const random = resumed ? new Mulberry32(resumed.state.random) : randomForSeed(setup.seed);
    return await withSeededRandom(random, () => runTraining(request, setup, writer, startedAt, emit, signal, random, resumed));
  } finally {
    disposeModel(setup.model);
  }
}

/**
 * Means of the training metrics over an epoch's batches, weighted by batch
 * size as Keras does, summed here rather than taken from TF.js's epoch logs
 * so that an epoch cut by a stop and finished by a resumed run gets the
 * value the uninterrupted epoch would have.
 */
class EpochSums {
  private examples: number;
  private readonly sums: Record<string, number>;

  constructor(private readonly keys: readonly string[], saved?: TrainingState['partial']) {
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

/** Where training is, for a failure's epoch and batch: the batch in progress (0-based), undefined between epochs. */
interface Position {
  epoch: number;
  batch: number | undefined;
}

async function runTraining(
  request: TrainRequest,
  setup: RunSetup,
  writer: RunWriter,
  startedAt: Date,
  emit: (message: TrainerToHost) => void,
  signal: AbortSignal,
  random: Mulberry32,
  resumed: Resumed | undefined,
): Promise<TrainOutcome> {
  const { spec, data, model, seed, epochs, batchSize } = setup;
  const batchesPerEpoch = Math.ceil(data.train.count / batchSize);
  const base = {
    id: writer.id,
    name: spec.name,
    modelFile: resumed?.run.modelFile ?? request.modelFile,
    backend: setup.backend.backend,
    backendSkipped: setup.backend.skipped,
    startedAt: resumed?.run.startedAt ?? startedAt.toISOString(),
    ...(resumed ? { resumedAt: startedAt.toISOString() } : {}),
    seed,
    epochs,
    trainSamples: data.train.count,
    batchesPerEpoch,
  };
  const running: RunInfo = { ...base, status: 'running', pid: process.pid };
  await writer.startHeartbeat(running);
  emit({ type: 'runStarted', runDir: writer.dir, run: running });

  const encoding = labelEncoding(spec, data, outputUnits(model));
  const trainSplit = splitTensors(data.train, data.featureShape, encoding);
  const validation = data.validation && data.validation.count > 0
    ? splitTensors(data.validation, data.featureShape, encoding)
    : undefined;
  const name = metricNamer(model, spec);
  const metricNames = model.metricsNames;

  // One monitor decides the best checkpoint and, with earlyStopping, when to stop.
  const defaultMonitor = validation ? 'val_loss' : 'loss';
  let earlyStopping = spec.training.earlyStopping && (resumed?.state.earlyStopping ?? true)
    ? MetricMonitor.forEarlyStopping(spec.training.earlyStopping, defaultMonitor)
    : undefined;
  let best = earlyStopping ?? new MetricMonitor(defaultMonitor);
  let bestEpoch = resumed?.state.bestEpoch;
  let bestWeights: tf.Tensor[] | undefined;

  // A resumed run starts where its checkpoint stopped: after a whole epoch, or inside one.
  const from = resumed?.state;
  const startEpoch = from ? (from.batchesDone >= batchesPerEpoch ? from.epoch + 1 : from.epoch) : 1;
  const startBatch = from && from.batchesDone < batchesPerEpoch ? from.batchesDone : 0;
  let lastCompletedEpoch = startEpoch - 1;
  const at: Position = { epoch: 0, batch: undefined };
  const eventLoop = new EventLoopYield();
  let status: RunStatus = 'completed';
  let error: RunError | undefined;
  let test: Record<string, number> | undefined;
  /** Where training stands, for the `last` checkpoint. */
  const stateAt = (epoch: number, batchesDone: number, epochRandom: number, partial?: EpochSums): TrainingState => ({
    version: 2,
    epoch,
    batchesDone,
    ...(partial ? { partial: partial.saved } : {}),
    random: random.state,
    epochRandom,
    monitor: best.state,
    earlyStopping: earlyStopping !== undefined,
    ...(bestEpoch === undefined ? {} : { bestEpoch }),
  });

  try {
    if (from) {
      best.restore(from.monitor);
      if (bestEpoch !== undefined && spec.training.earlyStopping?.restoreBestWeights) {
        bestWeights = await readWeights(model, path.join(writer.dir, RUN_FILES.checkpoints, 'best'));
      }
      emit({ type: 'log', level: 'info', message: `resuming run ${writer.id} at epoch ${startEpoch}, batch ${startBatch} of ${epochs} epochs` });
    }
    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      at.epoch = epoch;
      const skip = epoch === startEpoch ? startBatch : 0;
      const sums = new EpochSums(metricNames, skip > 0 ? from?.partial : undefined);
      let batchesDone = skip;
      at.batch = skip;
      // fit() draws the epoch's order from Math.random (seeded); a resumed run replays the order its epoch began with.
      const epochRandom = skip > 0 && from ? from.epochRandom : random.state;
      const rest = skip > 0 ? restOfEpoch(trainSplit, epochRandom, skip * batchSize) : undefined;
      let epochLogs: tf.Logs | undefined;
      try {
        epochLogs = await fitEpoch(model, rest ?? trainSplit, rest === undefined, validation, batchSize, epoch, skip, signal, async (index, logs) => {
          const record = toRecord(epoch, index, logs, name, metricNames);
          if (!Number.isFinite(record.loss)) {
            throw new TrainingDiverged(divergedMessage(request, model, record.loss, epoch, index));
          }
          sums.add(logs, typeof logs.size === 'number' ? logs.size : Math.min(batchSize, data.train.count - index * batchSize));
          batchesDone = index + 1;
          at.batch = index;
          writer.appendMetric(record);
          emit({ type: 'metrics', record });
          checkMemory(request, setup, epoch, index);
          at.batch = index + 1;
          await eventLoop.yieldIfDue();
        });
      } finally {
        if (rest) tf.dispose([rest.x, rest.y]);
      }
      at.batch = undefined;

      // A stop mid-epoch leaves a partial epoch: its batches are recorded, the epoch is not.
      if (epochLogs === undefined) {
        status = 'stopped';
        // Everything a resumed run needs to finish this epoch as this run would have.
        await writer.saveCheckpoints(model, stateAt(epoch, batchesDone, epochRandom, sums), { best: false });
        break;
      }
      const record = toRecord(epoch, null, sums.means(epochLogs), name, metricNames);
      writer.appendMetric(record);
      emit({ type: 'metrics', record });
      lastCompletedEpoch = epoch;

      if (earlyStopping && !(earlyStopping.metric in record)) {
        emit({
          type: 'log',
          level: 'warn',
          message: `training.earlyStopping.monitor: there is no metric "${earlyStopping.metric}" ` +
            `(have ${Object.keys(record).filter((k) => k !== 'epoch' && k !== 'batch' && k !== 'time').join(', ')}); early stopping is off`,
        });
        earlyStopping = undefined;
        best = new MetricMonitor(defaultMonitor);
      }
      const monitored = record[best.metric];
      const observation = typeof monitored === 'number' ? best.observe(monitored) : 'waiting';
      if (observation === 'improved') {
        bestEpoch = epoch;
        if (spec.training.earlyStopping?.restoreBestWeights) {
          tf.dispose(bestWeights);
          bestWeights = model.getWeights().map((w) => w.clone());
        }
      }
      await writer.saveCheckpoints(model, stateAt(epoch, batchesPerEpoch, epochRandom), { best: observation === 'improved' });
      if (signal.aborted) {
        status = epoch < epochs ? 'stopped' : 'completed';
        break;
      }
      if (observation === 'stop' && earlyStopping) {
        emit({
          type: 'log',
          level: 'info',
          message: `early stopping after epoch ${epoch}: ${earlyStopping.metric} has not improved for ${spec.training.earlyStopping?.patience ?? 0} epochs`,
        });
        break;
      }
    }

    if (bestWeights && bestEpoch !== lastCompletedEpoch) {
      model.setWeights(bestWeights);
      emit({ type: 'log', level: 'info', message: `restored the weights of epoch ${bestEpoch} (best ${best.metric})` });
    }
    await writer.checkpointsWritten();
    await writer.saveModel(model);
    test = await evaluateTest(model, data, encoding, batchSize, name);
  } catch (caught) {
    status = 'failed';
    error = {
      message: failureMessage(caught, request, setup, at),
      ...(at.epoch > 0 ? { epoch: at.epoch } : {}),
      ...(at.batch === undefined ? {} : { batch: at.batch }),
    };
  } finally {
    tf.dispose([trainSplit.x, trainSplit.y]);
    if (validation) tf.dispose([validation.x, validation.y]);
    tf.dispose(bestWeights);
    writer.close();
  }
  if (status === 'failed') {
    // The run already failed for the reason recorded; a checkpoint still being written only has to land before run.json.
    await writer.checkpointsWritten().catch(() => undefined);
  }

  const final: RunInfo = {
    ...base,
    status,
    endedAt: new Date().toISOString(),
    epochsDone: lastCompletedEpoch,
    ...(error ? { error } : {}),
    ...(test ? { test } : {}),
  };
  // No heartbeat may land after this: run.json is final.
  await writer.stopHeartbeat();
  await writer.writeRunInfo(final);
  const done: TrainOutcome = { type: 'done', runDir: writer.dir, run: final };
  emit(done);
  return done;
}

/**
 * "…: training.learningRate: the loss became NaN at epoch 2, batch 17
 * (training diverged): try a lower training.learningRate (now 10) or
 * normalise the features". Training stops at that batch, as Keras's
 * TerminateOnNaN does; the batch's record is not written (JSON has no NaN).
 */
function divergedMessage(request: TrainRequest, model: tf.LayersModel, loss: number, epoch: number, batch: number): string {
  const rate = (model.optimizer.getConfig() as { learningRate?: unknown }).learningRate;
  const now = typeof rate === 'number' ? ` (now ${rate})` : '';
  return `${displayPath(request.modelFile)}: training.learningRate: the loss became ${loss} at epoch ${epoch}, batch ${batch} ` +
    `(training diverged): try a lower training.learningRate${now} or normalise the features`;
}

/**
 * V8 only limits the JavaScript heap (--max-old-space-size); tensors live in
 * ArrayBuffers, wasm memory or native memory outside it. So after each batch
 * the tensors are held to modelStudio.trainer.maxMemoryMB as well, and a run
 * that outgrows it fails with advice instead of taking the machine's memory.
 */
function checkMemory(request: TrainRequest, setup: RunSetup, epoch: number, batch: number): void {
  if (request.maxMemoryMB === undefined) return;
  const used = tf.memory().numBytes / MB;
  if (used > request.maxMemoryMB) {
    throw new OutOfMemoryError(outOfMemoryMessage({ epoch, batch, batchSize: setup.batchSize, maxMemoryMB: request.maxMemoryMB, usedMB: used }));
  }
}

/** run.json's error message for what ended training. */
function failureMessage(caught: unknown, request: TrainRequest, setup: RunSetup, at: Position): string {
  if (caught instanceof TrainingDiverged || caught instanceof OutOfMemoryError) return caught.message;
  if (isOutOfMemoryError(caught)) {
    return outOfMemoryMessage({
      ...(at.epoch > 0 ? { epoch: at.epoch } : {}),
      ...(at.batch === undefined ? {} : { batch: at.batch }),
      batchSize: setup.batchSize,
      ...(request.maxMemoryMB === undefined ? {} : { maxMemoryMB: request.maxMemoryMB }),
    });
  }
  return userMessage(caught, request.modelFile);
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
async function fitEpoch(
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

/** Loss and metrics on the test split, named as in the records; undefined without a test split. */
async function evaluateTest(
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
