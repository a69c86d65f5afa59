/**
 * The trainer process (dist/trainer.js), forked once per run by
 * TrainerProcess: waits for `train`, runs it, streams every message to the
 * host, and exits. `stop` ends training after the current batch. Forked by
 * EvaluatorProcess instead, it evaluates or exports a run's model
 * (`evaluate`, `export`) or explains it (`explain`) and answers with EvaluatorToHost messages.
 */
import * as path from 'node:path';
import { isHostToTrainer } from '../protocol/guards';
import { assertNever } from '../protocol/assertNever';
import type { MetricRecord, RunInfo } from '../protocol/runTypes';
import type { EvaluatorToHost, HostToTrainer, TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { writeJsonAtomic } from '../runFolder/atomicFile';
import { isOutOfMemoryError, outOfMemoryMessage } from '../protocol/outOfMemory';
import { failedRun, RUN_FILES } from '../runFolder/runFiles';
import { updateRunRow } from '../runFolder/runIndex';
import { RunWriter } from './runWriter';
import { train } from './train';

const stopSignal = new AbortController();
let started = false;
/** The limit the host started this process with, for an out-of-memory message. */
let maxMemoryMB: number | undefined;
/**
 * The runs this process has started and not ended, to finish their run.json
 * if something escapes train(): one, or a cross-validated run and its fold.
 */
const open = new Map<string, { run: RunInfo; fold?: number; last?: MetricRecord }>();
let anyStarted = false;

/** Settles when the latest message has been handed to the IPC channel; messages go out in order. */
let lastSent: Promise<void> = Promise.resolve();

function send(message: TrainerToHost): Promise<void> {
  switch (message.type) {
    case 'runStarted':
      anyStarted = true;
      open.set(message.runDir, { run: message.run, ...(message.fold === undefined ? {} : { fold: message.fold }) });
      break;
    case 'metrics':
      for (const entry of open.values()) entry.last = message.record;
      break;
    case 'done':
      open.delete(message.runDir);
      break;
    case 'ready':
    case 'log':
    case 'error':
      break;
    default:
      assertNever(message);
  }
  return sendToHost(message);
}

/** Hands `message` to the IPC channel after the ones before it; settles at once without a host. */
function sendToHost(message: TrainerToHost | EvaluatorToHost): Promise<void> {
  lastSent = new Promise((resolve) => {
    if (!process.connected || !process.send) {
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
  return lastSent;
}

async function run(request: TrainRequest): Promise<void> {
  await train(request, { onMessage: (message) => void send(message) }, stopSignal.signal);
  // `done` (or `error`) must reach the host before the process goes.
  await lastSent;
  process.exit(0);
}

/** Evaluation, export and explanations: loaded lazily, so a training process does not load what it never runs. */
async function runTask(task: Extract<HostToTrainer, { type: 'evaluate' | 'export' | 'explain' }>): Promise<void> {
  const [{ evaluateRun, EvaluationCancelled }, { exportRun }, { explainRun }, { userMessage }] = await Promise.all([
    import('./evaluate'),
    import('./exportModel'),
    import('./explain/explainRun'),
    import('./userMessage'),
  ]);
  try {
    if (task.type === 'evaluate') {
      const evaluation = await evaluateRun(
        task.request,
        { onProgress: (progress) => void sendToHost({ type: 'evaluationProgress', progress }) },
        stopSignal.signal,
      );
      await sendToHost({ type: 'evaluationDone', evaluation });
    } else if (task.type === 'export') {
      await sendToHost({ type: 'exportDone', result: await exportRun(task.request) });
    } else {
      await sendToHost({ type: 'explainDone', result: await explainRun(task.request) });
    }
  } catch (error) {
    const cancelled = error instanceof EvaluationCancelled;
    await sendToHost({ type: 'taskFailed', message: cancelled ? 'cancelled' : userMessage(error, task.request.runDir), cancelled });
  }
  await lastSent;
  process.exit(0);
}

/** Anything train() did not handle: run.json (if a run started) says failed with the message. */
async function failUnexpectedly(error: unknown): Promise<void> {
  const message = isOutOfMemoryError(error)
    ? outOfMemoryMessage(maxMemoryMB === undefined ? {} : { maxMemoryMB })
    : error instanceof Error
      ? error.message
      : String(error);
  console.error(error);
  // A heartbeat written after this would say `running` again.
  if (open.size > 0) await RunWriter.stopHeartbeats().catch(() => undefined);
  // A fold first, then its cross-validated run: `done` without a fold is the last message.
  for (const [runDir, { run: started, fold, last }] of [...open].reverse()) {
    const run = failedRun(started, message, last);
    await writeJsonAtomic(path.join(runDir, RUN_FILES.run), run).catch(() => undefined);
    await updateRunRow(runDir).catch(() => undefined);
    await send({ type: 'done', runDir, run, ...(fold === undefined ? {} : { fold }) });
  }
  if (!anyStarted) await send({ type: 'error', message });
  process.exit(1);
}

process.on('uncaughtException', (error) => void failUnexpectedly(error));
process.on('unhandledRejection', (reason) => void failUnexpectedly(reason));

process.on('message', (message: unknown) => {
  if (!isHostToTrainer(message)) {
    console.error(`trainer: dropped a message that does not fit the protocol: ${JSON.stringify(message).slice(0, 200)}`);
    return;
  }
  switch (message.type) {
    case 'train':
      if (started) {
        console.error('trainer: a trainer process runs one training; ignored a second train message');
        return;
      }
      started = true;
      maxMemoryMB = message.request.maxMemoryMB;
      void run(message.request).catch(failUnexpectedly);
      return;
    case 'evaluate':
    case 'export':
    case 'explain':
      if (started) {
        console.error(`trainer: a trainer process does one thing; ignored ${message.type}`);
        return;
      }
      started = true;
      void runTask(message).catch(failUnexpectedly);
      return;
    case 'stop':
      stopSignal.abort();
      return;
    default:
      assertNever(message);
  }
});

/**
 * The host went away (window closed or reloaded, extension host restarted
 * or crashed): the IPC channel closes. Stop cleanly, as for `stop`: finish
 * the batch, save the last checkpoint with the optimizer state, mark the run
 * `stopped` (it can be resumed) and exit. SIGTERM (a shutdown, `kill`) does
 * the same; a second SIGTERM exits at once.
 */
function stopGracefully(): void {
  if (started && !stopSignal.signal.aborted) {
    stopSignal.abort();
  } else {
    process.exit(started ? 143 : 0);
  }
}
process.on('disconnect', () => {
  if (started) stopSignal.abort();
  else process.exit(0);
});
process.on('SIGTERM', stopGracefully);
// Ctrl+C in a terminal reaches the whole process group: a sweep's trials stop as the CLI asks them to (a second one exits).
process.on('SIGINT', stopGracefully);
