import * as tf from '@tensorflow/tfjs';

export type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

/**
 * A layer whose output has its input's shape, [batch, steps, d], and whose
 * steps are its input's: the padding mask an embedding made is handed on
 * unchanged, for the layers after it (attention, masked pooling, LSTM).
 */
export abstract class MaskPassingLayer extends tf.layers.Layer {
  constructor(args: LayerArgs) {
    super(args);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return mask as tf.Tensor;
  }
}
