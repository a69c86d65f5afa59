import type { DataInference } from '../data/dataInference';

// The text of a baseline model file for inferred data: YAML, so each choice can carry a comment saying why.

/** Where the data is, as the model file names it (paths relative to the model file, with `/`). */
export type BaselineSource =
  | { readonly kind: 'table'; readonly path: string; readonly label: string }
  | { readonly kind: 'idx'; readonly images: string; readonly labels: string }
  | { readonly kind: 'images'; readonly path: string };

export interface BaselineRequest {
  readonly name: string;
  /** What the data is, for the first comment (e.g. `iris.csv`). */
  readonly dataName: string;
  readonly source: BaselineSource;
  readonly inference: DataInference;
}

/** Held out to test the final model and to validate after each epoch (a fifth each, as most tutorials do). */
export const TEST_SPLIT = 0.2;
export const VALIDATION_SPLIT = 0.2;
/** The seed that picks the split rows: the hand-written samples' seed, so both test on the same rows. */
const SEED = 42;

/**
 * Training steps a baseline aims for: the epochs are this many batches,
 * between 10 and 200 epochs; early stopping usually ends it sooner.
 */
const TARGET_STEPS = 5000;

export interface BaselineHyperparameters {
  readonly hidden: readonly number[];
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
  readonly learningRate: number;
}

/** Tables with fewer rows get the small MLP. */
const SMALL_TABLE_ROWS = 1000;

/**
 * The sizes of the baseline (docs/decisions.md "New Model from Data's
 * baseline"): under 1,000 rows one hidden layer of 32 ReLU units, batches
 * of 16, Adam at 0.003; else two hidden layers (64 then 32, or 128 / 64
 * for over 64 features), batches of 32, Adam at 0.001. Images: batches of
 * 64, one dense layer of 128 after the convolutions.
 */
export function baselineHyperparameters(inference: DataInference): BaselineHyperparameters {
  const images = inference.inputShape.length === 3;
  // A few hundred rows cannot pin down thousands of weights: one layer of 32, and a higher rate for the few batches an epoch.
  const small = !images && inference.rows < SMALL_TABLE_ROWS;
  const batchSize = images ? 64 : small ? 16 : 32;
  const trainRows = Math.max(1, Math.round(inference.rows * (1 - TEST_SPLIT - VALIDATION_SPLIT)));
  const batches = Math.ceil(trainRows / batchSize);
  const epochs = Math.min(images ? 50 : 200, Math.max(10, Math.round(TARGET_STEPS / batches)));
  return {
    hidden: images ? [128] : small ? [32] : inference.features > 64 ? [128, 64] : [64, 32],
    batchSize,
    epochs,
    patience: images ? 5 : Math.max(10, Math.round(epochs / 10)),
    learningRate: small ? 0.003 : 0.001,
  };
}

/** The model file's text. */
export function baselineModelText(request: BaselineRequest): string {
  const { inference } = request;
  const hp = baselineHyperparameters(inference);
  const lines = [...header(request), `name: ${scalar(request.name)}`, `task: ${inference.task}`, ...dataBlock(request), 'model:'];
  lines.push(...(inference.inputShape.length === 3 ? cnnLayers(inference, hp) : mlpLayers(inference, hp)));
  lines.push(...trainingBlock(inference, hp));
  return `${lines.join('\n')}\n`;
}

function header({ dataName, inference }: BaselineRequest): string[] {
  const what =
    inference.task === 'classification'
      ? `one of ${inference.classes?.length ?? 0} classes${inference.label === undefined ? '' : ` of "${inference.label}"`}`
      : `the number in "${inference.label ?? 'label'}"`;
  const input = inference.inputShape.length === 3 ? `${inference.inputShape.join('×')} images` : `${inference.features} numeric features`;
  const seen = inference.complete ? `${inference.rows} examples` : `the first ${inference.rows} rows`;
  return [
    `# A baseline model for ${dataName}, written by Model Studio's New Model from Data…`,
    `# ${input} -> ${what} (inferred from ${seen}).`,
    '# Train it as it is first, then change one thing at a time: Edit Hyperparameters shows every key.',
  ];
}

function dataBlock({ source, inference }: BaselineRequest): string[] {
  const train =
    source.kind === 'table'
      ? [`    path: ${scalar(source.path)}`, `    label: ${scalar(source.label)}`]
      : source.kind === 'idx'
        ? [`    images: ${scalar(source.images)}`, `    labels: ${scalar(source.labels)}`]
        : [`    path: ${scalar(source.path)}`, '    format: images'];
  const features =
    inference.normalize === 'standard'
      ? ['    # Each feature minus its mean, over its standard deviation (of the training rows only).', '    normalize: standard']
      : [
          '    # 8-bit pixels (0-255) scaled to 0-1.',
          '    normalize: scale',
          '    scale: 255',
          `    shape: [${inference.inputShape.join(', ')}]`,
        ];
  const target =
    inference.task === 'regression'
      ? [
          '  # The target standardised too, so the loss starts near 1 whatever its units; predictions are mapped back.',
          '  target:',
          '    normalize: standard',
        ]
      : [];
  return [
    'data:',
    '  train:',
    ...train,
    `  # ${percent(TEST_SPLIT)} of the examples test the final model, ${percent(VALIDATION_SPLIT)} validate it after each epoch`,
    '  # (the rows are picked by training.seed, so every run tests on the same rows).',
    `  testSplit: ${TEST_SPLIT}`,
    `  validationSplit: ${VALIDATION_SPLIT}`,
    '  features:',
    ...features,
    ...target,
  ];
}

function mlpLayers(inference: DataInference, hp: BaselineHyperparameters): string[] {
  const sizes = hp.hidden.length === 1 ? `one hidden layer of ${hp.hidden[0]}` : `hidden layers of ${hp.hidden.join(' then ')}`;
  const lines = [`  # A small MLP, ${sizes} ReLU units (sized to the data); early stopping guards against overfitting.`, '  layers:'];
  for (const units of hp.hidden) lines.push('    - type: dense', `      units: ${units}`, '      activation: relu');
  return [...lines, ...outputLayer(inference)];
}

/** Convolution blocks (3×3, same padding, 2×2 pooling) while the image stays at least 2 pixels a side, at most two. */
function cnnLayers(inference: DataInference, hp: BaselineHyperparameters): string[] {
  let side = Math.min(inference.inputShape[0], inference.inputShape[1]);
  const lines = ['  # A small CNN: convolution blocks find local patterns, a dense layer combines them.', '  layers:'];
  for (const filters of [32, 64]) {
    if (Math.floor(side / 2) < 2) break;
    side = Math.floor(side / 2);
    lines.push(
      '    - type: conv2d',
      `      filters: ${filters}`,
      '      kernelSize: 3',
      '      padding: same',
      '      activation: relu',
      '    - type: maxPooling2d',
      '      poolSize: 2',
    );
  }
  lines.push('    - type: flatten');
  for (const units of hp.hidden) lines.push('    - type: dense', `      units: ${units}`, '      activation: relu');
  lines.push(
    '    # Drops half of the dense features while training, a cheap guard against overfitting.',
    '    - type: dropout',
    '      rate: 0.5',
  );
  return [...lines, ...outputLayer(inference)];
}

function outputLayer(inference: DataInference): string[] {
  const classes = inference.classes ?? [];
  if (inference.task === 'regression') return ['    # One linear unit: the predicted number.', '    - type: dense', '      units: 1'];
  if (classes.length === 2) {
    return [
      `    # One sigmoid unit: the probability of the second class (${showClass(classes[1])} rather than ${showClass(classes[0])}).`,
      '    - type: dense',
      '      units: 1',
      '      activation: sigmoid',
    ];
  }
  return [
    `    # One unit per class; softmax makes them the ${classes.length} classes' probabilities.`,
    '    - type: dense',
    `      units: ${classes.length}`,
    '      activation: softmax',
  ];
}

function trainingBlock(inference: DataInference, hp: BaselineHyperparameters): string[] {
  const classification = inference.task === 'classification';
  const loss = !classification
    ? 'meanSquaredError'
    : inference.classes?.length === 2
      ? 'binaryCrossentropy'
      : 'sparseCategoricalCrossentropy';
  return [
    'training:',
    '  optimizer: adam',
    `  learningRate: ${hp.learningRate}`,
    `  loss: ${loss}`,
    `  metrics: [${classification ? 'accuracy' : 'mae'}]`,
    `  batchSize: ${hp.batchSize}`,
    `  # An upper bound (about ${TARGET_STEPS} batches): early stopping ends training once val_loss stops improving.`,
    `  epochs: ${hp.epochs}`,
    `  seed: ${SEED}`,
    '  earlyStopping:',
    '    monitor: val_loss',
    `    patience: ${hp.patience}`,
    '    # The saved model is the epoch with the best val_loss, not the last one.',
    '    restoreBestWeights: true',
  ];
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

function showClass(name: string): string {
  return JSON.stringify(name.length > 30 ? `${name.slice(0, 29)}…` : name);
}

/** A YAML scalar: plain when that reads back as the same string, else double-quoted (JSON's escapes are YAML's). */
export function scalar(text: string): string {
  const plain =
    /^[A-Za-z_./][A-Za-z0-9_ ./()+-]*$/.test(text) &&
    !/^(true|false|yes|no|on|off|null|~)$/i.test(text) &&
    !/\s$/.test(text) &&
    !text.includes(' #') &&
    !text.includes(': ');
  return plain ? text : JSON.stringify(text);
}
