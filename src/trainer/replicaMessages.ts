import type * as tf from '@tensorflow/tfjs';

// Messages between the trainer and its model replicas (worker threads) when a
// run trains data-parallel (dataParallel.ts, docs/wasm-threads.md).

/** What a replica builds once: the model's topology and how it was compiled. */
export interface ReplicaSetup {
  /** `model.toJSON(null, false)`: the topology only, weights come with each step. */
  readonly topology: object;
  readonly loss: string;
  readonly metrics: readonly string[];
  /** The trainable weights' shapes in order, to check the replica built the same model. */
  readonly trainableShapes: readonly (readonly number[])[];
}

/**
 * The typed arrays of one step. They travel back and forth transferred, so
 * a step allocates nothing: the trainer fills `weights`, `x` and `y`, the
 * replica fills `gradients` and sends them all back.
 */
export interface StepBuffers {
  /** Every weight of the model (trainable or not), in `model.weights` order. */
  readonly weights: Float32Array;
  /** The trainable weights' gradients, in `model.trainableWeights` order. */
  readonly gradients: Float32Array;
  readonly x: Float32Array | Int32Array;
  readonly y: Float32Array | Int32Array;
}

export interface ReplicaStep {
  readonly type: 'step';
  readonly buffers: StepBuffers;
  /** Rows of this replica's share of the batch (the buffers may be longer). */
  readonly rows: number;
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
  /** rows / batch rows: the loss is scaled so that the replicas' gradients sum to the batch's. */
  readonly share: number;
  /** Only replica 0 adds the regularizers' penalties, which belong to the batch once. */
  readonly regularize: boolean;
  /** Math.random's seed for this step (dropout masks), drawn from the run's seeded generator. */
  readonly seed: number;
}

export type TrainerToReplica = { readonly type: 'setup'; readonly setup: ReplicaSetup } | ReplicaStep;

export type ReplicaToTrainer =
  | { readonly type: 'ready' }
  | {
      readonly type: 'stepped';
      readonly buffers: StepBuffers;
      /** share × this slice's loss (+ the penalties on replica 0) and share × each metric, in `metricsNames` order. */
      readonly logs: readonly number[];
    }
  | { readonly type: 'failed'; readonly message: string };

/** The step buffers' memory, to transfer with the message that carries them. */
export function transferables(buffers: StepBuffers): ArrayBuffer[] {
  return [buffers.weights, buffers.gradients, buffers.x, buffers.y].map((array) => array.buffer as ArrayBuffer);
}

/** The dtype a step buffer carries for a tensor of `dtype`. */
export function bufferFor(dtype: tf.DataType, length: number): Float32Array | Int32Array {
  return dtype === 'int32' ? new Int32Array(length) : new Float32Array(length);
}
