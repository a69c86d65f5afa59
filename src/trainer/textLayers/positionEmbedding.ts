import * as tf from '@tensorflow/tfjs';
import { MaskPassingLayer, type LayerArgs } from './maskPassingLayer';
import { serializeInitializer, toInitializer, type Initializer } from './initializers';

export interface PositionEmbeddingArgs {
  /** Longest sequence the layer takes (data.text.maxLength when built from a model file). */
  readonly sequenceLength: number;
  readonly embeddingsInitializer?: unknown;
  readonly name?: string;
  readonly trainable?: boolean;
  readonly inputShape?: number[];
  readonly batchInputShape?: (number | null)[];
}

/**
 * Adds a learned vector per position to its input [batch, steps, d]: a
 * table of `sequenceLength` × d weights, of which the first `steps` rows
 * are used. keras_hub's PositionEmbedding returns the position vectors for
 * the caller to add; in a list of layers there is no caller, so this layer
 * adds them itself. Positions carry no padding information, so the mask
 * passes through unchanged.
 */
export class PositionEmbedding extends MaskPassingLayer {
  static readonly className = 'PositionEmbedding';
  readonly sequenceLength: number;
  readonly embeddingsInitializer: Initializer;
  private positions: tf.LayerVariable | undefined;

  constructor(args: PositionEmbeddingArgs) {
    super(args as unknown as LayerArgs);
    const length = args.sequenceLength;
    if (length === undefined) throw new Error('"sequenceLength" is missing: set it, or "data.text" (its maxLength is the default)');
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 1) {
      throw new Error(`"sequenceLength" must be a whole number ≥ 1 (got ${JSON.stringify(length)})`);
    }
    this.sequenceLength = length;
    this.embeddingsInitializer = toInitializer(args.embeddingsInitializer, () => tf.initializers.glorotUniform({}));
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 3)
      throw new Error(`expects sequences [steps, features], e.g. from an embedding, but its input is [${shape.slice(1).join(', ')}]`);
    const steps = shape[1];
    if (steps !== null && steps > this.sequenceLength) {
      throw new Error(`its input has ${steps} steps but sequenceLength is ${this.sequenceLength}: raise "sequenceLength"`);
    }
    this.positions = this.addWeight('embeddings', [this.sequenceLength, shape[2] as number], 'float32', this.embeddingsInitializer);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (this.positions === undefined) throw new Error(`layer ${this.name} is used before it is built`);
      const table = this.positions.read();
      return tf.add(x, tf.slice(table, [0, 0], [x.shape[1] as number, table.shape[1] as number]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      sequenceLength: this.sequenceLength,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
    };
  }
}

tf.serialization.registerClass(PositionEmbedding);
