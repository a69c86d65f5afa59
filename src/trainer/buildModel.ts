import * as tf from '@tensorflow/tfjs';
import { didYouMean } from '../data/suggest';
import { DEFAULT_LEARNING_RATES } from '../modelFile/modelDefaults';
import type { ModelSpec, TrainingSpec } from '../modelFile/modelSpec';
import { isObject } from '../protocol/primitiveGuards';
import { layerErrorMessage } from './layerErrors';
import { maskedPoolingFactory, textLayerDefaults } from './textLayerConfig';
import { MODEL_STUDIO_LAYER_FACTORIES } from './textLayers';

/** A model-file field the model cannot be built from; the message starts with the field. */
export class ModelBuildError extends Error {
  constructor(
    /** JSON path of the field at fault, e.g. `model.layers[2].type`. */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'ModelBuildError';
  }
}

type LayerFactory = (config: Record<string, unknown>) => tf.layers.Layer;

/** The `tf.layers` factories (lower-case functions: `Layer`, `RNN` are classes), then Model Studio's own layers. */
const LAYER_FACTORIES: ReadonlyMap<string, LayerFactory> = new Map([
  ...Object.entries(tf.layers)
    .filter(([name, value]) => typeof value === 'function' && /^[a-z]/.test(name))
    .map(([name, value]): [string, LayerFactory] => [name, value as LayerFactory]),
  ...MODEL_STUDIO_LAYER_FACTORIES,
]);

const INPUT_SHAPE_KEYS = ['inputShape', 'batchInputShape', 'inputDim'];
/** An embedding's `inputDim` is its vocabulary size, not its input's width: its length is `inputLength`. */
const EMBEDDING_INPUT_SHAPE_KEYS = ['inputShape', 'batchInputShape', 'inputLength'];

/** Config keys whose value is a seed per initializer: several per layer get distinct seeds. */
const SEED_STRIDE_PER_INITIALIZER = 1000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface SerializableInitializer {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
}

function isInitializer(value: unknown): value is SerializableInitializer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializableInitializer).getClassName === 'function' &&
    typeof (value as SerializableInitializer).getConfig === 'function'
  );
}

/**
 * Config entries that give every random initializer the layer would use
 * a seed, so that the same `training.seed` gives the same initial weights:
 * its defaults (glorot for kernels, orthogonal for recurrent kernels…) and
 * ones the model file names (`"biasInitializer": "randomNormal"`). An
 * initializer that has a seed already, or no randomness (zeros, ones), is
 * left alone. Recurrent layers hold their initializers on `cell`.
 */
function seededInitializers(factory: LayerFactory, config: Record<string, unknown>, baseSeed: number): Record<string, unknown> {
  const probe = factory(config) as unknown as Record<string, unknown>;
  const holders = [probe, probe.cell].filter((h): h is Record<string, unknown> => typeof h === 'object' && h !== null);
  const seeded: Record<string, unknown> = {};
  let index = 0;
  for (const holder of holders) {
    for (const [key, value] of Object.entries(holder)) {
      if (!key.endsWith('Initializer') || key in seeded || !isInitializer(value)) {
        continue;
      }
      const initializerConfig = value.getConfig();
      if ('seed' in initializerConfig && initializerConfig.seed == null) {
        seeded[key] = {
          className: value.getClassName(),
          config: { ...initializerConfig, seed: baseSeed + SEED_STRIDE_PER_INITIALIZER * index },
        };
        index++;
      }
    }
  }
  // A layer may hold an initializer it refuses in its config (SeparableConv2D's kernelInitializer): those stay unseeded.
  return Object.fromEntries(Object.entries(seeded).filter(([key, value]) => accepts(factory, { ...config, [key]: value })));
}

function accepts(factory: LayerFactory, config: Record<string, unknown>): boolean {
  try {
    factory(config);
    return true;
  } catch {
    return false;
  }
}

/** Layer keys that take a regularizer (model-file.schema.json "regularizer"). */
const REGULARIZER_KEYS = [
  'kernelRegularizer',
  'biasRegularizer',
  'activityRegularizer',
  'recurrentRegularizer',
  'depthwiseRegularizer',
  'pointwiseRegularizer',
];

/**
 * `config` with the model file's regularizers, `{ "l1": 0, "l2": 0.01 }`,
 * as TF.js's L1L2 (TF.js itself takes only its serialised form or "l1l2").
 */
function withRegularizers(config: Record<string, unknown>): Record<string, unknown> {
  const translated = { ...config };
  for (const key of REGULARIZER_KEYS) {
    const value = config[key];
    if (!isObject(value)) continue;
    const factor = (x: unknown): number => (typeof x === 'number' ? x : 0);
    translated[key] = tf.regularizers.l1l2({ l1: factor(value.l1), l2: factor(value.l2) });
  }
  return translated;
}

function createLayer(
  spec: ModelSpec,
  index: number,
  inputShape: readonly number[] | undefined,
  seed: number,
  base: { offset: number; makesMask: boolean },
): tf.layers.Layer {
  const offset = base.offset;
  const layer = spec.model.layers[index];
  const field = `model.layers[${index}]`;
  const { type, ...userConfig } = layer;
  const factory = maskedPoolingFactory(spec, index, base.makesMask) ?? LAYER_FACTORIES.get(type);
  if (factory === undefined) {
    throw new ModelBuildError(`${field}.type`, `unknown layer type "${type}"${didYouMean(type, LAYER_FACTORIES.keys())}`);
  }
  // Named by position (unless the user named it) rather than TF.js's
  // process-wide counter: stable across runs and easy to find in the file.
  // After the layers of a `model.from` model, positions count on from them.
  const config: Record<string, unknown> = withRegularizers({
    name: `${type}_${offset + index + 1}`,
    ...textLayerDefaults(spec, index),
    ...userConfig,
  });
  const shapeKeys = type === 'embedding' ? EMBEDDING_INPUT_SHAPE_KEYS : INPUT_SHAPE_KEYS;
  if (inputShape !== undefined && !shapeKeys.some((key) => key in config)) {
    config.inputShape = [...inputShape];
  }
  try {
    return factory({ ...config, ...seededInitializers(factory, config, seed + offset + index) });
  } catch (error) {
    throw new ModelBuildError(field, `${type}: ${layerErrorMessage(layer, error)}`);
  }
}

/**
 * The model the spec describes, not compiled: layer `i` is
 * `tf.layers[type](config)`, the first one receiving `inputShape =
 * featureShape` unless it names its own. Dropout layers are deliberately not
 * seeded here: a fixed dropout seed makes TF.js draw the same mask at every
 * batch; train() makes their randomness reproducible instead.
 *
 * @param featureShape shape of one example, e.g. [784] or [28, 28, 1]
 * @param seed `training.seed`; initializers get seeds derived from it and the layer index
 */
export function buildModel(spec: ModelSpec, featureShape: readonly number[], seed: number, base?: tf.LayersModel): tf.Sequential {
  const layers = spec.model.layers;
  if (layers.length === 0 && base === undefined) {
    throw new ModelBuildError('model.layers', 'a model needs at least one layer');
  }
  const model = tf.sequential();
  try {
    const copies = base === undefined ? [] : addBaseLayers(model, base, featureShape, spec.model.trainable ?? true);
    const fromBase = { offset: copies.length, makesMask: copies.some(({ copy }) => makesMask(copy)) };
    layers.forEach((layerSpec, index) => {
      const layer = createLayer(spec, index, index === 0 && copies.length === 0 ? featureShape : undefined, seed, fromBase);
      const inputShape = model.layers.length === 0 ? featureShape : model.outputs[0].shape.slice(1);
      try {
        model.add(layer);
      } catch (error) {
        throw new ModelBuildError(`model.layers[${index}]`, `${layerSpec.type}: ${layerErrorMessage(layerSpec, error, inputShape)}`);
      }
    });
    // Weights exist once the layers are built, i.e. added.
    for (const { source, copy } of copies) copy.setWeights(source.getWeights());
    checkForwardPass(model, spec, featureShape, copies.length);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Runs one example of zeros through the layers one by one. Building checks
 * shapes only where they are known, and the batch axis is not: a reshape
 * to a different number of values builds, then fails at the first batch
 * with no word of which layer. Here it fails on the layer's field.
 */
function checkForwardPass(model: tf.Sequential, spec: ModelSpec, featureShape: readonly number[], fromBase: number): void {
  tf.tidy(() => {
    let x = tf.zeros([1, ...featureShape]);
    model.layers.forEach((layer, position) => {
      const inputShape = x.shape.slice(1);
      try {
        x = layer.apply(x) as tf.Tensor;
      } catch (error) {
        if (position < fromBase) throw new ModelBuildError('model.from', `layer "${layer.name}": ${errorMessage(error)}`);
        const index = position - fromBase;
        const layerSpec = spec.model.layers[index];
        throw new ModelBuildError(`model.layers[${index}]`, `${layerSpec.type}: ${layerErrorMessage(layerSpec, error, inputShape)}`);
      }
    });
  });
}

/** Whether a layer of a `model.from` model makes a padding mask (an embedding with maskZero, a masking layer). */
function makesMask(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'Masking' || (layer.getClassName() === 'Embedding' && layer.getConfig().maskZero === true);
}

/** How many of a model's leading layers came from `model.from` (0 without it). */
export function baseLayerCount(model: tf.LayersModel, spec: ModelSpec): number {
  return model.layers.length - spec.model.layers.length;
}

interface LayerClass {
  fromConfig(cls: LayerClass, config: Record<string, unknown>): tf.layers.Layer;
}

/**
 * Adds a copy of every layer of `base` (fine-tuning: `model.from`) to
 * `model`: same class, config and name, the first one taking examples of
 * `featureShape`; `trainable` freezes all (false), none (true) or all but
 * the named ones. Only a chain of layers (one input, one output, each
 * layer fed by the one before, as in a Sequential model) can be extended.
 * Returns the pairs whose weights to copy once the model is built.
 */
function addBaseLayers(
  model: tf.Sequential,
  base: tf.LayersModel,
  featureShape: readonly number[],
  trainable: boolean | readonly string[],
): { source: tf.layers.Layer; copy: tf.layers.Layer }[] {
  if (base.inputs.length !== 1 || base.outputs.length !== 1) {
    throw new ModelBuildError(
      'model.from',
      `only models with one input and one output can be extended (it has ${base.inputs.length} and ${base.outputs.length})`,
    );
  }
  const inputShape = base.inputs[0].shape.slice(1);
  if (inputShape.length !== featureShape.length || inputShape.some((d, i) => d !== null && d !== featureShape[i])) {
    throw new ModelBuildError(
      'model.from',
      `the model takes examples of shape [${inputShape.map((d) => d ?? 'any').join(', ')}] but the data's are [${featureShape.join(', ')}]: set "data.features.shape" to match`,
    );
  }
  const layers = base.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  const names = new Set(typeof trainable === 'boolean' ? [] : trainable);
  return layers.map((source, i) => {
    const inbound = (source as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    const fedBy = inbound.length === 1 ? inbound[0].inboundLayers : [];
    const previous = i === 0 ? undefined : layers[i - 1];
    if (fedBy.length > 1 || (previous !== undefined && fedBy[0] !== previous)) {
      throw new ModelBuildError(
        'model.from',
        `layer "${source.name}" is not fed by the layer before it alone; only a chain of layers (a Sequential model) can be extended`,
      );
    }
    const { batchInputShape: _batch, inputShape: _input, ...config } = source.getConfig() as Record<string, unknown>;
    const cls = source.constructor as unknown as LayerClass;
    const copy = cls.fromConfig(cls, { ...config, ...(i === 0 ? { batchInputShape: [null, ...featureShape] } : {}) });
    copy.trainable = typeof trainable === 'boolean' ? trainable : names.has(source.name);
    try {
      model.add(copy);
    } catch (error) {
      throw new ModelBuildError('model.from', `layer "${source.name}" (${source.getClassName()}): ${errorMessage(error)}`);
    }
    return { source, copy };
  });
}

type OptimizerFactory = (learningRate: number) => tf.Optimizer;

/** Optimizers by name, with Keras's default learning rates. */
const OPTIMIZERS: ReadonlyMap<string, { create: OptimizerFactory; defaultLearningRate: number }> = new Map([
  ['sgd', { create: (lr: number) => tf.train.sgd(lr), defaultLearningRate: DEFAULT_LEARNING_RATES.sgd }],
  ['momentum', { create: (lr: number) => tf.train.momentum(lr, 0.9), defaultLearningRate: DEFAULT_LEARNING_RATES.momentum }],
  ['adam', { create: (lr: number) => tf.train.adam(lr), defaultLearningRate: DEFAULT_LEARNING_RATES.adam }],
  ['adamax', { create: (lr: number) => tf.train.adamax(lr), defaultLearningRate: DEFAULT_LEARNING_RATES.adamax }],
  ['adagrad', { create: (lr: number) => tf.train.adagrad(lr), defaultLearningRate: DEFAULT_LEARNING_RATES.adagrad }],
  ['adadelta', { create: (lr: number) => tf.train.adadelta(lr), defaultLearningRate: DEFAULT_LEARNING_RATES.adadelta }],
  ['rmsprop', { create: (lr: number) => tf.train.rmsprop(lr), defaultLearningRate: DEFAULT_LEARNING_RATES.rmsprop }],
]);

const OPTIMIZER_NAMES: readonly string[] = [...OPTIMIZERS.keys()];

/** Compiles with `training.optimizer` (by name), `learningRate`, `loss` and `metrics`. */
export function compileModel(model: tf.LayersModel, training: TrainingSpec): void {
  const optimizer = OPTIMIZERS.get(training.optimizer);
  if (optimizer === undefined) {
    throw new ModelBuildError(
      'training.optimizer',
      `unknown optimizer "${training.optimizer}"${didYouMean(training.optimizer, OPTIMIZERS.keys())}` +
        ` (one of ${OPTIMIZER_NAMES.join(', ')})`,
    );
  }
  try {
    model.compile({
      optimizer: optimizer.create(baseLearningRate(training)),
      loss: training.loss,
      metrics: [...(training.metrics ?? [])],
    });
  } catch (error) {
    throw new ModelBuildError('training', errorMessage(error));
  }
}

/** `training.learningRate`, or the optimizer's default: the rate a schedule starts from. */
export function baseLearningRate(training: TrainingSpec): number {
  return training.learningRate ?? OPTIMIZERS.get(training.optimizer)?.defaultLearningRate ?? 0.01;
}

/**
 * Sets the rate the optimizer's next steps use. SGD and momentum keep it
 * as a scalar tensor that only setLearningRate replaces; the Adam family,
 * Adagrad, Adadelta and RMSProp read their `learningRate` field at every step.
 */
export function setLearningRate(model: tf.LayersModel, rate: number): void {
  const optimizer = model.optimizer as tf.Optimizer & { learningRate: number; setLearningRate?: (rate: number) => void };
  if (optimizer.setLearningRate) optimizer.setLearningRate(rate);
  else optimizer.learningRate = rate;
}

/** Number of values of the model's output per example (units of the last layer). */
export function outputUnits(model: tf.LayersModel): number {
  const shape = model.outputs[0].shape;
  return shape[shape.length - 1] ?? 1;
}

/**
 * Frees the model's weights and its optimizer's state. compile() got an
 * optimizer object, which LayersModel.dispose() leaves alone (TF.js only
 * disposes optimizers it created from a name).
 */
export function disposeModel(model: tf.LayersModel): void {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  model.dispose();
  optimizer?.dispose();
}
