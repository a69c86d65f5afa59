import { problem, type CheckContext } from './checkContext';
import type { SpecDiagnostic } from './diagnostic';
import { isIdxSource } from './modelSpec';
import type { SourceFacts } from './dataChecks';

// Checks that the data's example shape fits the model: data.features.shape and the first layer's input (dataChecks.ts runs them).

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function featureCount(facts: SourceFacts | undefined): number | undefined {
  const shape = facts?.summary?.exampleShape;
  return shape === undefined ? undefined : product(shape);
}

function showShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** data.features.shape holds as many values as an example has; train and test agree. */
export function checkFeatureShape(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  const train = facts.find((f) => f.role === 'train');
  const test = facts.find((f) => f.role === 'test');
  const count = featureCount(train);
  const shape = ctx.spec.data.features?.shape;
  if (shape !== undefined && count !== undefined && product(shape) !== count) {
    const natural = train?.summary?.exampleShape;
    const naturalNote = natural !== undefined && natural.length > 1 ? ` (shape ${showShape(natural)})` : '';
    found.push(
      problem(
        ctx,
        ['data', 'features', 'shape'],
        'error',
        `shape ${showShape(shape)} holds ${product(shape)} values, but each example of data.train has ${count}${naturalNote}`,
      ),
    );
  }
  const testCount = featureCount(test);
  if (test !== undefined && count !== undefined && testCount !== undefined && testCount !== count) {
    const field = isIdxSource(test.source) ? 'images' : 'path';
    found.push(
      problem(
        ctx,
        ['data', 'test', field],
        'error',
        `each example of data.test has ${testCount} feature values, but data.train has ${count}`,
      ),
    );
  }
  return found;
}

/** How many axes (beyond the batch axis) the first layer needs its input to have. */
const INPUT_RANK: Readonly<Record<string, { rank: number; shape: string }>> = (() => {
  const table: Record<string, { rank: number; shape: string }> = {};
  const image = { rank: 3, shape: '[height, width, channels]' };
  const sequence = { rank: 2, shape: '[steps, features]' };
  const volume = { rank: 4, shape: '[depth, height, width, channels]' };
  for (const type of [
    'conv2d',
    'conv2dTranspose',
    'separableConv2d',
    'depthwiseConv2d',
    'maxPooling2d',
    'maxPool2d',
    'averagePooling2d',
    'avgPool2d',
    'avgPooling2d',
    'globalAveragePooling2d',
    'globalMaxPooling2d',
    'globalMaxPool2d',
    'upSampling2d',
    'zeroPadding2d',
    'cropping2D',
  ])
    table[type] = image;
  for (const type of [
    'conv1d',
    'maxPooling1d',
    'maxPool1d',
    'averagePooling1d',
    'avgPool1d',
    'avgPooling1d',
    'globalAveragePooling1d',
    'globalMaxPooling1d',
    'globalMaxPool1d',
    'lstm',
    'gru',
    'simpleRNN',
  ])
    table[type] = sequence;
  for (const type of ['conv3d', 'conv3dTranspose', 'maxPooling3d', 'averagePooling3d', 'avgPool3d', 'avgPooling3d', 'convLstm2d'])
    table[type] = volume;
  return table;
})();

/**
 * The first layer's input fits the examples: an explicit inputShape must
 * equal the example shape, and layers such as conv2d need examples with
 * the right number of axes (a flat [784] row needs "shape": [28, 28, 1]).
 */
export function checkInputShape(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const first = ctx.spec.model.layers[0];
  const count = featureCount(facts.find((f) => f.role === 'train'));
  const expected = ctx.spec.data.features?.shape ?? (count === undefined ? undefined : [count]);
  const declaredKey = Array.isArray(first.inputShape) ? 'inputShape' : Array.isArray(first.batchInputShape) ? 'batchInputShape' : undefined;
  const declared =
    declaredKey === 'inputShape'
      ? (first.inputShape as (number | null)[])
      : declaredKey === 'batchInputShape'
        ? (first.batchInputShape as (number | null)[]).slice(1)
        : undefined;
  if (declared !== undefined && declaredKey !== undefined && expected !== undefined) {
    const fits = declared.length === expected.length && declared.every((d, i) => d === null || d === expected[i]);
    if (!fits) {
      const source = ctx.spec.data.features?.shape !== undefined ? 'data.features.shape' : 'the data';
      return [
        problem(
          ctx,
          ['model', 'layers', 0, declaredKey],
          'error',
          `"${declaredKey}" ${showShape(declared)} does not match the examples, which have shape ${showShape(expected)} (from ${source}); remove "${declaredKey}" — the input shape is taken from the data`,
        ),
      ];
    }
  }
  const need = INPUT_RANK[first.type];
  const actual = declared ?? expected;
  if (need !== undefined && actual !== undefined && actual.length !== need.rank) {
    const example = need.rank === 3 ? suggestImageShape(product(actual.map((d) => d ?? 1))) : undefined;
    const hint = example === undefined ? '' : `, e.g. ${showShape(example)}`;
    return [
      problem(
        ctx,
        ['model', 'layers', 0, 'type'],
        'error',
        `"${first.type}" as the first layer needs each example shaped ${need.shape}, but examples have shape ${showShape(actual)}; set "data.features.shape"${hint}`,
      ),
    ];
  }
  return [];
}

/** [side, side, 1] or [side, side, 3] when `count` is a square image, else undefined. */
function suggestImageShape(count: number): number[] | undefined {
  for (const channels of [1, 3]) {
    const side = Math.round(Math.sqrt(count / channels));
    if (side * side * channels === count) return [side, side, channels];
  }
  return undefined;
}
