import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { Mulberry32 } from '../data/random';
import { isTextSource } from '../data/prepareText';
import { readRunVocabulary } from './runArtifacts';
import { LEARNING_RATE_KEY, type MetricRecord, type RunError, type RunInfo, type RunParent, type RunStatus } from '../protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import type { LoadedBackend } from './backend';
import { baseLearningRate, disposeModel, outputUnits, setLearningRate } from './buildModel';
import { EpochLearningRates } from './learningRateSchedule';
import { metricNamer, toRecord } from './metricRecords';
import { MetricMonitor } from './metricMonitor';
import { readWeights } from './modelIO';
import type { Continuable } from '../runFolder/continueFrom';
import type { Resumable } from '../runFolder/resume';
import { restoreCheckpoint, restoreParent, type Resumed } from './restoreRun';
import { RUN_FILES } from '../runFolder/runFiles';
import { personalFields } from '../runFolder/runNotes';
import { setUpRun, type RunPlan, type RunSetup } from './runSetup';
import { RunWriter } from './runWriter';
import { evaluateTest, validationOf } from './runResults';
import { labelEncoding, restOfEpoch, splitTensors } from './trainingData';
import type { TrainingState } from './trainingState';
import { userMessage } from './userMessage';
import { EpochSums, EventLoopYield, fitEpoch } from './fitEpoch';
import { parallelEpoch, startReplicas, type Replicas } from './dataParallel';
import { trainingAugmentation } from './augment';
import { checkMemory, divergedMessage, failureMessage, TrainingDiverged, type Position } from './trainingFailures';

/** The last message of a run: `done` (run.json is final) or `error` (nothing was started). */
export type TrainOutcome = Extract<TrainerToHost, { type: 'done' } | { type: 'error' }>;

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

/** One run to train: what the trainer was asked, what to train, and where it reports. */
export interface RunRequest {
  readonly request: TrainRequest;
  readonly loaded: LoadedBackend;
  readonly plan: RunPlan;
  /** Every message of the run, in order: runStarted, metrics…, done. */
  readonly emit: (message: TrainerToHost) => void;
  /** Aborting stops after the current batch: the model and the last checkpoint are saved, the status is `stopped`. */
  readonly signal: AbortSignal;
  /** The stopped run to continue. */
  readonly resumable?: Resumable;
  /** Continue with Changes: the run whose last checkpoint this new run starts from. */
  readonly continued?: Continuable;
  /** This folder and run id (a fold of a cross-validated run) instead of a new folder in `runsDir`. */
  readonly at?: { readonly dir: string; readonly id: string };
}

/**
 * Runs one training: prepares the data, builds the model, trains with
 * per-epoch seeded shuffling, writes the run folder and reports every step
 * through `emit`. Never throws for problems in the user's files: they end
 * in an `error` outcome (nothing started; returned, not emitted) or a
 * failed `done`.
 */
export async function trainRun(runRequest: RunRequest): Promise<TrainOutcome> {
  const { request, loaded, plan, emit, signal, resumable, continued, at } = runRequest;
  const failed = (error: unknown): TrainOutcome => ({ type: 'error', message: userMessage(error, request.modelFile) });
  let setup: RunSetup;
  try {
    // Resumed or continued text runs read their tokens as before: the model's embedding rows are those ids.
    const from = resumable?.runDir ?? continued?.runDir;
    const vocabulary = from !== undefined && isTextSource(plan.spec.data.train) ? await readRunVocabulary(from) : undefined;
    setup = await setUpRun(request, loaded, emit, vocabulary ? { ...plan, vocabulary } : plan);
  } catch (error) {
    return failed(error);
  }
  try {
    const startedAt = new Date();
    let writer: RunWriter;
    let resumed: Resumed | undefined;
    let parentState: TrainingState | undefined;
    try {
      if (continued) parentState = await restoreParent(continued, setup, emit);
      if (resumable) {
        resumed = { run: resumable.run, state: await restoreCheckpoint(resumable, setup) };
        writer = RunWriter.open(resumable.runDir, resumable.run.id);
      } else {
        writer = await RunWriter.create(request.runsDir, setup.spec, setup.data, startedAt, at ?? preparedFolder(request));
      }
    } catch (error) {
      return failed(error);
    }
    // A continued run draws its epochs' orders where its parent would have drawn its next.
    const carried = resumed?.state ?? parentState;
    const random = carried ? new Mulberry32(carried.random) : randomForSeed(setup.seed);
    const parent = continued?.parent;
    return await withSeededRandom(random, () =>
      runTraining({ request, setup, writer, startedAt, emit, signal, random, resumed, ...(parent ? { parent } : {}) }),
    );
  } finally {
    disposeModel(setup.model);
  }
}

/** What one run's training works with: the request and its setup, where it writes and reports, its randomness, and the run it resumes. */
interface RunContext {
  readonly request: TrainRequest;
  readonly setup: RunSetup;
  readonly writer: RunWriter;
  readonly startedAt: Date;
  readonly emit: (message: TrainerToHost) => void;
  readonly signal: AbortSignal;
  readonly random: Mulberry32;
  readonly resumed: Resumed | undefined;
  /** Continue with Changes: the run this one continues; its epochs come first in the learning rate schedule. */
  readonly parent?: RunParent;
}

/** Trains the prepared run to its end, a stop or a failure, and writes run.json's final state. */
async function runTraining(run: RunContext): Promise<TrainOutcome> {
  const { request, setup, writer, emit, signal, random, resumed } = run;
  const { spec, data, model, epochs, batchSize } = setup;
  const batchesPerEpoch = Math.ceil(data.train.count / batchSize);
  const base = runInfoBase(run, batchesPerEpoch);
  const running: RunInfo = { ...base, status: 'running', pid: process.pid };
  await writer.startHeartbeat(running);
  await writer.updateIndex();
  emit({ type: 'runStarted', runDir: writer.dir, run: running });

  const encoding = labelEncoding(spec, data, outputUnits(model));
  const trainSplit = splitTensors(data.train, data.featureShape, encoding);
  const validation = data.validation && data.validation.count > 0 ? splitTensors(data.validation, data.featureShape, encoding) : undefined;
  const name = metricNamer(model, spec);
  const metricNames = model.metricsNames;
  // Training images only, fresh each epoch; validation and test are never augmented.
  const augment = trainingAugmentation(spec.data.augment, data.train.x, data.featureShape, setup.seed, batchSize);

  // One monitor decides the best checkpoint and, with earlyStopping, when to stop.
  const defaultMonitor = validation ? 'val_loss' : 'loss';
  let earlyStopping =
    spec.training.earlyStopping && (resumed?.state.earlyStopping ?? true)
      ? MetricMonitor.forEarlyStopping(spec.training.earlyStopping, defaultMonitor)
      : undefined;
  let best = earlyStopping ?? new MetricMonitor(defaultMonitor);
  let bestEpoch = resumed?.state.bestEpoch;
  let bestWeights: tf.Tensor[] | undefined;
  // A continued run's schedule goes on from its parent's epochs (plateau starts again from the file's rate).
  const before = run.parent?.epochs ?? 0;
  const rates = new EpochLearningRates(
    spec.training.learningRateSchedule,
    baseLearningRate(spec.training),
    before + epochs,
    !!validation,
    resumed?.state.plateau,
  );

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
  let finalValidation: Record<string, number> | undefined;
  let replicas: Replicas | undefined;
  /** This process's epoch records, for the validation metrics of the weights the run ends with. */
  const epochRecords = new Map<number, MetricRecord>();
  let midEpoch = false;
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
    ...(rates.state ? { plateau: rates.state } : {}),
  });

  try {
    replicas = await startReplicas(model, spec.training, setup.backend, emit);
    const trainEpoch = replicas ? parallelEpoch(replicas) : fitEpoch;
    if (from) {
      best.restore(from.monitor);
      if (bestEpoch !== undefined && spec.training.earlyStopping?.restoreBestWeights) {
        bestWeights = await readWeights(model, path.join(writer.dir, RUN_FILES.checkpoints, 'best'));
      }
      emit({
        type: 'log',
        level: 'info',
        message: `resuming run ${writer.id} at epoch ${startEpoch}, batch ${startBatch} of ${epochs} epochs`,
      });
    }
    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      at.epoch = epoch;
      const skip = epoch === startEpoch ? startBatch : 0;
      const sums = new EpochSums(metricNames, skip > 0 ? from?.partial : undefined);
      const lr = rates.rateOf(before + epoch);
      setLearningRate(model, lr);
      let batchesDone = skip;
      at.batch = skip;
      // The epoch's order is fit's shuffle with Math.random (seeded); a resumed run replays the order its epoch began with.
      const epochRandom = skip > 0 && from ? from.epochRandom : random.state;
      // The epoch's augmented images depend on the seed and the epoch alone: a resumed epoch gets the same ones.
      const epochSplit = augment ? { ...trainSplit, x: augment(before + epoch) } : trainSplit;
      const rest = skip > 0 ? restOfEpoch(epochSplit, epochRandom, skip * batchSize) : undefined;
      let epochLogs: tf.Logs | undefined;
      try {
        epochLogs = await trainEpoch(
          model,
          rest ?? epochSplit,
          rest === undefined,
          validation,
          batchSize,
          epoch,
          skip,
          signal,
          async (index, logs) => {
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
          },
        );
      } finally {
        if (rest) tf.dispose([rest.x, rest.y]);
        if (epochSplit !== trainSplit) epochSplit.x.dispose();
      }
      at.batch = undefined;

      // A stop mid-epoch leaves a partial epoch: its batches are recorded, the epoch is not.
      if (epochLogs === undefined) {
        status = 'stopped';
        midEpoch = true;
        // Everything a resumed run needs to finish this epoch as this run would have.
        await writer.saveCheckpoints(model, stateAt(epoch, batchesDone, epochRandom, sums), { best: false });
        break;
      }
      const record: MetricRecord = { ...toRecord(epoch, null, sums.means(epochLogs), name, metricNames), [LEARNING_RATE_KEY]: lr };
      epochRecords.set(epoch, record);
      writer.appendMetric(record);
      emit({ type: 'metrics', record });
      lastCompletedEpoch = epoch;
      const rateWarning = rates.observe(record);
      if (rateWarning) emit({ type: 'log', level: 'warn', message: rateWarning });

      if (earlyStopping && !(earlyStopping.metric in record)) {
        emit({
          type: 'log',
          level: 'warn',
          message:
            `training.earlyStopping.monitor: there is no metric "${earlyStopping.metric}" ` +
            `(have ${Object.keys(record)
              .filter((k) => k !== 'epoch' && k !== 'batch' && k !== 'time' && k !== LEARNING_RATE_KEY)
              .join(', ')}); early stopping is off`,
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

    const restored = bestWeights !== undefined && bestEpoch !== lastCompletedEpoch;
    if (restored) {
      model.setWeights(bestWeights ?? []);
      emit({ type: 'log', level: 'info', message: `restored the weights of epoch ${bestEpoch} (best ${best.metric})` });
    }
    await writer.checkpointsWritten();
    await writer.saveModel(model);
    test = await evaluateTest(model, data, encoding, batchSize, name);
    const savedEpoch = restored ? bestEpoch : midEpoch || lastCompletedEpoch === 0 ? undefined : lastCompletedEpoch;
    finalValidation = await validationOf(savedEpoch, epochRecords, writer.dir);
  } catch (caught) {
    status = 'failed';
    error = {
      message: failureMessage(caught, request, setup, at),
      ...(at.epoch > 0 ? { epoch: at.epoch } : {}),
      ...(at.batch === undefined ? {} : { batch: at.batch }),
    };
  } finally {
    await replicas?.close();
    tf.dispose([trainSplit.x, trainSplit.y]);
    if (validation) tf.dispose([validation.x, validation.y]);
    tf.dispose(bestWeights);
    writer.close();
  }
  if (status === 'failed') {
    // The run already failed for the reason recorded; a checkpoint still being written only has to land before run.json.
    await writer.checkpointsWritten().catch(() => undefined);
  }

  return finishRun(run, {
    ...base,
    ...(replicas ? { replicas: replicas.count } : {}),
    status,
    endedAt: new Date().toISOString(),
    epochsDone: lastCompletedEpoch,
    ...(error ? { error } : {}),
    ...(test ? { test } : {}),
    ...(finalValidation ? { validation: finalValidation } : {}),
  });
}

/** What run.json says of the run from its start to its end. */
/** The folder a Slurm job trains into (made when it was submitted), as RunWriter's `at`. */
export function preparedFolder(request: TrainRequest): { readonly dir: string; readonly id: string } | undefined {
  return request.runDir === undefined ? undefined : { dir: request.runDir, id: path.basename(request.runDir) };
}

function runInfoBase(run: RunContext, batchesPerEpoch: number): Omit<RunInfo, 'status'> {
  const { request, setup, writer, startedAt, resumed } = run;
  return {
    id: writer.id,
    name: setup.spec.name,
    modelFile: resumed?.run.modelFile ?? request.modelFile,
    backend: setup.backend.backend,
    backendSkipped: setup.backend.skipped,
    ...(setup.backend.threads === undefined ? {} : { threads: setup.backend.threads }),
    startedAt: resumed?.run.startedAt ?? startedAt.toISOString(),
    ...(resumed ? { resumedAt: startedAt.toISOString(), ...personalFields(resumed.run) } : {}),
    seed: setup.seed,
    epochs: setup.epochs,
    trainSamples: setup.data.train.count,
    batchesPerEpoch,
    ...(request.executor ? { executor: request.executor } : {}),
    ...(run.parent ? { parent: run.parent } : {}),
  };
}

/** Writes run.json's final state and says `done`. */
async function finishRun({ writer, emit }: RunContext, final: RunInfo): Promise<TrainOutcome> {
  // No heartbeat may land after this: run.json is final.
  await writer.stopHeartbeat();
  await writer.writeRunInfo(final);
  await writer.updateIndex();
  const done: TrainOutcome = { type: 'done', runDir: writer.dir, run: final };
  emit(done);
  return done;
}
