import * as tf from '@tensorflow/tfjs';
import { MaskPassingLayer, type LayerArgs } from './maskPassingLayer';
import { serializeInitializer, toInitializer, type Initializer, withSeedOffset } from './initializers';
import { maskFor, project, selfAttention, type AttentionWeights, type Projection } from './selfAttention';

/** keras_hub's TransformerEncoder default: layer_norm_epsilon=1e-5. */
const LAYER_NORM_EPSILON = 1e-5;

export interface TransformerEncoderArgs {
  readonly numHeads: number;
  /** Units of the feed-forward network's hidden layer. */
  readonly ffDim: number;
  /** Dropout rate on the attention probabilities, the attention output and the feed-forward output. */
  readonly dropout?: number;
  /** Size of each head's query and key; modelDim / numHeads when absent. */
  readonly keyDim?: number;
  readonly kernelInitializer?: unknown;
  readonly biasInitializer?: unknown;
  readonly name?: string;
  readonly trainable?: boolean;
  readonly inputShape?: number[];
  readonly batchInputShape?: (number | null)[];
}

interface Norm {
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
}

interface Weights {
  readonly attention: Record<keyof AttentionWeights, { kernel: tf.LayerVariable; bias: tf.LayerVariable }>;
  readonly attentionNorm: Norm;
  readonly inner: { kernel: tf.LayerVariable; bias: tf.LayerVariable };
  readonly outer: { kernel: tf.LayerVariable; bias: tf.LayerVariable };
  readonly outputNorm: Norm;
}

function positiveInteger(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`"${key}" must be a whole number ≥ 1${value === undefined ? ' and is missing' : ` (got ${JSON.stringify(value)})`}`);
  }
  return value;
}

function layerNorm(x: tf.Tensor, { gamma, beta }: Norm): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma.read()), beta.read());
}

function read(p: { kernel: tf.LayerVariable; bias: tf.LayerVariable }): Projection {
  return { kernel: p.kernel.read(), bias: p.bias.read() };
}

/**
 * One Transformer encoder block, post-norm as keras_hub's
 * TransformerEncoder (normalize_first=False): x → x + dropout(selfAttention(x)) →
 * layer norm → x + dropout(ffn(x)) → layer norm, with ffn = dense(ffDim, relu)
 * → dense(modelDim). The padding mask it receives (from an embedding with
 * maskZero) hides padded keys from the attention and is passed on.
 */
export class TransformerEncoder extends MaskPassingLayer {
  static readonly className = 'TransformerEncoder';
  readonly numHeads: number;
  readonly ffDim: number;
  readonly dropout: number;
  readonly keyDim: number | undefined;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private weightsOf: Weights | undefined;

  constructor(args: TransformerEncoderArgs) {
    super(args as unknown as LayerArgs);
    this.numHeads = positiveInteger(args.numHeads, 'numHeads');
    this.ffDim = positiveInteger(args.ffDim, 'ffDim');
    this.dropout = args.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1)) {
      throw new Error(`"dropout" must be a rate from 0 up to (not including) 1 (got ${JSON.stringify(args.dropout)})`);
    }
    this.keyDim = args.keyDim === undefined ? undefined : positiveInteger(args.keyDim, 'keyDim');
    this.kernelInitializer = toInitializer(args.kernelInitializer, () => tf.initializers.glorotUniform({}));
    this.biasInitializer = toInitializer(args.biasInitializer, () => tf.initializers.zeros());
  }

  /** Each head's query/key size: `keyDim`, or the model width split evenly over the heads. */
  headSize(modelDim: number): number {
    if (this.keyDim !== undefined) return this.keyDim;
    if (modelDim % this.numHeads !== 0) {
      throw new Error(`the input's last axis (${modelDim}) must divide evenly by numHeads (${this.numHeads}), or set "keyDim"`);
    }
    return modelDim / this.numHeads;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 3)
      throw new Error(`expects sequences [steps, features], e.g. from an embedding, but its input is [${shape.slice(1).join(', ')}]`);
    const modelDim = shape[2] as number;
    const width = this.numHeads * this.headSize(modelDim);
    let seedOffset = 0;
    const dense = (name: string, inputs: number, units: number) => ({
      kernel: this.addWeight(`${name}_kernel`, [inputs, units], 'float32', withSeedOffset(this.kernelInitializer, seedOffset++)),
      bias: this.addWeight(`${name}_bias`, [units], 'float32', this.biasInitializer),
    });
    const norm = (name: string): Norm => ({
      gamma: this.addWeight(`${name}_gamma`, [modelDim], 'float32', tf.initializers.ones()),
      beta: this.addWeight(`${name}_beta`, [modelDim], 'float32', tf.initializers.zeros()),
    });
    const attention = {
      query: dense('query', modelDim, width),
      key: dense('key', modelDim, width),
      value: dense('value', modelDim, width),
      output: dense('attention_output', width, modelDim),
    };
    const attentionNorm = norm('attention_norm');
    const inner = dense('ffn_inner', modelDim, this.ffDim);
    const outer = dense('ffn_outer', this.ffDim, modelDim);
    this.weightsOf = { attention, attentionNorm, inner, outer, outputNorm: norm('ffn_norm') };
    this.built = true;
  }

  private builtWeights(): Weights {
    if (this.weightsOf === undefined) throw new Error(`layer ${this.name} is used before it is built`);
    return this.weightsOf;
  }

  private attentionWeights(): AttentionWeights {
    const { query, key, value, output } = this.builtWeights().attention;
    return { query: read(query), key: read(key), value: read(value), output: read(output) };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const mask = maskFor(x, kwargs.mask);
      const training = kwargs.training === true;
      const rate = training ? this.dropout : 0;
      const drop = (t: tf.Tensor) => (rate > 0 ? tf.dropout(t, rate) : t);
      const weights = this.builtWeights();
      const { output } = selfAttention(x, mask, this.attentionWeights(), this.numHeads, rate);
      const attended = layerNorm(tf.add(x, drop(output)), weights.attentionNorm);
      const hidden = tf.relu(project(attended, read(weights.inner)));
      const fed = project(hidden as tf.Tensor3D, read(weights.outer));
      return layerNorm(tf.add(attended, drop(fed)), weights.outputNorm);
    });
  }

  /**
   * The attention probabilities [batch, heads, query, key] this layer gives
   * `inputs` (what it receives in the model, [batch, steps, d]) under
   * `mask` [batch, steps], as at inference (no dropout).
   */
  attentionProbabilities(inputs: tf.Tensor, mask: tf.Tensor | null): tf.Tensor4D {
    return tf.tidy(() => selfAttention(inputs as tf.Tensor3D, mask, this.attentionWeights(), this.numHeads).probabilities);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      ffDim: this.ffDim,
      dropout: this.dropout,
      ...(this.keyDim === undefined ? {} : { keyDim: this.keyDim }),
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
    };
  }
}

tf.serialization.registerClass(TransformerEncoder);
