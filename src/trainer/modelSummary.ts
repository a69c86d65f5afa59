import type * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED } from '../data/random';
import type { LayerSummary, MemoryEstimate, ModelSummary } from '../protocol/inspectorMessages';
import { DEFAULT_BATCH_SIZE } from '../modelFile/modelDefaults';
import type { ModelSpec } from '../modelFile/modelSpec';
import { baseLayerCount, buildModel, disposeModel } from './buildModel';

const BYTES_PER_VALUE = 4; // float32

/** Slot variables per trainable weight, by optimizer (TF.js 4.x optimizers). */
const OPTIMIZER_SLOTS: Readonly<Record<string, number>> = {
  sgd: 0,
  momentum: 1, // accumulation
  adagrad: 1, // accumulated squared gradients
  adam: 2, // first and second moments
  adamax: 2, // first moment and weighted infinity norm
  adadelta: 2, // accumulated gradients and updates
  rmsprop: 2, // mean squares and moments
};

/** `Dense` → `dense`: the tf.layers factory name of a layer class. */
function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((n, d) => n * (d ?? 1), 1);
}

function weightCount(weights: readonly tf.LayerVariable[]): number {
  return weights.reduce((n, w) => n + product(w.shape), 0);
}

/**
 * Layer table of the model the spec describes, built on whatever TF.js
 * backend is active (the inspector uses cpu) and disposed before returning:
 * output shapes, `countParams()` per layer, totals, and a memory estimate
 * for training (see MemoryEstimate for what it counts).
 *
 * @param featureShape shape of one example, e.g. [784] or [28, 28, 1]
 * @throws ModelBuildError naming the field TF.js refused
 */
export function summarizeModel(spec: ModelSpec, featureShape: readonly number[], base?: tf.LayersModel): ModelSummary {
  const model = buildModel(spec, featureShape, spec.training.seed ?? DEFAULT_SEED, base);
  try {
    // Layers of a `model.from` model come first; `index` stays the position in the file's
    // `model.layers` for the others, and counts on past them for the base's.
    const fromBase = baseLayerCount(model, spec);
    const layers: LayerSummary[] = model.layers.map((layer, position) => ({
      index: position < fromBase ? spec.model.layers.length + position : position - fromBase,
      name: layer.name,
      type: position < fromBase ? lowerFirst(layer.getClassName()) : (spec.model.layers[position - fromBase]?.type ?? layer.getClassName()),
      outputShape: layer.outputShape as (number | null)[],
      params: layer.countParams(),
      trainableParams: weightCount(layer.trainableWeights),
      ...(position < fromBase ? { fromBase: true } : {}),
    }));
    const totalParams = layers.reduce((n, l) => n + l.params, 0);
    const trainableParams = layers.reduce((n, l) => n + l.trainableParams, 0);
    return {
      inputShape: [null, ...featureShape],
      layers,
      totalParams,
      trainableParams,
      nonTrainableParams: totalParams - trainableParams,
      memory: estimateMemory(spec, featureShape, layers, totalParams, trainableParams),
    };
  } finally {
    disposeModel(model);
  }
}

function estimateMemory(
  spec: ModelSpec,
  featureShape: readonly number[],
  layers: readonly LayerSummary[],
  totalParams: number,
  trainableParams: number,
): MemoryEstimate {
  const batchSize = spec.training.batchSize ?? DEFAULT_BATCH_SIZE;
  const optimizerSlots = OPTIMIZER_SLOTS[spec.training.optimizer] ?? 2;
  const valuesPerExample = product(featureShape) + layers.reduce((n, l) => n + product(l.outputShape), 0);
  const weightsBytes = totalParams * BYTES_PER_VALUE;
  const optimizerBytes = trainableParams * optimizerSlots * BYTES_PER_VALUE;
  const gradientsBytes = trainableParams * BYTES_PER_VALUE;
  const activationsBytes = valuesPerExample * batchSize * BYTES_PER_VALUE;
  return {
    weightsBytes,
    optimizerBytes,
    optimizerSlots,
    gradientsBytes,
    activationsBytes,
    batchSize,
    totalBytes: weightsBytes + optimizerBytes + gradientsBytes + activationsBytes,
  };
}
