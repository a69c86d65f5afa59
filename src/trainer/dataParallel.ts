import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../data/errorMessage';
import type { TrainingSpec } from '../modelFile/modelSpec';
import type { TrainerToHost } from '../protocol/trainerMessages';
import type { LoadedBackend } from './backend';
import type { fitEpoch } from './fitEpoch';
import {
  bufferFor,
  type ReplicaSetup,
  type ReplicaStep,
  type ReplicaToTrainer,
  type StepBuffers,
  type TrainerToReplica,
  transferables,
} from './replicaMessages';
import type { WasmHeap } from './wasmHeap';

// Data-parallel training on wasm (docs/wasm-threads.md §4): with N threads a
// convolutional or Transformer model trains as N replicas in worker threads, each on 1/N of
// every batch with its own single-threaded backend; the trainer sums their
// gradients and takes the optimizer step on its threaded backend while they
// wait. Replicas run every kernel and all of TF.js's own JavaScript at once,
// where XNNPACK's threads split only its products and convolutions.

/**
 * Layers that apply each weight at many positions of an example (a
 * convolution's windows, attention's tokens): a batch of them is compute,
 * where a dense layer's is mostly weight traffic.
 */
const WEIGHT_SHARING = new Set([
  'Conv1D',
  'Conv2D',
  'Conv2DTranspose',
  'Conv3D',
  'SeparableConv2D',
  'DepthwiseConv2D',
  'TransformerEncoder',
]);

/**
 * Layers whose weights training itself changes: a replica's batch-norm
 * statistics would never reach the model, which keeps the trainer's.
 */
const UPDATED_IN_TRAINING = new Set(['BatchNormalization']);

/** How long the replicas may take to load their backends and build the model before the run trains without them. */
const START_TIMEOUT_MS = 60_000;

function layersOf(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? layersOf(layer) : [layer]));
}

/**
 * The replicas a run trains with: the wasm threads when there are 2 or
 * more and the model has a convolution or a Transformer encoder (and no
 * batch normalization); otherwise 0, and fit runs on XNNPACK's threads. On
 * the MLP replicas lose to XNNPACK's threads: its step is mostly the
 * optimizer's pass over the weights, which replicas do not split (figures
 * in docs/wasm-threads.md §2).
 */
export function replicaCount(model: tf.LayersModel, backend: LoadedBackend): number {
  const threads = backend.backend === 'wasm' ? (backend.threads ?? 1) : 1;
  const kinds = new Set(layersOf(model).map((layer) => layer.getClassName()));
  const helps = [...kinds].some((kind) => WEIGHT_SHARING.has(kind)) && ![...kinds].some((kind) => UPDATED_IN_TRAINING.has(kind));
  return threads >= 2 && helps ? threads : 0;
}

/** One replica's worker, one request at a time. */
class ReplicaWorker {
  private pending: { resolve(reply: ReplicaToTrainer): void; reject(error: Error): void } | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: ReplicaToTrainer) => this.settle(reply));
    worker.on('error', (error) => this.fail(new Error(`a model replica failed: ${errorMessage(error)}`)));
    worker.on('exit', (code) => this.fail(new Error(`a model replica exited (code ${code})`)));
  }

  request(message: TrainerToReplica, transfer: ArrayBuffer[] = []): Promise<ReplicaToTrainer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  terminate(): Promise<number> {
    this.failure ??= new Error('the model replicas were closed');
    return this.worker.terminate();
  }

  private settle(reply: ReplicaToTrainer): void {
    const pending = this.pending;
    this.pending = undefined;
    if (reply.type === 'failed') pending?.reject(new Error(reply.message));
    else pending?.resolve(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failure);
  }
}

/** Rows per replica: as even as can be, the first ones taking the remainder. */
export function shares(rows: number, replicas: number): number[] {
  return Array.from({ length: replicas }, (_, i) => Math.floor(rows / replicas) + (i < rows % replicas ? 1 : 0));
}

/** The model's replicas in worker threads, and the step that sums their gradients. */
export class Replicas {
  private constructor(
    private readonly model: tf.LayersModel,
    private readonly workers: ReplicaWorker[],
    private readonly buffers: StepBuffers[],
  ) {}

  /** Starts `count` replicas of the compiled `model`; rejects if one fails to load or build. */
  static async start(model: tf.LayersModel, training: TrainingSpec, count: number): Promise<Replicas> {
    const setup: ReplicaSetup = {
      topology: model.toJSON(null, false) as object,
      loss: training.loss,
      metrics: [...(training.metrics ?? [])],
      trainableShapes: model.trainableWeights.map((w) => w.read().shape),
    };
    const script = path.join(__dirname, 'replica.js');
    const workers = Array.from({ length: count }, () => new ReplicaWorker(new Worker(script)));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the model replicas did not start within ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        );
      });
      await Promise.race([Promise.all(workers.map((worker) => worker.request({ type: 'setup', setup }))), timeout]);
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const weights = model.weights.reduce((n, w) => n + w.read().size, 0);
    const trainable = model.trainableWeights.reduce((n, w) => n + w.read().size, 0);
    const buffers = workers.map(() => ({
      weights: new Float32Array(weights),
      gradients: new Float32Array(trainable),
      x: new Float32Array(0),
      y: new Float32Array(0),
    }));
    return new Replicas(model, workers, buffers);
  }

  /**
   * One training step on the batch (x, y): each replica computes its rows'
   * gradients with the current weights, the sum updates the model. Returns
   * the batch's loss and metrics in `model.metricsNames` order.
   */
  async step(x: tf.Tensor, y: tf.Tensor): Promise<number[]> {
    const heap = tf.backend() as unknown as WasmHeap;
    const rows = x.shape[0];
    const weights = this.model.weights.map((w) => w.read());
    let first = 0;
    // A batch smaller than the replicas leaves the last ones out: an empty share has no mean loss.
    const counts = shares(rows, this.workers.length).filter((count) => count > 0);
    const replies = counts.map((count, i) => {
      const buffers = this.buffers[i];
      let offset = 0;
      for (const weight of weights) {
        buffers.weights.set(heap.typedArrayFromHeap(weight) as Float32Array, offset);
        offset += weight.size;
      }
      const ids = tf.range(first, first + count, 1, 'int32');
      const [xs, ys] = [tf.gather(x, ids), tf.gather(y, ids)];
      const step: ReplicaStep = {
        type: 'step',
        buffers: { ...buffers, x: fill(buffers.x, xs, heap), y: fill(buffers.y, ys, heap) },
        rows: count,
        xShape: x.shape,
        yShape: y.shape,
        share: count / rows,
        regularize: i === 0,
        seed: Math.floor(Math.random() * 0x1_0000_0000),
      };
      tf.dispose([ids, xs, ys]);
      first += count;
      return this.workers[i].request(step, transferables(step.buffers));
    });
    const stepped = (await Promise.all(replies)).map((reply) => {
      if (reply.type !== 'stepped') throw new Error(`a model replica answered ${reply.type} to a step`);
      return reply;
    });
    this.buffers.splice(0, stepped.length, ...stepped.map((reply) => reply.buffers));
    this.applySummedGradients(stepped.length);
    // Each replica's values are already scaled by its share of the rows.
    return stepped[0].logs.map((_, k) => stepped.reduce((sum, reply) => sum + reply.logs[k], 0));
  }

  get count(): number {
    return this.workers.length;
  }

  /** Terminates the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Adds the first `used` replicas' gradients and takes the optimizer's step. */
  private applySummedGradients(used: number): void {
    const variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const summed: tf.NamedTensorMap = {};
    let offset = 0;
    for (const variable of variables) {
      const parts = this.buffers
        .slice(0, used)
        .map((buffers) => tf.tensor(buffers.gradients.subarray(offset, offset + variable.size), variable.shape));
      // In replica order, one add at a time: the same sum on every run of the same seed and thread count.
      const sum = tf.tidy(() => parts.slice(1).reduce((total, part) => tf.add(total, part), parts[0]));
      summed[variable.name] = sum;
      // One replica's part is the sum itself.
      tf.dispose(parts.filter((part) => part !== sum));
      offset += variable.size;
    }
    try {
      (this.model.optimizer as tf.Optimizer).applyGradients(summed);
    } finally {
      tf.dispose(Object.values(summed));
    }
  }
}

/** `buffer`, or a larger one of the tensor's dtype, holding the tensor's values (from the wasm heap). */
function fill(buffer: Float32Array | Int32Array, tensor: tf.Tensor, heap: WasmHeap): Float32Array | Int32Array {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') throw new Error(`a model replica cannot take ${tensor.dtype} data`);
  const fits = buffer.length >= tensor.size && buffer instanceof Int32Array === (tensor.dtype === 'int32');
  const target = fits ? buffer : bufferFor(tensor.dtype, tensor.size);
  target.set(heap.typedArrayFromHeap(tensor) as Float32Array | Int32Array);
  return target;
}

/**
 * Starts the replicas `replicaCount` asks for, saying so in the log; on a
 * failure says why and returns undefined: the run then trains with fit.
 */
export async function startReplicas(
  model: tf.LayersModel,
  training: TrainingSpec,
  backend: LoadedBackend,
  emit: (message: TrainerToHost) => void,
): Promise<Replicas | undefined> {
  const count = replicaCount(model, backend);
  if (count === 0) return undefined;
  try {
    const replicas = await Replicas.start(model, training, count);
    emit({ type: 'log', level: 'info', message: `wasm: data-parallel, ${count} replicas of the model, 1 thread each` });
    return replicas;
  } catch (error) {
    emit({
      type: 'log',
      level: 'warn',
      message: `wasm: training on ${count} threads without replicas (${errorMessage(error)})`,
    });
    return undefined;
  }
}

type EpochArgs = Parameters<typeof fitEpoch>;

/**
 * fitEpoch's contract, trained by `replicas`: the same order of examples
 * (fit's shuffle of 0…n−1 with Math.random), the same batch logs and epoch
 * logs (val_* from model.evaluate, as fit computes them), the same stop
 * after the batch in progress.
 */
export function parallelEpoch(replicas: Replicas): (...args: EpochArgs) => Promise<tf.Logs | undefined> {
  return async (model, data, shuffle, validation, batchSize, _epoch, skip, signal, onBatch) => {
    const order = Array.from({ length: data.count }, (_, i) => i);
    if (shuffle) tf.util.shuffle(order);
    const names = model.metricsNames;
    const sums = names.map(() => 0);
    const batches = Math.ceil(data.count / batchSize);
    for (let batch = 0; batch < batches; batch++) {
      const start = batch * batchSize;
      const size = Math.min(batchSize, data.count - start);
      const ids = tf.tensor1d(order.slice(start, start + size), 'int32');
      const [x, y] = [tf.gather(data.x, ids), tf.gather(data.y, ids)];
      ids.dispose();
      let values: number[];
      try {
        values = await replicas.step(x, y);
      } finally {
        tf.dispose([x, y]);
      }
      values.forEach((value, k) => (sums[k] += value * size));
      await onBatch(skip + batch, { batch, size, ...Object.fromEntries(names.map((name, k) => [name, values[k]])) });
      if (signal.aborted && batch < batches - 1) return undefined;
    }
    const logs: tf.Logs = Object.fromEntries(names.map((name, k) => [name, sums[k] / data.count]));
    if (validation) {
      const scores = model.evaluate(validation.x, validation.y, { batchSize });
      const list = Array.isArray(scores) ? scores : [scores];
      names.forEach((name, k) => (logs[`val_${name}`] = list[k].dataSync()[0]));
      tf.dispose(list);
    }
    return logs;
  };
}
