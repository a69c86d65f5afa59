import { promises as fs } from 'node:fs';
import { displayPath } from '../data/dataError';
import type { FoldMetrics, RunInfo, RunStatus } from '../protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { foldDir, foldMetrics, summarizeFolds } from '../runFolder/crossValidation';
import { readRun } from '../runFolder/readRunFolder';
import { readResumable, type Resumable } from '../runFolder/resume';
import { personalFields } from '../runFolder/runNotes';
import type { LoadedBackend } from './backend';
import type { RunPlan } from './runSetup';
import { RunWriter } from './runWriter';
import { preparedFolder, trainRun, type TrainOutcome } from './trainRun';

/** A cross-validated training: the run's plan, its k, and the stopped parent run it continues. */
export interface FoldsRequest {
  readonly request: TrainRequest;
  readonly loaded: LoadedBackend;
  readonly plan: RunPlan;
  readonly emit: (message: TrainerToHost) => void;
  readonly signal: AbortSignal;
  readonly folds: number;
  /** The stopped parent run to continue: its stopped fold resumes, the folds after it start. */
  readonly resumed?: Resumable;
}

/**
 * k-fold cross-validation: k runs of the same trainer code, one after
 * another, each validating on one fold, written as ordinary run folders in
 * the parent run's `folds/<n>/`. The parent's run.json collects each
 * completed fold's result and, once all are done, their mean and standard
 * deviation. A stop stops the current fold and ends the parent `stopped`; a
 * failed fold ends it `failed` (later folds would fail alike). Messages of
 * a fold carry its `fold`; the parent says `runStarted` with its first
 * fold's and `done` after its last.
 */
export async function trainFolds(foldsRequest: FoldsRequest): Promise<TrainOutcome> {
  const { request, plan, emit, signal, folds, resumed } = foldsRequest;
  const results: FoldMetrics[] = [...(resumed?.run.crossValidation?.folds ?? [])];
  const first = results.length + 1;
  let foldResume: Resumable | undefined;
  let parent: RunWriter;
  try {
    foldResume = resumed ? await stoppedFold(request, resumed, first) : undefined;
    parent = resumed
      ? RunWriter.openParent(resumed.runDir)
      : await RunWriter.createParent(request.runsDir, plan.spec, new Date(), preparedFolder(request));
  } catch (error) {
    return { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const startedAt = new Date().toISOString();
  let running: RunInfo | undefined;
  /** Heartbeat restarts in order (emit cannot wait): the last must be in place before the final run.json. */
  let heartbeat: Promise<void> = Promise.resolve();
  const beat = (run: RunInfo): void => {
    heartbeat = heartbeat.then(() => parent.startHeartbeat(run)).catch(() => undefined);
  };

  /** A fold's messages, marked with its index; its runStarted starts the parent first. */
  const foldEmit =
    (fold: number) =>
    (message: TrainerToHost): void => {
      if (message.type === 'runStarted' && running === undefined) {
        running = parentInfo(foldsRequest, parent, message.run, startedAt, results);
        beat(running);
        heartbeat = heartbeat.then(() => parent.updateIndex());
        emit({ type: 'runStarted', runDir: parent.dir, run: running });
      }
      emit(message.type === 'runStarted' || message.type === 'metrics' || message.type === 'done' ? { ...message, fold } : message);
    };

  let status: RunStatus = 'completed';
  let error: RunInfo['error'];
  for (let fold = first; fold <= folds; fold++) {
    // A stop between two folds; one before the first is the first fold's to honour, as in a single run.
    if (fold > first && signal.aborted) {
      status = 'stopped';
      break;
    }
    const outcome = await trainRun({
      ...foldsRequest,
      plan: { ...plan, fold: { index: fold, folds } },
      emit: foldEmit(fold),
      at: { dir: foldDir(parent.dir, fold), id: `${parent.id}-fold${fold}` },
      ...(fold === first && foldResume ? { resumable: foldResume } : {}),
    });
    if (outcome.type === 'error') {
      if (running === undefined) {
        // Nothing started (the data or the model file is wrong, or the stopped fold cannot go on): as for a
        // single run, no run folder is made, and a stopped one stays as it was.
        if (!resumed) await fs.rm(parent.dir, { recursive: true, force: true });
        return outcome;
      }
      status = 'failed';
      error = { message: `fold ${fold} of ${folds}: ${outcome.message}` };
      break;
    }
    if (outcome.run.status === 'completed') {
      results.push(foldMetrics(outcome.run));
      if (running) {
        running = { ...running, crossValidation: { foldCount: folds, folds: [...results] } };
        beat(running);
      }
      continue;
    }
    status = outcome.run.status === 'failed' ? 'failed' : 'stopped';
    if (outcome.run.error) error = { message: `fold ${fold} of ${folds}: ${outcome.run.error.message}` };
    break;
  }

  // Every fold that returned `done` said runStarted first.
  if (running === undefined) throw new Error('cross-validation: a fold ended without starting');
  const { pid: _ended, heartbeatAt: _lastBeat, error: _earlier, ...rest } = running;
  const final: RunInfo = {
    ...rest,
    status,
    endedAt: new Date().toISOString(),
    crossValidation: { foldCount: folds, folds: results, ...(results.length === folds ? summarizeFolds(results) : {}) },
    ...(error ? { error } : {}),
  };
  await heartbeat;
  await parent.stopHeartbeat();
  await parent.writeRunInfo(final);
  await parent.updateIndex();
  const done: TrainOutcome = { type: 'done', runDir: parent.dir, run: final };
  emit(done);
  return done;
}

/** run.json of the parent while its folds train: what its first fold to start says of backend and data. */
function parentInfo(
  { request, plan, folds, resumed }: FoldsRequest,
  parent: RunWriter,
  fold: RunInfo,
  startedAt: string,
  results: readonly FoldMetrics[],
): RunInfo {
  return {
    id: parent.id,
    name: plan.spec.name,
    modelFile: resumed?.run.modelFile ?? request.modelFile,
    status: 'running',
    backend: fold.backend,
    backendSkipped: fold.backendSkipped,
    startedAt: resumed?.run.startedAt ?? startedAt,
    ...(resumed ? { resumedAt: startedAt, ...personalFields(resumed.run) } : {}),
    seed: fold.seed,
    epochs: plan.epochs,
    trainSamples: fold.trainSamples,
    batchesPerEpoch: fold.batchesPerEpoch,
    ...(fold.executor ? { executor: fold.executor } : {}),
    pid: process.pid,
    crossValidation: { foldCount: folds, folds: [...results] },
  };
}

/**
 * The fold a stopped parent continues with: resumed from its checkpoint
 * when it was stopped during training, undefined when it had not started.
 */
async function stoppedFold(request: TrainRequest, parent: Resumable, fold: number): Promise<Resumable | undefined> {
  const dir = foldDir(parent.runDir, fold);
  let run: RunInfo;
  try {
    run = await readRun(dir);
  } catch {
    return undefined; // the stop came between two folds
  }
  if (run.status === 'stopped') {
    return readResumable({ ...request, resumeRunDir: dir });
  }
  throw new Error(
    `${displayPath(dir)}: cannot resume run ${parent.run.id}: its fold ${fold} ${run.status}, so it cannot continue; start a new run`,
  );
}
