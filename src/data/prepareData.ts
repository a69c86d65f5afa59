import type { ModelSpec } from '../modelFile/modelSpec';
import { isIdxSource, type DataSource } from './dataSource';
import { dataError, type DataError } from './dataError';
import { SINGLE_CLASS_FIX, buildClassMap, toClassIndices } from './labels';
import { loadDataSource, type DataProgress, type RawExamples } from './loadSource';
import { IDENTITY, applyNormalization, computeNormalization } from './normalize';
import type { PreparedData, Split } from './preparedData';
import { assignFolds, whyNoFolds } from './folds';
import { DEFAULT_SEED, seededPermutation } from './random';
import { quote } from './showText';
import { encodeSplit, isTextSource, loadTextExamples, vocabularyFor, type TextExamples } from './prepareText';
import { textSettings } from './tokenizer';
import { TokenEncoder, type VocabularyFile } from './vocabulary';

export interface PrepareOptions {
  /** Absolute path of the model file; data paths resolve against its folder. */
  readonly modelFile: string;
  /** Data paths must stay inside this folder. */
  readonly workspaceRoot: string;
  /** Reading progress of CSV data files, for a progress bar on big files. */
  readonly onProgress?: DataProgress;
  /** Cross-validation: this fold validates, the others train (`data.validationSplit` is not used). */
  readonly fold?: FoldChoice;
  /** Text data: the vocabulary of the run being resumed or continued, used instead of building one (ids must not shift). */
  readonly vocabulary?: VocabularyFile;
}

/** One fold of k-fold cross-validation. */
export interface FoldChoice {
  /** 1-based. */
  readonly index: number;
  readonly folds: number;
}

/**
 * Loads the data a model file names and turns it into training-ready
 * splits: labels mapped to class indices (classification), test and
 * validation rows held out from `data.train` in an order fixed by
 * `training.seed`, features (and regression targets) normalised with
 * statistics of the training split only, examples shaped per
 * `data.features.shape`. Throws DataError naming the file and line or field.
 */
export async function prepareData(spec: ModelSpec, options: PrepareOptions): Promise<PreparedData> {
  const { modelFile, workspaceRoot, onProgress, fold } = options;
  // Text sources load as row numbers; the texts are encoded once the training rows are known.
  const load = (source: DataSource, field: string): Promise<RawExamples | TextExamples> =>
    isTextSource(source)
      ? loadTextExamples(source, spec.task, textSettings(spec.data.text).maxLength, { modelFile, workspaceRoot, field })
      : loadDataSource(source, spec.task, { modelFile, workspaceRoot, field, onProgress });
  const train = await load(spec.data.train, 'data.train');
  const test = spec.data.test === undefined ? undefined : await load(spec.data.test, 'data.test');
  if (test !== undefined && 'texts' in train !== 'texts' in test) {
    throw dataError(modelFile, undefined, 'data.test.text: data.test must name its text column as data.train does', 'data.test.text');
  }
  const featureCount = product(train.exampleShape);
  if (test !== undefined && product(test.exampleShape) !== featureCount) {
    throw dataError(
      modelFile,
      undefined,
      `data.test has ${product(test.exampleShape)} features per example but data.train has ${featureCount}`,
      'data.test',
    );
  }
  const featureShape = spec.data.features?.shape ?? [featureCount];
  if (!('texts' in train) && product(featureShape) !== featureCount) {
    throw dataError(
      modelFile,
      undefined,
      `data.features.shape [${featureShape.join(', ')}] holds ${product(featureShape)} values, but each example has ${featureCount} features (natural shape [${train.exampleShape.join(', ')}])`,
      'data.features.shape',
    );
  }

  let classes: readonly string[] | undefined;
  let trainY: Float32Array;
  let testY: Float32Array | undefined;
  if (spec.task === 'classification') {
    const map = test === undefined ? buildClassMap(train.labels) : buildClassMap(train.labels, test.labels);
    classes = map.classes;
    if (classes.length < 2) throw singleClass(spec, modelFile, classes);
    trainY = toClassIndices(train.labels, map);
    testY = test === undefined ? undefined : toClassIndices(test.labels, map);
  } else {
    trainY = Float32Array.from(train.labels as ArrayLike<number>);
    testY = test === undefined ? undefined : Float32Array.from(test.labels as ArrayLike<number>);
  }

  // The loaded arrays are ours: the training rows may stay where they are,
  // so a big table is not held twice.
  const folding = fold && { ...fold, stratified: spec.task === 'classification', classNames: classes };
  const splits = holdOut(train, trainY, spec, modelFile, true, folding);
  const testSplit = test !== undefined && testY !== undefined ? { x: test.x, y: testY, count: test.count } : splits.test;
  if ('texts' in train) {
    const vocabulary = vocabularyFor(spec, modelFile, splits.train, train.texts, options.vocabulary);
    const encoder = new TokenEncoder(vocabulary);
    const encode = (split: Split | undefined, texts: readonly string[]): Split | undefined => split && encodeSplit(split, texts, encoder);
    const target = spec.task === 'regression' ? computeNormalization(splits.train.y, 1, spec.data.target) : IDENTITY;
    const scaled = (split: Split | undefined): Split | undefined => split && { ...split, y: applyNormalization(split.y, target) };
    return {
      featureShape: [vocabulary.maxLength],
      train: scaled(encode(splits.train, train.texts)) as Split,
      validation: scaled(encode(splits.validation, train.texts)),
      test: scaled(encode(testSplit, test === undefined ? train.texts : (test as TextExamples).texts)),
      classes,
      // Ids are categories, never scaled.
      features: IDENTITY,
      target,
      vocabulary,
    };
  }

  const features = computeNormalization(splits.train.x, featureCount, spec.data.features);
  const target = spec.task === 'regression' ? computeNormalization(splits.train.y, 1, spec.data.target) : IDENTITY;
  const normalise = (split: Split | undefined): Split | undefined =>
    split === undefined
      ? undefined
      : { x: applyNormalization(split.x, features), y: applyNormalization(split.y, target), count: split.count };

  return {
    featureShape,
    train: normalise(splits.train) as Split,
    validation: normalise(splits.validation),
    test: normalise(testSplit),
    classes,
    features,
    target,
    featureNames: train.featureNames,
  };
}

/**
 * Splits `data.train` into train / validation / test. Sizes are fractions of
 * all rows (at least one row when the fraction is set); which rows go where
 * is fixed by the seed; each split keeps file order. Copies, so that
 * normalising in place never touches the given arrays — unless `inPlace`:
 * then the training rows are moved to the front of `data.x` and `y` and
 * returned as views of them (the held-out rows are still copied out first).
 */
export function holdOut(
  data: Pick<RawExamples, 'count' | 'x'>,
  y: Float32Array,
  spec: Pick<ModelSpec, 'data' | 'training'>,
  modelFile: string,
  inPlace = false,
  fold?: Folding,
): { train: Split; validation?: Split; test?: Split } {
  const rows = heldOutRows(data.count, spec, modelFile, fold && { ...fold, y });
  const pick = (selected: Uint32Array): Split | undefined => (selected.length === 0 ? undefined : take(data.x, y, selected));
  const test = pick(rows.test);
  const validation = pick(rows.validation);
  return { test, validation, train: inPlace ? compact(data.x, y, rows.train) : take(data.x, y, rows.train) };
}

/** A fold to hold out as validation, and how to stratify. */
interface Folding extends FoldChoice {
  readonly stratified: boolean;
  readonly classNames?: readonly string[];
}

/**
 * Which rows of `data.train` (`count` of them) {@link holdOut} puts in each
 * split: ascending row indices, fixed by `training.seed`. Evaluation uses
 * it to find the test rows of a run again, and the lines they came from.
 * With a fold, the test rows are held out as always and the fold of the
 * rest validates (`y` stratifies classification folds).
 */
export function heldOutRows(
  count: number,
  spec: Pick<ModelSpec, 'data' | 'training'>,
  modelFile: string,
  fold?: Folding & { readonly y: Float32Array },
): { train: Uint32Array; validation: Uint32Array; test: Uint32Array } {
  const problem = noneLeftToTrain(count, spec);
  if (problem !== undefined) throw dataError(modelFile, undefined, problem, 'data.validationSplit');
  const { test: testCount, validation: validationCount } = heldOutCounts(count, spec);
  const seed = spec.training.seed ?? DEFAULT_SEED;
  const order = seededPermutation(count, seed);
  const rows = (from: number, to: number): Uint32Array => order.slice(from, to).sort();
  const test = rows(0, testCount);
  if (fold === undefined) {
    return { test, validation: rows(testCount, testCount + validationCount), train: rows(testCount + validationCount, count) };
  }
  // Folds are drawn over the rows in ascending order, so they depend on which rows are left, not on the split's order.
  const pool = rows(testCount, count);
  const request = {
    count: pool.length,
    folds: fold.folds,
    seed,
    ...(fold.stratified ? { classes: Array.from(pool, (row) => fold.y[row]), classNames: fold.classNames } : {}),
  };
  const why = whyNoFolds(request);
  if (why !== undefined) throw dataError(modelFile, undefined, `training.crossValidation.folds: ${why}`, 'training.crossValidation.folds');
  const of = assignFolds(request);
  return { test, validation: pool.filter((_, i) => of[i] === fold.index - 1), train: pool.filter((_, i) => of[i] !== fold.index - 1) };
}

/** How many of `count` rows go to the test and validation splits (at least one each when its fraction is set). */
export function heldOutCounts(count: number, spec: Pick<ModelSpec, 'data'>): { test: number; validation: number } {
  return {
    test: spec.data.test === undefined ? share(count, spec.data.testSplit) : 0,
    validation: share(count, spec.data.validationSplit),
  };
}

/** Why the held-out splits of `count` rows leave none to train on, or undefined when some are left. */
export function noneLeftToTrain(count: number, spec: Pick<ModelSpec, 'data'>): string | undefined {
  const { test, validation } = heldOutCounts(count, spec);
  return test + validation >= count
    ? `data.validationSplit and data.testSplit hold out ${validation + test} of ${count} examples, leaving none to train on`
    : undefined;
}

/**
 * One class is an error, not a warning: crossentropy over a single class
 * is 0 from the first step, so training would "succeed" with 100 %
 * accuracy and hide the real mistake (usually the wrong label column, or
 * a file filtered down to one class).
 */
function singleClass(spec: ModelSpec, modelFile: string, classes: readonly string[]): DataError {
  const source = spec.data.train;
  const where =
    'label' in source
      ? `label column "${source.label}" of "${source.path}"`
      : isIdxSource(source)
        ? `labels file "${source.labels}"`
        : `image folder "${source.path}"`;
  const field = 'label' in source ? 'data.train.label' : isIdxSource(source) ? 'data.train.labels' : 'data.train.path';
  return dataError(
    modelFile,
    undefined,
    `${field}: the ${where} holds a single class (${quote(classes[0] ?? '')}); ${SINGLE_CLASS_FIX}`,
    field,
  );
}

function share(count: number, fraction: number | undefined): number {
  if (fraction === undefined || fraction <= 0) return 0;
  return Math.max(1, Math.round(count * fraction));
}

/** Copies the given rows (ascending indices) of x and y. */
function take(x: Float32Array, y: Float32Array, rows: Uint32Array): Split {
  const width = x.length / y.length;
  const outX = new Float32Array(rows.length * width);
  const outY = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    outX.set(x.subarray(row * width, (row + 1) * width), i * width);
    outY[i] = y[row];
  }
  return { x: outX, y: outY, count: rows.length };
}

/** Moves the given rows (ascending indices) to the front of x and y, in place; views of the front. */
function compact(x: Float32Array, y: Float32Array, rows: Uint32Array): Split {
  const width = x.length / y.length;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    // row >= i, since rows ascend: a row never lands on one still to move.
    if (row !== i) {
      x.copyWithin(i * width, row * width, (row + 1) * width);
      y[i] = y[row];
    }
  }
  return { x: x.subarray(0, rows.length * width), y: y.subarray(0, rows.length), count: rows.length };
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
