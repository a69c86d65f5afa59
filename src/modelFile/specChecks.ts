import { checkAugment } from './augmentChecks';
import { closest, didYouMean } from '../data/suggest';
import { checkEmbeddingSize, checkTextKeys } from './textChecks';
import { problem, type CheckContext } from './checkContext';
import { setFix, withFixes, type SpecDiagnostic } from './diagnostic';
import { LAYER_TYPES, NOT_IN_A_LAYER_LIST } from './layerTypes';
import { REGRESSION_LOSSES } from './modelDefaults';
import schema from './model-file.schema.json';

/*
 * Semantic checks that need only the model file itself (schema-valid). Each
 * returns its diagnostics; validateModelFile runs them all.
 */

const LAYER_TYPE_SET = new Set(LAYER_TYPES);

/** `type` names a tf.layers factory that can stand in a list of layers. */
export function checkLayerTypes(ctx: CheckContext): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  ctx.spec.model.layers.forEach((layer, index) => {
    const path = ['model', 'layers', index, 'type'];
    const reason = NOT_IN_A_LAYER_LIST[layer.type];
    if (!LAYER_TYPE_SET.has(layer.type)) {
      const match = closest(layer.type, LAYER_TYPES);
      const hint = didYouMean(layer.type, LAYER_TYPES) || ' (use a tf.layers factory name such as "dense", "conv2d" or "dropout")';
      found.push(withFixes(problem(ctx, path, 'error', `unknown layer type "${layer.type}"${hint}`), match ? [setFix(path, match)] : []));
    } else if (reason !== undefined) {
      found.push(problem(ctx, path, 'error', `layer type "${layer.type}" ${reason}, so it cannot be used in "model.layers"`));
    }
  });
  return found;
}

/**
 * Config keys of the TF.js 4.x layer constructors (the properties of the
 * `*LayerArgs` interfaces in @tensorflow/tfjs-layers' typings).
 */
const TFJS_LAYER_KEYS = [
  'activation',
  'activityRegularizer',
  'addEndToken',
  'addPrefixSpace',
  'addStartToken',
  'alpha',
  'alphaConstraint',
  'alphaInitializer',
  'alphaRegularizer',
  'attentionAxes',
  'autoVectorize',
  'axes',
  'axis',
  'batchInputShape',
  'batchSize',
  'betaConstraint',
  'betaInitializer',
  'betaRegularizer',
  'biasAxes',
  'biasConstraint',
  'biasInitializer',
  'biasRegularizer',
  'cell',
  'cells',
  'center',
  'cropToAspectRatio',
  'cropping',
  'dataFormat',
  'depthMultiplier',
  'depthwiseConstraint',
  'depthwiseInitializer',
  'depthwiseRegularizer',
  'dilationRate',
  'dims',
  'dropout',
  'dropoutFunc',
  'dtype',
  'embeddingsConstraint',
  'embeddingsInitializer',
  'embeddingsRegularizer',
  'endValue',
  'epsilon',
  'equation',
  'factor',
  'filters',
  'gammaConstraint',
  'gammaInitializer',
  'gammaRegularizer',
  'goBackwards',
  'height',
  'hiddenDim',
  'implementation',
  'includePreprocessing',
  'initializer',
  'inputDType',
  'inputDim',
  'inputLength',
  'inputShape',
  'intermediateDim',
  'interpolation',
  'kernelConstraint',
  'kernelInitializer',
  'kernelRegularizer',
  'kernelSize',
  'keyDim',
  'layer',
  'layerNormEpsilon',
  'maskValue',
  'maskZero',
  'maxSequenceLength',
  'maxValue',
  'mergeMode',
  'merges',
  'momentum',
  'movingMeanInitializer',
  'movingVarianceInitializer',
  'n',
  'name',
  'noiseShape',
  'normalizeFirst',
  'numHeads',
  'numLayers',
  'numTokens',
  'offset',
  'outputDim',
  'outputMode',
  'outputShape',
  'padValue',
  'padding',
  'pointwiseConstraint',
  'pointwiseInitializer',
  'pointwiseRegularizer',
  'poolSize',
  'rate',
  'recurrentActivation',
  'recurrentConstraint',
  'recurrentDropout',
  'recurrentInitializer',
  'recurrentRegularizer',
  'resetAfter',
  'returnSequences',
  'returnState',
  'scale',
  'seed',
  'sequenceLength',
  'sharedAxes',
  'size',
  'sparse',
  'startValue',
  'stateful',
  'stddev',
  'strides',
  'targetShape',
  'theta',
  'trainable',
  'unitForgetBias',
  'units',
  'unroll',
  'unsplittableTokens',
  'useBias',
  'valueDim',
  'vocabulary',
  'vocabularySize',
  'weights',
  'width',
];
/** Keys that mean something to JavaScript objects themselves; as config keys they could reach a prototype. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const KNOWN_LAYER_KEYS = new Set([...Object.keys(schema.definitions.layer.properties), ...TFJS_LAYER_KEYS]);

/**
 * Every layer key is passed to TF.js, which ignores keys it does not know —
 * so a typo such as "unit" silently does nothing. Warn when an unknown key
 * is one edit away from a known one (unknown keys with no near match may be
 * real options of less common layers, and are left alone).
 */
export function checkLayerConfigKeys(ctx: CheckContext): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  ctx.spec.model.layers.forEach((layer, index) => {
    for (const key of Object.keys(layer)) {
      if (KNOWN_LAYER_KEYS.has(key) || RESERVED_KEYS.has(key)) continue;
      const match = closest(key, KNOWN_LAYER_KEYS);
      if (match !== undefined) {
        const path = ['model', 'layers', index, key];
        const message = `"${key}" is not a layer option TF.js knows, so it would be ignored — did you mean "${match}"?`;
        found.push(
          withFixes(problem(ctx, path, 'warning', message, 'key'), [
            { kind: 'renameKey', title: `Rename to "${match}"`, path, key: match },
          ]),
        );
      }
    }
  });
  return found;
}

/**
 * Layer configs are passed to TF.js as they are, so the schema lets any key
 * through there; `__proto__`, `constructor` and `prototype` are refused at
 * any depth, since code that copies a config key by key
 * (`target[key] = value`) would set a prototype instead of a key.
 * Everywhere else the schema already refuses unknown keys.
 */
export function checkReservedKeys(ctx: CheckContext): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  const walk = (value: unknown, at: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...at, index]));
    else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        if (RESERVED_KEYS.has(key))
          found.push(
            problem(
              ctx,
              [...at, key],
              'error',
              `"${key}" cannot be a key in a model file: it has a special meaning in JavaScript; remove it`,
              'key',
            ),
          );
        else walk((value as Record<string, unknown>)[key], [...at, key]);
      }
    }
  };
  walk(ctx.spec.model.layers, ['model', 'layers']);
  return found;
}

export const CROSSENTROPY_LOSSES: ReadonlySet<string> = new Set([
  'sparseCategoricalCrossentropy',
  'categoricalCrossentropy',
  'binaryCrossentropy',
]);
const CLASSIFICATION_LOSSES = new Set([...CROSSENTROPY_LOSSES, 'hinge', 'squaredHinge', 'categoricalHinge', 'kullbackLeiblerDivergence']);

/**
 * The loss fits the task: a class loss on regression targets is meaningless
 * (error); a regression loss on class indices trains, but badly (warning).
 */
export function checkLossFitsTask(ctx: CheckContext): SpecDiagnostic[] {
  const { task, training } = ctx.spec;
  const path = ['training', 'loss'];
  if (task === 'regression' && CLASSIFICATION_LOSSES.has(training.loss)) {
    const message = `"${training.loss}" is a classification loss; for "task": "regression" use "meanSquaredError" or "meanAbsoluteError"`;
    return [withFixes(problem(ctx, path, 'error', message), [setFix(path, 'meanSquaredError'), setFix(path, 'meanAbsoluteError')])];
  }
  if (task === 'classification' && REGRESSION_LOSSES.has(training.loss)) {
    const message = `"${training.loss}" is a regression loss and treats class indices as numbers; for classification use "sparseCategoricalCrossentropy" (or set "task": "regression")`;
    return [
      withFixes(problem(ctx, path, 'warning', message), [
        setFix(path, 'sparseCategoricalCrossentropy'),
        setFix(['task'], 'regression', 'Set "task": "regression"'),
      ]),
    ];
  }
  return [];
}

/** Held-out fractions leave something to train on, and are not set where they do nothing. */
export function checkSplits(ctx: CheckContext): SpecDiagnostic[] {
  const { testSplit, validationSplit, test } = ctx.spec.data;
  const found: SpecDiagnostic[] = [];
  if (test !== undefined && testSplit !== undefined) {
    found.push(
      problem(ctx, ['data', 'testSplit'], 'warning', '"testSplit" is ignored because "data.test" is given; remove one of them', 'key'),
    );
  } else if (testSplit !== undefined && validationSplit !== undefined && testSplit + validationSplit >= 1) {
    found.push(
      problem(
        ctx,
        ['data', 'validationSplit'],
        'error',
        `"data.testSplit" (${testSplit}) + "data.validationSplit" (${validationSplit}) = ${round(testSplit + validationSplit)} leaves nothing to train on; their sum must be < 1`,
      ),
    );
  }
  if (validationSplit !== undefined && ctx.spec.training.crossValidation !== undefined) {
    found.push(
      problem(
        ctx,
        ['data', 'validationSplit'],
        'warning',
        '"validationSplit" is ignored with "training.crossValidation": each fold validates in turn; remove one of them',
        'key',
      ),
    );
  }
  return found;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * The names of the values training reports each epoch: `loss`, each metric
 * (TF.js logs "accuracy" as "acc" and "crossentropy" as "ce"; both spellings
 * count), and `val_` versions when there is a validation split.
 */
export function reportedMetrics(spec: CheckContext['spec']): { train: string[]; validation: string[] } {
  const train = ['loss'];
  for (const metric of spec.training.metrics ?? []) {
    if (metric === 'accuracy' || metric === 'acc') train.push('acc', 'accuracy');
    else if (metric === 'crossentropy' || metric === 'ce') train.push('ce', 'crossentropy');
    else train.push(metric);
  }
  return { train, validation: train.map((name) => `val_${name}`) };
}

/** earlyStopping.monitor (default "val_loss") names a value that training reports. */
export function checkEarlyStopping(ctx: CheckContext): SpecDiagnostic[] {
  const earlyStopping = ctx.spec.training.earlyStopping;
  if (earlyStopping === undefined) return [];
  const monitor = earlyStopping.monitor ?? 'val_loss';
  const path = earlyStopping.monitor === undefined ? ['training', 'earlyStopping'] : ['training', 'earlyStopping', 'monitor'];
  const on = earlyStopping.monitor === undefined ? 'key' : 'value';
  const { train, validation } = reportedMetrics(ctx.spec);
  const hasValidation = (ctx.spec.data.validationSplit ?? 0) > 0 || ctx.spec.training.crossValidation !== undefined;
  if (validation.includes(monitor) && !hasValidation) {
    return [
      problem(
        ctx,
        path,
        'warning',
        `"${monitor}" is only reported with a validation split: set "data.validationSplit" (e.g. 0.1) or monitor "${monitor.slice(4)}"`,
        on,
      ),
    ];
  }
  if (!train.includes(monitor) && !validation.includes(monitor)) {
    const available = hasValidation ? [...train, ...validation] : train;
    const hint = didYouMean(monitor, available) || `; use one of: ${available.join(', ')}`;
    return [problem(ctx, path, 'error', `training does not report "${monitor}", so early stopping would never trigger${hint}`, on)];
  }
  return [];
}

/** Normalisation options that would silently do nothing. */
export function checkNormalization(ctx: CheckContext): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  const sections = [
    ['features', ctx.spec.data.features],
    ['target', ctx.spec.data.target],
  ] as const;
  for (const [name, section] of sections) {
    if (section === undefined) continue;
    if (section.scale !== undefined && section.normalize !== 'scale') {
      found.push(problem(ctx, ['data', name, 'scale'], 'warning', `"scale" is only used with "normalize": "scale"`, 'key'));
    }
    if (section.normalize === 'scale' && section.scale === undefined) {
      found.push(
        problem(
          ctx,
          ['data', name, 'normalize'],
          'warning',
          '"normalize": "scale" without "scale" divides by 1; add "scale" (e.g. 255 for 8-bit pixels)',
        ),
      );
    }
  }
  if (ctx.spec.task === 'classification' && ctx.spec.data.target !== undefined) {
    found.push(
      problem(
        ctx,
        ['data', 'target'],
        'warning',
        '"data.target" only applies to regression; classification labels are class indices',
        'key',
      ),
    );
  }
  return found;
}

/** All checks that need no data files. */
export const SPEC_CHECKS: readonly ((ctx: CheckContext) => SpecDiagnostic[])[] = [
  checkReservedKeys,
  checkLayerTypes,
  checkLayerConfigKeys,
  checkLossFitsTask,
  checkSplits,
  checkEarlyStopping,
  checkNormalization,
  checkTextKeys,
  checkEmbeddingSize,
  checkAugment,
];
