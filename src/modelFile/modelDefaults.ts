import { isObject } from '../protocol/primitiveGuards';
import type { JsonValue } from './jsonTypes';
import { KEEPS_LAST_AXIS } from './layerTypes';
import type { ModelSpec, Task } from './modelSpec';

/**
 * What applies when a model file leaves a key out: the one place the
 * validator, the hyperparameters form, the inspector and the trainer take
 * them from (docs/decisions.md, "Keras-like defaults"). A file needs only
 * `data` and `model.layers`; `name`, `task` and all of `training` follow.
 */

export const DEFAULT_OPTIMIZER = 'adam';
/** Keras's fit() runs 1 epoch, which hardly trains anything; 10 shows a learning curve on a small table in seconds. */
export const DEFAULT_EPOCHS = 10;
export const DEFAULT_BATCH_SIZE = 32;

/** Learning rates when the file names none: Keras's defaults per optimizer (tf.keras.optimizers). */
export const DEFAULT_LEARNING_RATES: Readonly<Record<string, number>> = {
  sgd: 0.01,
  momentum: 0.01,
  adam: 0.001,
  adamax: 0.002,
  adagrad: 0.01,
  adadelta: 1,
  rmsprop: 0.001,
};

export const REGRESSION_LOSSES: ReadonlySet<string> = new Set([
  'meanSquaredError',
  'meanAbsoluteError',
  'meanAbsolutePercentageError',
  'meanSquaredLogarithmicError',
  'logcosh',
  'poisson',
]);

/** A default and why it was chosen, as the trainer reports it. */
export interface AppliedDefault {
  /** `training.loss` */
  readonly key: string;
  readonly value: JsonValue;
  readonly reason: string;
}

/** The activation and unit count the output ends with (walking back over layers that keep the last axis). */
export function outputActivation(layers: unknown): { activation: string; units: number | undefined } {
  const list = Array.isArray(layers) ? layers : [];
  let activation: string | undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const layer: unknown = list[i];
    if (!isObject(layer)) break;
    const type = typeof layer.type === 'string' ? layer.type : '';
    if (typeof layer.units === 'number') {
      const own = typeof layer.activation === 'string' ? layer.activation : 'linear';
      return { activation: activation ?? own, units: layer.units };
    }
    if (!KEEPS_LAST_AXIS.has(type)) break;
    if (activation === undefined && type === 'softmax') activation = 'softmax';
    if (activation === undefined && type === 'activation' && typeof layer.activation === 'string') activation = layer.activation;
  }
  return { activation: activation ?? 'linear', units: undefined };
}

/** The task when the file names none: from the loss if it names one, else from the output (softmax or sigmoid: classes). */
export function defaultTask(loss: unknown, layers: unknown): Task {
  if (typeof loss === 'string') return REGRESSION_LOSSES.has(loss) ? 'regression' : 'classification';
  const { activation } = outputActivation(layers);
  return activation === 'softmax' || activation === 'sigmoid' ? 'classification' : 'regression';
}

/**
 * The loss when the file names none: one sigmoid unit is binary
 * crossentropy; other classifiers take class indices (labels are read as
 * class names or indices, never one-hot); regression, mean squared error.
 */
export function defaultLoss(task: Task, layers: unknown): string {
  if (task === 'regression') return 'meanSquaredError';
  const { activation, units } = outputActivation(layers);
  return activation === 'sigmoid' && units === 1 ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy';
}

/** `accuracy` for classification; regression reports its loss only, as Keras does without metrics. */
export function defaultMetrics(task: Task): readonly string[] | undefined {
  return task === 'classification' ? ['accuracy'] : undefined;
}

/** The learning rate an optimizer starts from when the file names none. */
export function defaultLearningRate(optimizer: unknown): number {
  return DEFAULT_LEARNING_RATES[typeof optimizer === 'string' ? optimizer : DEFAULT_OPTIMIZER] ?? 0.01;
}

/** `iris.model.json` → `iris`. Without node:path: the hyperparameters page type-checks this module too. */
export function defaultName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? '';
  return base.replace(/(\.model)?\.(json|ya?ml)$/i, '') || 'model';
}

/**
 * A model file that passed the schema with its defaults filled in, and
 * which defaults those were. Keys the file gives are kept as they are.
 */
export function withDefaults(value: unknown, file: string): { spec: ModelSpec; applied: AppliedDefault[] } {
  const root = isObject(value) ? value : {};
  const model = isObject(root.model) ? root.model : {};
  const training = isObject(root.training) ? root.training : {};
  const applied: AppliedDefault[] = [];
  const pick = <T extends JsonValue>(key: string, given: unknown, fallback: T, reason: string): T => {
    if (given !== undefined) return given as T;
    applied.push({ key, value: fallback, reason });
    return fallback;
  };
  const { activation, units } = outputActivation(model.layers);
  const output = `the ${activation} output${units === undefined ? '' : ` of ${units} unit${units === 1 ? '' : 's'}`}`;
  const name = pick('name', root.name, defaultName(file), 'the model file name');
  const task = pick<Task>('task', root.task, defaultTask(training.loss, model.layers), training.loss ? 'the loss' : output);
  const metrics = defaultMetrics(task);
  const filled = {
    ...training,
    optimizer: pick('training.optimizer', training.optimizer, DEFAULT_OPTIMIZER, 'Keras-like default'),
    loss: pick('training.loss', training.loss, defaultLoss(task, model.layers), `${task} with ${output}`),
    epochs: pick('training.epochs', training.epochs, DEFAULT_EPOCHS, 'default'),
    ...(training.metrics === undefined && metrics !== undefined
      ? { metrics: pick('training.metrics', undefined, [...metrics], task) }
      : {}),
  };
  return { spec: { ...root, name, task, training: filled } as unknown as ModelSpec, applied };
}

/** Text data (`data.text`) when the file leaves a key out; defined beside the tokenizer, which data/ may not import from here. */
export { DEFAULT_TEXT } from '../data/tokenizer';
