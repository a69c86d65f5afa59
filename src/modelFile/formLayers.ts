import { isObject } from '../protocol/primitiveGuards';
import { ROOT, stepFor, type Schema } from './formControls';
import type { FieldControl } from './formModel';
import type { JsonPath, JsonValue } from './jsonTypes';
import { INITIALIZERS, LAYER_TYPES, NOT_IN_A_LAYER_LIST } from './layerTypes';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_EPOCHS,
  DEFAULT_OPTIMIZER,
  DEFAULT_TEXT,
  defaultLearningRate,
  defaultLoss,
  defaultMetrics,
  defaultTask,
} from './modelDefaults';

export type Obj = Record<string, unknown>;

/** What the form shows of each layer type, new layers' settings, and the defaults a field shows when the file omits it (formModel.ts). */

const DENSE = ['units', 'activation', 'useBias', 'kernelInitializer', 'kernelRegularizer'];
const CONV = ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelRegularizer'];
const POOL = ['poolSize', 'strides', 'padding'];
const RECURRENT = ['units', 'activation', 'returnSequences', 'dropout', 'recurrentDropout', 'kernelRegularizer'];
const DROPOUT = ['rate'];

/** The settings that matter per layer type (every other key the file gives a layer is shown too). */
const LAYER_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  dense: DENSE,
  conv1d: CONV,
  conv2d: CONV,
  conv3d: CONV,
  conv2dTranspose: CONV,
  separableConv2d: [...CONV.slice(0, 4), 'depthMultiplier', ...CONV.slice(4)],
  depthwiseConv2d: ['kernelSize', 'depthMultiplier', 'strides', 'padding', 'activation', 'useBias'],
  maxPooling1d: POOL,
  maxPooling2d: POOL,
  maxPooling3d: POOL,
  maxPool1d: POOL,
  maxPool2d: POOL,
  averagePooling1d: POOL,
  averagePooling2d: POOL,
  averagePooling3d: POOL,
  avgPool1d: POOL,
  avgPool2d: POOL,
  avgPool3d: POOL,
  avgPooling1d: POOL,
  avgPooling2d: POOL,
  avgPooling3d: POOL,
  lstm: RECURRENT,
  gru: RECURRENT,
  simpleRNN: RECURRENT,
  dropout: DROPOUT,
  spatialDropout1d: DROPOUT,
  alphaDropout: DROPOUT,
  gaussianDropout: DROPOUT,
  gaussianNoise: ['stddev'],
  batchNormalization: ['momentum', 'epsilon'],
  layerNormalization: ['epsilon'],
  embedding: ['inputDim', 'outputDim'],
  reshape: ['targetShape'],
  activation: ['activation'],
  leakyReLU: ['alpha'],
  elu: ['alpha'],
  flatten: [],
};

const FRACTION = (description: string): Schema => ({ description, type: 'number', minimum: 0, exclusiveMaximum: 1 });

/** Layer keys the schema does not describe but the form offers. */
/** What the form offers: `constant` needs a value and `identity` a square kernel, so neither works as a bare name. */
const FORM_INITIALIZERS = INITIALIZERS.filter((name) => name !== 'constant' && name !== 'identity');

const EXTRA_LAYER_KEYS: Readonly<Record<string, Schema>> = {
  recurrentRegularizer: { $ref: '#/definitions/regularizer' },
  dropout: FRACTION('Fraction of the inputs dropped during training (recurrent layers).'),
  recurrentDropout: FRACTION('Fraction of the recurrent state dropped during training.'),
  momentum: { description: 'Momentum of the moving mean and variance (default 0.99).', type: 'number', minimum: 0, maximum: 1 },
  epsilon: {
    description: 'Small number added to the variance to avoid dividing by zero (default 0.001).',
    type: 'number',
    exclusiveMinimum: 0,
  },
  alpha: { description: 'Slope (leakyReLU) or scale (elu) of the negative part.', type: 'number' },
  stddev: { description: 'Standard deviation of the noise added during training.', type: 'number', minimum: 0 },
  depthMultiplier: { description: 'Output channels per input channel of the depthwise step.', type: 'integer', minimum: 1 },
  recurrentInitializer: { anyOf: [{ enum: FORM_INITIALIZERS }, { type: 'string' }] },
};

export const LAYER_PROPERTIES = (ROOT.definitions.layer.properties ?? {}) as Readonly<Record<string, Schema>>;

export function layerKeySchema(key: string): Schema | undefined {
  if (key === 'kernelInitializer' || key === 'biasInitializer') {
    return { description: LAYER_PROPERTIES[key]?.description, anyOf: [{ enum: FORM_INITIALIZERS }, { type: 'string' }] };
  }
  return LAYER_PROPERTIES[key] ?? EXTRA_LAYER_KEYS[key];
}

/** Layer types offered in the form: those a plain list of layers can hold. */
export const FORM_LAYER_TYPES: readonly string[] = LAYER_TYPES.filter((t) => NOT_IN_A_LAYER_LIST[t] === undefined);

/** The settings the form shows for a layer type before any key is present. */
export function layerSettings(type: string): readonly string[] {
  return LAYER_SETTINGS[type] ?? [];
}

/** Settings a new layer of that type starts with (what the user most likely changes next). */
export function newLayer(type: string): Record<string, JsonValue> {
  switch (type) {
    case 'dense':
      return { type, units: 32, activation: 'relu' };
    case 'dropout':
      return { type, rate: 0.2 };
    case 'conv2d':
      return { type, filters: 32, kernelSize: 3, activation: 'relu' };
    case 'maxPooling2d':
      return { type, poolSize: 2 };
    case 'lstm':
    case 'gru':
    case 'simpleRNN':
      return { type, units: 32 };
    default:
      return { type };
  }
}

/** What applies when a key is absent: the trainer's defaults and TF.js's. */
const DEFAULTS: Readonly<Record<string, JsonValue>> = {
  'training.batchSize': DEFAULT_BATCH_SIZE,
  'training.epochs': DEFAULT_EPOCHS,
  'training.optimizer': DEFAULT_OPTIMIZER,
  'training.seed': 42,
  'training.earlyStopping.monitor': 'val_loss',
  'training.earlyStopping.patience': 0,
  'training.earlyStopping.minDelta': 0,
  'training.earlyStopping.restoreBestWeights': false,
  'training.learningRateSchedule.warmupEpochs': 0,
  'training.learningRateSchedule.minLearningRate': 0,
  'data.features.normalize': 'none',
  'data.features.scale': 1,
  'data.target.normalize': 'none',
  'data.target.scale': 1,
  'data.text.tokenizer': DEFAULT_TEXT.tokenizer,
  'data.text.vocabSize': DEFAULT_TEXT.vocabSize,
  'data.text.maxLength': DEFAULT_TEXT.maxLength,
  'data.text.lowercase': DEFAULT_TEXT.lowercase,
  'layer.activation': 'linear',
  'layer.useBias': true,
  'layer.strides': 1,
  'layer.padding': 'valid',
  'layer.kernelInitializer': 'glorotUniform',
  'layer.biasInitializer': 'zeros',
  'layer.returnSequences': false,
  'layer.dropout': 0,
  'layer.recurrentDropout': 0,
  'layer.momentum': 0.99,
  'layer.epsilon': 0.001,
  'layer.depthMultiplier': 1,
  'layer.trainable': true,
};

export function defaultFor(path: JsonPath, root: Obj): JsonValue | undefined {
  if (path[0] === 'model') return DEFAULTS[`layer.${String(path[path.length - 1])}`];
  const id = path.join('.');
  const training = isObject(root.training) ? root.training : {};
  if (id === 'training.learningRate') return defaultLearningRate(training.optimizer);
  if (id === 'training.loss' || id === 'training.metrics') {
    const model = isObject(root.model) ? root.model : {};
    const task = root.task === 'classification' || root.task === 'regression' ? root.task : defaultTask(training.loss, model.layers);
    return id === 'training.loss' ? defaultLoss(task, model.layers) : defaultMetrics(task);
  }
  const schedule = isObject(root.training) ? root.training.learningRateSchedule : undefined;
  if (isObject(schedule) && schedule.type === 'plateau') {
    const validation = isObject(root.data) && typeof root.data.validationSplit === 'number' && root.data.validationSplit > 0;
    const plateau: Readonly<Record<string, JsonValue>> = { monitor: validation ? 'val_loss' : 'loss', factor: 0.1, patience: 10 };
    if (id.startsWith('training.learningRateSchedule.') && String(path[2]) in plateau) return plateau[String(path[2])];
  }
  return DEFAULTS[id];
}

/** A control for a key no schema describes, from the value the file gives it. */
export function controlFromValue(key: string, value: unknown): FieldControl {
  if (typeof value === 'number')
    return { kind: 'number', integer: Number.isInteger(value), step: Number.isInteger(value) ? 1 : stepFor(key, {}, value) };
  if (typeof value === 'boolean') return { kind: 'checkbox' };
  if (typeof value === 'string') return { kind: 'text' };
  return { kind: 'json' };
}
