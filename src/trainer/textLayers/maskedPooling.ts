import * as tf from '@tensorflow/tfjs';
import { maskFor } from './selfAttention';

type Kind = 'average' | 'max';

/**
 * Global pooling over the steps of a sequence [batch, steps, d] that
 * leaves out the padded steps the mask marks. TF.js's own global pooling
 * layers average or take the max over every step, padding included (or
 * refuse a mask outright when run as a nested model). Without a mask
 * they give exactly what TF.js's give.
 */
abstract class MaskedGlobalPooling1D extends tf.layers.Layer {
  protected abstract readonly kind: Kind;

  constructor(args: ConstructorParameters<typeof tf.layers.Layer>[0] = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const mask = maskFor(x, kwargs.mask);
      if (mask === null) return this.kind === 'average' ? tf.mean(x, 1) : tf.max(x, 1);
      const weights = tf.expandDims(tf.cast(mask, 'float32'), -1);
      const count = tf.sum(weights, 1);
      if (this.kind === 'average') return tf.div(tf.sum(tf.mul(x, weights), 1), tf.maximum(count, 1));
      // Padded steps can never be the largest; a text of padding only pools to 0 (as averaging gives).
      const largest = tf.max(tf.add(x, tf.mul(tf.sub(1, weights), -1e9)), 1);
      return tf.where(tf.greater(count, 0), largest, tf.zerosLike(largest));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[2]];
  }

  /** One vector per example: no steps left to mask. */
  override computeMask(): tf.Tensor {
    return null as unknown as tf.Tensor;
  }
}

export class MaskedGlobalAveragePooling1D extends MaskedGlobalPooling1D {
  static readonly className = 'MaskedGlobalAveragePooling1D';
  protected readonly kind = 'average';
}

export class MaskedGlobalMaxPooling1D extends MaskedGlobalPooling1D {
  static readonly className = 'MaskedGlobalMaxPooling1D';
  protected readonly kind = 'max';
}

tf.serialization.registerClass(MaskedGlobalAveragePooling1D);
tf.serialization.registerClass(MaskedGlobalMaxPooling1D);
