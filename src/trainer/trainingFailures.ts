import * as tf from '@tensorflow/tfjs';
import type { TrainRequest } from '../protocol/trainerMessages';
import { isOutOfMemoryError, OutOfMemoryError, outOfMemoryMessage } from '../protocol/outOfMemory';
import { displayPath } from '../data/dataError';
import type { RunSetup } from './runSetup';
import { userMessage } from './userMessage';

// How training ends early, and the one-line reason run.json gives: a diverged loss, memory, or anything else.

/** Thrown from a batch callback to end training with run.json saying why. */
export class TrainingDiverged extends Error {}

/** MiB, as V8's --max-old-space-size counts. */
const MB = 1024 * 1024;

/** Where training is, for a failure's epoch and batch: the batch in progress (0-based), undefined between epochs. */
export interface Position {
  epoch: number;
  batch: number | undefined;
}

/**
 * "…: training.learningRate: the loss became NaN at epoch 2, batch 17
 * (training diverged): try a lower training.learningRate (now 10) or
 * normalise the features". Training stops at that batch, as Keras's
 * TerminateOnNaN does; the batch's record is not written (JSON has no NaN).
 */
export function divergedMessage(request: TrainRequest, model: tf.LayersModel, loss: number, epoch: number, batch: number): string {
  const rate = (model.optimizer.getConfig() as { learningRate?: unknown }).learningRate;
  const now = typeof rate === 'number' ? ` (now ${rate})` : '';
  return (
    `${displayPath(request.modelFile)}: training.learningRate: the loss became ${loss} at epoch ${epoch}, batch ${batch} ` +
    `(training diverged): try a lower training.learningRate${now} or normalise the features`
  );
}

/**
 * V8 only limits the JavaScript heap (--max-old-space-size); tensors live in
 * ArrayBuffers, wasm memory or native memory outside it. So after each batch
 * the tensors are held to modelStudio.trainer.maxMemoryMB as well, and a run
 * that outgrows it fails with advice instead of taking the machine's memory.
 */
export function checkMemory(request: TrainRequest, setup: RunSetup, epoch: number, batch: number): void {
  if (request.maxMemoryMB === undefined) return;
  const used = tf.memory().numBytes / MB;
  if (used > request.maxMemoryMB) {
    throw new OutOfMemoryError(
      outOfMemoryMessage({ epoch, batch, batchSize: setup.batchSize, maxMemoryMB: request.maxMemoryMB, usedMB: used }),
    );
  }
}

/** run.json's error message for what ended training. */
export function failureMessage(caught: unknown, request: TrainRequest, setup: RunSetup, at: Position): string {
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
