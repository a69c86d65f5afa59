import * as tf from '@tensorflow/tfjs';
import { DEFAULT_BATCH_SIZE } from '../../src/modelFile/modelDefaults';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import type { BackendName } from '../../src/protocol/runTypes';
import { loadBackend } from '../../src/trainer/backend';
import { buildModel, compileModel, disposeModel } from '../../src/trainer/buildModel';
import { fitEpoch } from '../../src/trainer/fitEpoch';

/** The first examples of a sample's training split, as read from its IDX files. */
export interface Examples {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface StepsResult {
  /** Loss of each batch, in order. */
  readonly losses: number[];
  /** Training samples per second over the batches after `warmup`; NaN when there are too few. */
  readonly samplesPerSecond: number;
}

/**
 * Trains `batches` batches of a sample's model on `backend`, as the trainer
 * does: the model built and compiled from the spec with its seed, one
 * epoch of fitEpoch (the trainer's loop, losses read a few batches behind
 * on webgpu), without shuffling so that every backend sees the same
 * batches. The first `warmup` batches pay for shader compilation and wasm
 * start-up and are left out of the rate.
 */
export async function trainSteps(
  spec: ModelSpec,
  examples: Examples,
  backend: BackendName,
  batches: number,
  warmup: number,
): Promise<StepsResult> {
  await loadBackend(backend);
  const { batchSize = DEFAULT_BATCH_SIZE, seed = 42 } = spec.training;
  const shape = spec.data.features?.shape ?? [examples.pixels.length / examples.count];
  const scale = spec.data.features?.scale ?? 1;
  const count = Math.min(examples.count, batches * batchSize);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tidy(() => tf.tensor(examples.pixels.subarray(0, count * size), [count, ...shape], 'float32').div(scale));
  const y = tf.tensor1d(examples.labels.subarray(0, count), 'float32');
  const model = buildModel(spec, shape, seed);
  const losses: number[] = [];
  const times: number[] = [];
  try {
    compileModel(model, spec.training);
    await fitEpoch(model, { x, y, count }, false, undefined, batchSize, 1, 0, new AbortController().signal, async (index, logs) => {
      losses[index] = logs.loss;
      times[index] = performance.now();
    });
  } finally {
    disposeModel(model);
    tf.dispose([x, y]);
  }
  const last = losses.length - 1;
  const samplesPerSecond = last > warmup ? ((last - warmup) * batchSize * 1000) / (times[last] - times[warmup]) : NaN;
  return { losses, samplesPerSecond };
}
