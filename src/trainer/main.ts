/**
 * The trainer process (dist/trainer.js), forked once per run by
 * TrainerProcess: waits for `train`, runs it, streams every message to the
 * host, and exits. `stop` ends training after the current batch.
 */
import * as path from 'node:path';
import { isHostToTrainer } from '../protocol/guards';
import { assertNever } from '../protocol/assertNever';
import type { MetricRecord, RunInfo } from '../protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { writeJsonAtomic } from './atomicFile';
import { failedRun, RUN_FILES } from './runFiles';
import { train } from './train';

const stopSignal = new AbortController();
let started = false;
/** What this process has reported, to finish run.json if something escapes train(). */
let current: { runDir: string; run: RunInfo; last?: MetricRecord; done: boolean } | undefined;

/** Settles when the latest message has been handed to the IPC channel; messages go out in order. */
let lastSent: Promise<void> = Promise.resolve();

function send(message: TrainerToHost): Promise<void> {
  switch (message.type) {
    case 'runStarted':
      current = { runDir: message.runDir, run: message.run, done: false };
      break;
    case 'metrics':
      if (current) current.last = message.record;
      break;
    case 'done':
      if (current) current.done = true;
      break;
    case 'ready':
    case 'log':
    case 'error':
      break;
    default:
      assertNever(message);
  }
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

/** Anything train() did not handle: run.json (if a run started) says failed with the message. */
async function failUnexpectedly(error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  console.error(error);
  if (current && !current.done) {
    const run = failedRun(current.run, message, current.last);
    await writeJsonAtomic(path.join(current.runDir, RUN_FILES.run), run).catch(() => undefined);
    await send({ type: 'done', runDir: current.runDir, run });
  } else if (!current) {
    await send({ type: 'error', message });
  }
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
      void run(message.request).catch(failUnexpectedly);
      return;
    case 'stop':
      stopSignal.abort();
      return;
    default:
      assertNever(message);
  }
});

// The host went away (closed window, crashed): stop cleanly so the run folder ends stopped, not running.
process.on('disconnect', () => {
  if (started) {
    stopSignal.abort();
  } else {
    process.exit(0);
  }
});
