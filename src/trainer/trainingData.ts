import * as tf from '@tensorflow/tfjs';
import type { PreparedData, Split } from '../data/preparedData';
import { Mulberry32 } from '../data/random';
import { assertNever } from '../protocol/assertNever';
import type { ModelSpec } from '../modelFile/modelSpec';
import { ModelBuildError } from './buildModel';

/** How labels are fed to the loss. */
export type LabelEncoding =
  /** categoricalCrossentropy: [count, classes] one-hot rows. */
  | { readonly kind: 'oneHot'; readonly classes: number }
  /** sparseCategoricalCrossentropy: [count] class indices. */
  | { readonly kind: 'indices' }
  /** Regression and binary classification: [count, 1], the shape of a one-unit output. */
  | { readonly kind: 'column' };

/**
 * The label encoding the loss needs, after checking that the model's output
 * fits the data (a wrong unit count would otherwise train silently wrong or
 * fail deep inside TF.js).
 */
export function labelEncoding(spec: ModelSpec, data: PreparedData, outputUnits: number): LabelEncoding {
  const lastLayer = `model.layers[${spec.model.layers.length - 1}]`;
  const classCount = data.classes?.length ?? 0;
  const loss = spec.training.loss;
  if (spec.task === 'regression') {
    if (outputUnits !== 1) {
      throw new ModelBuildError(
        `${lastLayer}.units`,
        `the model outputs ${outputUnits} values but a regression target is one value: use 1 unit`,
      );
    }
    return { kind: 'column' };
  }
  if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') {
    if (outputUnits !== classCount) {
      throw new ModelBuildError(
        `${lastLayer}.units`,
        `the model outputs ${outputUnits} values but the data has ${classCount} classes: use ${classCount} units`,
      );
    }
    return loss === 'categoricalCrossentropy' ? { kind: 'oneHot', classes: classCount } : { kind: 'indices' };
  }
  if (outputUnits === 1 && classCount > 2) {
    throw new ModelBuildError(
      'training.loss',
      `${loss} with one output unit needs 2 classes, the data has ${classCount}: use sparseCategoricalCrossentropy with ${classCount} units`,
    );
  }
  return outputUnits === 1 ? { kind: 'column' } : { kind: 'oneHot', classes: outputUnits };
}

/** One split as tensors. Owned by the caller: dispose both. */
export interface SplitTensors {
  /** [count, ...featureShape] */
  readonly x: tf.Tensor;
  /** Labels as LabelEncoding says. */
  readonly y: tf.Tensor;
  readonly count: number;
}

function labelTensor(split: Split, encoding: LabelEncoding): tf.Tensor {
  switch (encoding.kind) {
    case 'oneHot':
      return tf.tidy(() => tf.oneHot(tf.tensor1d(split.y, 'int32'), encoding.classes).toFloat());
    case 'indices':
      return tf.tensor1d(split.y, 'float32');
    case 'column':
      return tf.tensor2d(split.y, [split.count, 1], 'float32');
    default:
      return assertNever(encoding);
  }
}

export function splitTensors(split: Split, featureShape: readonly number[], encoding: LabelEncoding): SplitTensors {
  return {
    x: tf.tensor(split.x, [split.count, ...featureShape], 'float32'),
    y: labelTensor(split, encoding),
    count: split.count,
  };
}

/**
 * The order in which fit() (shuffle on) takes the examples of an epoch
 * that began with Math.random in `randomState`: it shuffles 0…count-1 with
 * tf.util.shuffle. A run resumed inside an epoch replays it to train the
 * batches that were left (resume.test.ts checks it record for record).
 */
function epochOrder(count: number, randomState: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const original = Math.random;
  Math.random = new Mulberry32(randomState).next;
  try {
    tf.util.shuffle(order);
  } finally {
    Math.random = original;
  }
  return order;
}

/** The examples of an epoch that began with Math.random in `randomState`, from example `from` on, in that epoch's order. Owned by the caller. */
export function restOfEpoch(train: SplitTensors, randomState: number, from: number): SplitTensors {
  const order = tf.tensor1d(epochOrder(train.count, randomState).subarray(from), 'int32');
  try {
    return { x: tf.gather(train.x, order), y: tf.gather(train.y, order), count: train.count - from };
  } finally {
    order.dispose();
  }
}
