import * as tf from '@tensorflow/tfjs';
import { displayPath } from '../data/dataError';
import type { PreparedData } from '../data/preparedData';
import { mulberry32 } from '../data/random';
import type { RunError, RunInfo, RunStatus } from '../protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { loadBackend, type LoadedBackend } from './backend';
import { disposeModel, outputUnits } from './buildModel';
import { metricNamer, toRecord } from './metricRecords';
import { MetricMonitor } from './metricMonitor';
import { setUpRun, type RunSetup } from './runSetup';
import { RunWriter } from './runWriter';
import { labelEncoding, shuffledForEpoch, splitTensors, type LabelEncoding, type SplitTensors } from './trainingData';
import { userMessage } from './userMessage';

export interface TrainEvents {
  /** Every message, in order: ready, runStarted, metrics…, done — or ready?, error. */
  onMessage(message: TrainerToHost): void;
}

/** The last message of a run: `done` (run.json is final) or `error` (nothing was started). */
export type TrainOutcome = Extract<TrainerToHost, { type: 'done' } | { type: 'error' }>;

/** Thrown from a batch callback to end training with run.json saying why. */
class TrainingDiverged extends Error {}

/** Lets IPC messages (a stop request), signals and stream writes in between batches. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * TF.js draws dropout masks and other unseeded randomness from Math.random.
 * Seeding a layer's dropout instead would reuse one mask for every batch, so
 * Math.random itself follows the run's seed while training runs.
 */
async function withSeededRandom<T>(seed: number, body: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = mulberry32(seed ^ 0x5bd1e995);
  try {
    return await body();
  } finally {
    Math.random = original;
  }
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

  let loaded: LoadedBackend;
  try {
    loaded = await loadBackend(request.backend ?? 'auto');
  } catch (error) {
    return fail(error);
  }
  emit({ type: 'ready', backend: loaded.backend, skipped: loaded.skipped });

  let setup: RunSetup;
  try {
    setup = await setUpRun(request, loaded, emit);
  } catch (error) {
    return fail(error);
  }
  try {
    const startedAt = new Date();
    let writer: RunWriter;
    try {
      writer = await RunWriter.create(request.runsDir, setup.spec, setup.data, startedAt);
    } catch (error) {
      return fail(error);
    }
    return await withSeededRandom(setup.seed, () => runTraining(request, setup, writer, startedAt, emit, signal));
  } finally {
    disposeModel(setup.model);
  }
}

async function runTraining(
  request: TrainRequest,
  setup: RunSetup,
  writer: RunWriter,
  startedAt: Date,
  emit: (message: TrainerToHost) => void,
  signal: AbortSignal,
): Promise<TrainOutcome> {
  const { spec, data, model, seed, epochs, batchSize } = setup;
  const base = {
    id: writer.id,
    name: spec.name,
    modelFile: request.modelFile,
    backend: setup.backend.backend,
    backendSkipped: setup.backend.skipped,
    startedAt: startedAt.toISOString(),
    seed,
    epochs,
    trainSamples: data.train.count,
    batchesPerEpoch: Math.ceil(data.train.count / batchSize),
  };
  const running: RunInfo = { ...base, status: 'running', pid: process.pid };
  await writer.writeRunInfo(running);
  emit({ type: 'runStarted', runDir: writer.dir, run: running });

  const encoding = labelEncoding(spec, data, outputUnits(model));
  const validation = data.validation && data.validation.count > 0
    ? splitTensors(data.validation, data.featureShape, encoding)
    : undefined;
  const name = metricNamer(model, spec);
  const metricNames = model.metricsNames;

  // One monitor decides the best checkpoint and, with earlyStopping, when to stop.
  const defaultMonitor = validation ? 'val_loss' : 'loss';
  let earlyStopping = spec.training.earlyStopping
    ? MetricMonitor.forEarlyStopping(spec.training.earlyStopping, defaultMonitor)
    : undefined;
  let best = earlyStopping ?? new MetricMonitor(defaultMonitor);
  let bestWeights: tf.Tensor[] | undefined;
  let bestEpoch: number | undefined;

  let epoch = 0;
  let lastCompletedEpoch = 0;
  let batch: number | undefined;
  let status: RunStatus = 'completed';
  let error: RunError | undefined;
  let test: Record<string, number> | undefined;

  try {
    for (epoch = 1; epoch <= epochs; epoch++) {
      const shuffled = shuffledForEpoch(data.train, data.featureShape, encoding, seed, epoch);
      let epochLogs: tf.Logs | undefined;
      try {
        epochLogs = await fitEpoch(model, shuffled, validation, batchSize, epoch, async (index, logs) => {
          batch = index;
          const record = toRecord(epoch, index, logs, name, metricNames);
          if (!Number.isFinite(record.loss)) {
            throw new TrainingDiverged(
              `${displayPath(request.modelFile)}: training.learningRate: the loss became ${record.loss} at epoch ${epoch}, ` +
                `batch ${index} (training diverged): lower the learning rate or normalise the features`,
            );
          }
          writer.appendMetric(record);
          emit({ type: 'metrics', record });
          await yieldToEventLoop();
          return signal.aborted;
        });
      } finally {
        tf.dispose([shuffled.x, shuffled.y]);
      }
      batch = undefined;

      // A stop mid-epoch leaves a partial epoch: its batches are recorded, the epoch is not.
      if (epochLogs === undefined) {
        status = 'stopped';
        break;
      }
      const record = toRecord(epoch, null, epochLogs, name, metricNames);
      writer.appendMetric(record);
      emit({ type: 'metrics', record });
      lastCompletedEpoch = epoch;

      await writer.saveCheckpoint(model, 'last');
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
        await writer.saveCheckpoint(model, 'best');
        if (spec.training.earlyStopping?.restoreBestWeights) {
          tf.dispose(bestWeights);
          bestWeights = model.getWeights().map((w) => w.clone());
          bestEpoch = epoch;
        }
      }
      if (signal.aborted) {
        status = 'stopped';
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
    if (status === 'stopped') {
      await writer.saveCheckpoint(model, 'last');
    }
    await writer.saveModel(model);
    test = await evaluateTest(model, data, encoding, batchSize, name);
  } catch (caught) {
    status = 'failed';
    const message = caught instanceof TrainingDiverged ? caught.message : userMessage(caught, request.modelFile);
    error = { message, ...(epoch > 0 ? { epoch: Math.min(epoch, epochs) } : {}), ...(batch === undefined ? {} : { batch }) };
  } finally {
    if (validation) tf.dispose([validation.x, validation.y]);
    tf.dispose(bestWeights);
    writer.close();
  }

  const final: RunInfo = {
    ...base,
    status,
    endedAt: new Date().toISOString(),
    ...(error ? { error } : {}),
    ...(test ? { test } : {}),
  };
  await writer.writeRunInfo(final);
  const done: TrainOutcome = { type: 'done', runDir: writer.dir, run: final };
  emit(done);
  return done;
}

/**
 * One epoch of model.fit on data already in this epoch's order. `onBatch`
 * gets each batch's resolved logs and returns true to stop after that
 * batch. Returns the epoch's logs (val_* included), or undefined when it
 * stopped before the last batch.
 */
async function fitEpoch(
  model: tf.LayersModel,
  shuffled: SplitTensors,
  validation: SplitTensors | undefined,
  batchSize: number,
  epoch: number,
  onBatch: (index: number, logs: tf.Logs) => Promise<boolean>,
): Promise<tf.Logs | undefined> {
  const batches = Math.ceil(shuffled.count / batchSize);
  let batchesDone = 0;
  let epochLogs: tf.Logs | undefined;
  await model.fit(shuffled.x, shuffled.y, {
    batchSize,
    epochs: epoch,
    initialEpoch: epoch - 1,
    shuffle: false,
    verbose: 0,
    // onBatch yields to the event loop itself, once per batch; TF.js's yield would add timers.
    yieldEvery: 'never',
    ...(validation ? { validationData: [validation.x, validation.y] } : {}),
    callbacks: {
      onBatchEnd: async (index, logs) => {
        batchesDone = index + 1;
        if (await onBatch(index, logs ?? {})) {
          model.stopTraining = true;
        }
      },
      onEpochEnd: (_index, logs) => {
        epochLogs = logs;
      },
    },
  });
  return batchesDone === batches ? epochLogs : undefined;
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
