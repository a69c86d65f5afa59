import { stringify as toYaml } from 'yaml';

/**
 * Blocks a model file is often built from, offered by completion where they
 * fit: layer blocks in `model.layers`, the `training` and `search` blocks
 * among the top-level keys, a whole model in an empty file. Written once as
 * values and rendered as JSON or YAML snippet text, so both formats get the
 * same blocks; test/unit/modelSnippets.test.ts validates each one inserted.
 * There is no transformer block: the model file has no attention layers yet.
 */
export interface ModelSnippet {
  readonly label: string;
  readonly description: string;
  /** layers: items of `model.layers`; key: a top-level key and its value; file: a whole model file. */
  readonly where: 'layers' | 'key' | 'file';
  readonly value: unknown;
}

/** A tab stop with its default value, as it appears in the values below. */
function tab(index: number, value: string | number): string {
  return `zzTab${index}${typeof value === 'number' ? 'n' : 's'}${String(value)}zz`;
}

const TAB = /"?zzTab(\d+)([ns])(.*?)zz"?/g;

export const MODEL_SNIPPETS: readonly ModelSnippet[] = [
  {
    label: 'dense block',
    description: 'A dense layer followed by dropout.',
    where: 'layers',
    value: [
      { type: 'dense', units: tab(1, 64), activation: tab(2, 'relu') },
      { type: 'dropout', rate: tab(3, 0.2) },
    ],
  },
  {
    label: 'conv block',
    description: 'conv2d, batch normalisation, 2×2 max pooling and dropout: halves the image size.',
    where: 'layers',
    value: [
      { type: 'conv2d', filters: tab(1, 32), kernelSize: tab(2, 3), padding: 'same', activation: 'relu' },
      { type: 'batchNormalization' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'dropout', rate: tab(3, 0.25) },
    ],
  },
  {
    label: 'training block with early stopping',
    description: 'Adam, the loss for class indices, accuracy, and early stopping on val_loss keeping the best weights.',
    where: 'key',
    value: {
      training: {
        optimizer: tab(1, 'adam'),
        learningRate: tab(2, 0.001),
        loss: tab(3, 'sparseCategoricalCrossentropy'),
        metrics: ['accuracy'],
        batchSize: tab(4, 32),
        epochs: tab(5, 100),
        earlyStopping: { monitor: 'val_loss', patience: tab(6, 10), restoreBestWeights: true },
      },
    },
  },
  {
    label: 'search block',
    description: 'A random search over the learning rate (log scale) and the batch size, by val_loss.',
    where: 'key',
    value: {
      search: {
        method: 'random',
        metric: 'val_loss',
        trials: tab(1, 10),
        parameters: {
          'training.learningRate': { min: 0.0001, max: 0.01, scale: 'log' },
          'training.batchSize': { values: [16, 32, 64] },
        },
      },
    },
  },
  {
    label: 'minimal model file',
    description: 'A classifier for a CSV file: a small MLP with a validation split and early stopping.',
    where: 'file',
    value: {
      name: tab(1, 'my-model'),
      task: 'classification',
      data: {
        train: { path: tab(2, 'data/train.csv'), label: tab(3, 'label') },
        testSplit: 0.2,
        validationSplit: 0.1,
        features: { normalize: 'standard' },
      },
      model: {
        layers: [
          { type: 'dense', units: tab(4, 32), activation: 'relu' },
          { type: 'dense', units: tab(5, 3), activation: 'softmax' },
        ],
      },
      training: {
        optimizer: 'adam',
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
        epochs: tab(6, 50),
        earlyStopping: { monitor: 'val_loss', patience: 10, restoreBestWeights: true },
      },
    },
  },
];

/**
 * The snippet's text in VS Code's snippet syntax (`${1:64}` tab stops, `$0`
 * at the end), in the file's format. JSON layer blocks put one layer on a
 * line; JSON blocks end with a comma, which the model-file parser allows
 * before a closing bracket.
 */
export function snippetText(snippet: ModelSnippet, format: 'json' | 'yaml'): string {
  const text = format === 'json' ? jsonText(snippet) : yamlText(snippet);
  const escaped = text.replace(/[$}\\]/g, (c) => `\\${c}`);
  return `${escaped.replace(TAB, (_, index: string, kind: string, value: string) => (kind === 'n' || format === 'yaml' ? `\${${index}:${value}}` : `"\${${index}:${value}}"`))}$0`;
}

function jsonText(snippet: ModelSnippet): string {
  if (snippet.where === 'layers') return (snippet.value as object[]).map((layer) => `${oneLine(layer)},`).join('\n');
  if (snippet.where === 'file') return JSON.stringify(snippet.value, null, 2);
  const [[key, value]] = Object.entries(snippet.value as object) as [[string, unknown]];
  return `${JSON.stringify(key)}: ${JSON.stringify(value, null, 2)},`;
}

function oneLine(value: object): string {
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')} }`;
}

function yamlText(snippet: ModelSnippet): string {
  return toYaml(snippet.value, { lineWidth: 0 }).replace(/\n$/, '');
}
