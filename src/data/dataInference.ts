import type { Task } from '../modelFile/modelSpec';
import { dataError } from './dataError';
import type { ColumnSample, DataSample } from './dataSample';
import { quote } from './showText';

// From a data sample to what a model of it needs: the label, the task, the classes, the features and their shape.

/** Integer labels with at most this many distinct values are classes (more: a count or a measurement). */
export const MAX_INTEGER_CLASSES = 20;

/** Column names that say "I am the label", compared without case, spaces, `_` or `-`. */
const LABEL_NAMES = [
  'label',
  'labels',
  'target',
  'class',
  'classes',
  'y',
  'species',
  'quality',
  'outcome',
  'category',
  'diagnosis',
  'survived',
  'variety',
  'output',
];

export interface DataChoices {
  /** The label column the user named (`--label`, the QuickPick). */
  readonly label?: string;
  /** The task the user named (`--task`). */
  readonly task?: Task;
}

export interface DataInference {
  readonly task: Task;
  /** False when the task was a guess worth a question: whole-number labels that could be classes or a score. */
  readonly taskObvious: boolean;
  /** Tables: the label column. */
  readonly label?: string;
  /** False when no column name said "label" and the last column was taken: the editor asks. */
  readonly labelObvious: boolean;
  /** Class names in class order (classification), undefined for regression. */
  readonly classes: readonly string[] | undefined;
  /** Number of input values of one example. */
  readonly features: number;
  /** Shape of one example as the model takes it: [features] for tables, [height, width, channels] for images. */
  readonly inputShape: readonly number[];
  /** Images: 8-bit pixels, scaled by 1/255; tables: standardised. */
  readonly normalize: 'standard' | 'scale';
  /** Examples the inference saw, and whether that was all of them. */
  readonly rows: number;
  readonly complete: boolean;
}

/** The label column to offer first, and whether it is obvious. */
export function guessLabel(columns: readonly ColumnSample[]): { label: string; obvious: boolean } {
  // Features must be numbers, so the one text column is the label, whatever the names say.
  const text = columns.filter((c) => !c.numeric);
  if (text.length === 1) return { label: text[0].name, obvious: true };
  const simple = (name: string): string => name.toLowerCase().replace(/[\s_-]/g, '');
  const named = columns.filter((c) => LABEL_NAMES.includes(simple(c.name)));
  if (named.length > 0) {
    // Several (e.g. "class" and "label"): the earliest name in LABEL_NAMES wins, and that is no longer obvious.
    const best = [...named].sort((a, b) => LABEL_NAMES.indexOf(simple(a.name)) - LABEL_NAMES.indexOf(simple(b.name)))[0];
    return { label: best.name, obvious: named.length === 1 };
  }
  return { label: columns[columns.length - 1].name, obvious: false };
}

/** Infers what a model of `sample` needs; `choices` overrule the guesses. Throws DataError for data no model file can take. */
export function inferData(sample: DataSample, choices: DataChoices = {}): DataInference {
  if (sample.kind !== 'table') {
    if (choices.task === 'regression') {
      const file = sample.kind === 'idx' ? sample.images : sample.folder;
      throw dataError(file, undefined, 'images are classified here: their labels are classes, so the task is classification');
    }
    if (choices.label !== undefined) {
      throw dataError(sample.kind === 'idx' ? sample.images : sample.folder, undefined, 'has no label column: --label is for tables');
    }
    const shape = sample.imageShape.length === 2 ? [...sample.imageShape, 1] : [...sample.imageShape];
    return {
      task: 'classification',
      taskObvious: true,
      labelObvious: true,
      classes: sample.classes,
      features: shape.reduce((a, b) => a * b, 1),
      inputShape: shape,
      normalize: 'scale',
      rows: sample.count,
      complete: true,
    };
  }
  const { file, columns } = sample;
  if (columns.length < 2) throw dataError(file, 1, 'has one column only: a table needs feature columns and a label column');
  const guess = choices.label === undefined ? guessLabel(columns) : { label: choices.label, obvious: true };
  const labelColumn = columns.find((c) => c.name === guess.label);
  if (labelColumn === undefined) {
    throw dataError(file, 1, `no column ${quote(guess.label)} (columns: ${columns.map((c) => c.name).join(', ')})`, guess.label);
  }
  const { task, obvious } = inferTask(labelColumn, sample.rows, choices.task, file);
  const features = columns.filter((c) => c !== labelColumn);
  const text = features.find((c) => !c.numeric);
  if (text !== undefined && guess.obvious) throw textFeature(file, text);
  return {
    task,
    taskObvious: obvious,
    label: labelColumn.name,
    labelObvious: guess.obvious && text === undefined,
    classes: task === 'classification' ? labelColumn.distinct : undefined,
    features: features.length,
    inputShape: [features.length],
    normalize: 'standard',
    rows: sample.rows,
    complete: sample.complete,
  };
}

/**
 * The task of a label column: text → classification; whole numbers with few
 * distinct values → classification (asked about unless they are 0 … k-1 or
 * two values); other numbers → regression.
 */
function inferTask(column: ColumnSample, rows: number, chosen: Task | undefined, file: string): { task: Task; obvious: boolean } {
  if (chosen === 'regression' && !column.numeric) {
    const cell = column.firstText;
    throw dataError(
      file,
      cell?.line,
      `label column ${quote(column.name)} is ${quote(cell?.value ?? '')}, not a number: regression predicts numbers; use classification`,
      column.name,
    );
  }
  const distinct = column.distinct.length;
  if (chosen === 'classification' && distinct < 2) throw singleClass(file, column);
  if (chosen !== undefined) return { task: chosen, obvious: true };
  if (!column.numeric) {
    if (distinct < 2) throw singleClass(file, column);
    return { task: 'classification', obvious: true };
  }
  const fewWholeNumbers = column.integer && !column.distinctCapped && distinct >= 2 && distinct <= Math.min(MAX_INTEGER_CLASSES, rows / 2);
  if (!fewWholeNumbers) return { task: 'regression', obvious: true };
  const indices = column.distinct.every((name, i) => name === String(i));
  return { task: 'classification', obvious: indices || distinct === 2 };
}

function singleClass(file: string, column: ColumnSample): Error {
  return dataError(
    file,
    undefined,
    `label column ${quote(column.name)} holds one value only: a model needs at least 2 classes`,
    column.name,
  );
}

/** Features are numbers: a text column other than the label cannot be one. */
export function textFeature(file: string, column: ColumnSample): Error {
  const cell = column.firstText;
  return dataError(
    file,
    cell?.line,
    `column ${quote(column.name)} is ${quote(cell?.value ?? '')}, not a number: every column but the label is a numeric feature; ` +
      'convert it to numbers or drop it, or make it the label',
    column.name,
  );
}
