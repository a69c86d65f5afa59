import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { Mulberry32 } from '../data/random';
import { errorMessage } from '../data/errorMessage';
import { loadBackend } from './backend';
import type { WasmHeap } from './wasmHeap';
import { transferables, type ReplicaSetup, type ReplicaStep, type ReplicaToTrainer, type TrainerToReplica } from './replicaMessages';
// Model Studio's own layers, so that a topology that uses them deserializes.
import './textLayers';

// A model replica of a data-parallel run (dataParallel.ts): a worker thread
// with its own single-threaded wasm backend that computes one share of each
// batch's gradients with the weights it is sent. Entry point of dist/replica.js.

const port = parentPort;
if (port === null) throw new Error('dist/replica.js runs as a worker thread of the trainer');

function send(message: ReplicaToTrainer, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** The compiled replica and its step. */
class Replica {
  private constructor(
    private readonly model: tf.LayersModel,
    private readonly inner: tf.LayersModel,
  ) {}

  static async build(setup: ReplicaSetup): Promise<Replica> {
    const model = await tf.models.modelFromJSON(setup.topology as Parameters<typeof tf.models.modelFromJSON>[0]);
    // The optimizer is never used: the trainer takes the step with the summed gradients.
    model.compile({ optimizer: 'sgd', loss: setup.loss, metrics: [...setup.metrics] });
    const shapes = model.trainableWeights.map((w) => w.shape.join('×')).join(', ');
    if (shapes !== setup.trainableShapes.map((s) => s.join('×')).join(', ')) {
      throw new Error(`the replica's trainable weights (${shapes}) differ from the model's`);
    }
    // fit's loss and metric functions live on a Sequential's inner model (a private field; the data-parallel test pins it).
    return new Replica(model, model instanceof tf.Sequential ? (model as unknown as { model: tf.LayersModel }).model : model);
  }

  step(message: ReplicaStep): number[] {
    const { buffers, rows, share } = message;
    const weights = this.setWeights(buffers.weights);
    const x = tensorOf(buffers.x, [rows, ...message.xShape.slice(1)]);
    const y = tensorOf(buffers.y, [rows, ...message.yShape.slice(1)]);
    const original = Math.random;
    Math.random = new Mulberry32(message.seed).next;
    try {
      const variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const metrics: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const output = this.model.apply(x, { training: true }) as tf.Tensor;
        // As fit's train function: the mean loss over the rows, the metrics' means, the penalties once.
        let loss = tf.mul(tf.mean(this.inner.lossFunctions[0](y, output)), share) as tf.Scalar;
        for (const [metric] of this.inner.metricsTensors) metrics.push(tf.keep(tf.mul(tf.mean(metric(y, output)), share)));
        if (message.regularize) for (const penalty of this.model.calculateLosses()) loss = tf.add(loss, penalty);
        return loss;
      }, variables);
      // Straight from the wasm heap: dataSync() would allocate a copy of every gradient at every step.
      const heap = tf.backend() as unknown as WasmHeap;
      let offset = 0;
      for (const variable of variables) {
        const gradient = grads[variable.name];
        buffers.gradients.set(heap.typedArrayFromHeap(gradient), offset);
        offset += gradient.size;
      }
      const logs = [value, ...metrics].map((scalar) => scalar.dataSync()[0]);
      tf.dispose([value, ...metrics, ...Object.values(grads)]);
      return logs;
    } finally {
      Math.random = original;
      tf.dispose([x, y, ...weights]);
    }
  }

  private setWeights(values: Float32Array): tf.Tensor[] {
    let offset = 0;
    const tensors = this.model.weights.map((weight) => {
      const { shape, size } = weight.read();
      const tensor = tf.tensor(values.subarray(offset, offset + size), shape);
      offset += size;
      return tensor;
    });
    this.model.setWeights(tensors);
    return tensors;
  }
}

function tensorOf(values: Float32Array | Int32Array, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(values.subarray(0, size), shape, values instanceof Int32Array ? 'int32' : 'float32');
}

let replica: Replica | undefined;

port.on('message', (message: TrainerToReplica) => {
  void (async () => {
    try {
      if (message.type === 'setup') {
        await loadBackend('wasm', { threads: 1 });
        replica = await Replica.build(message.setup);
        send({ type: 'ready' });
      } else {
        if (replica === undefined) throw new Error('a step before the setup');
        const logs = replica.step(message);
        send({ type: 'stepped', buffers: message.buffers, logs }, transferables(message.buffers));
      }
    } catch (error) {
      send({ type: 'failed', message: errorMessage(error) });
    }
  })();
});
