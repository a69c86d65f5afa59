import { isObject } from '../protocol/primitiveGuards';
import type { FieldControl, FieldSearch, SearchControl } from './formModel';
import type { JsonPath, JsonValue } from './jsonTypes';
import type { ModelFileEdit } from './modelFileEdits';
import type { SearchParameter } from './modelSpec';
import { formatParamPath } from './paramKey';

/**
 * The form's "search" toggles: which fields can be searched, how (a range
 * or a list of values), the entry a toggle starts with, and the one edit of
 * the model file's `search` block that turning a toggle on, changing its
 * range or turning it off makes.
 */

/** Layer keys that are not hyperparameters: searching them changes what the model is, not how it trains. */
const NOT_SEARCHED_LAYER_KEYS = new Set(['type', 'name', 'inputShape', 'targetShape']);

/**
 * The search toggle a field gets: numbers and choices of `training` and of
 * layers. Data settings are left out: a trial with another validation split
 * is scored on other examples, so its metric does not compare.
 */
export function searchControlFor(path: JsonPath, control: FieldControl): SearchControl | undefined {
  const inTraining = path[0] === 'training';
  const inLayer = path[0] === 'model' && path[1] === 'layers' && typeof path[2] === 'number' && path.length === 4;
  if (!inTraining && !inLayer) return undefined;
  if (inLayer && NOT_SEARCHED_LAYER_KEYS.has(String(path[3]))) return undefined;
  if (inTraining && path[1] === 'seed') return undefined;
  switch (control.kind) {
    case 'number':
      return {
        kind: 'number',
        integer: control.integer,
        ...(control.min !== undefined ? { min: control.min } : {}),
        ...(control.max !== undefined ? { max: control.max } : {}),
      };
    case 'select':
      return { kind: 'choice', options: control.options };
    case 'checkbox':
      return { kind: 'choice', options: ['true', 'false'] };
    default:
      return undefined;
  }
}

/** The search toggle of a field of the parsed file `root` holding `value` (or its default), with its entry when the file searches it. */
export function fieldSearch(root: unknown, path: JsonPath, control: FieldControl, value: JsonValue | undefined): FieldSearch | undefined {
  const searchControl = searchControlFor(path, control);
  if (searchControl === undefined) return undefined;
  const key = formatParamPath(path);
  const entry = searchParameters(root)[key];
  return { key, control: searchControl, initial: initialEntry(searchControl, value), ...(isSearchParameter(entry) ? { entry } : {}) };
}

function searchParameters(root: unknown): Record<string, unknown> {
  const search = isObject(root) ? root.search : undefined;
  return isObject(search) && isObject(search.parameters) ? search.parameters : {};
}

/** A `search.parameters` entry as the schema allows it (the webview's are checked with this too). */
export function isSearchParameter(x: unknown): x is SearchParameter {
  if (!isObject(x)) return false;
  if ('values' in x) {
    return (
      Object.keys(x).length === 1 &&
      Array.isArray(x.values) &&
      x.values.length > 0 &&
      x.values.every((v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean')
    );
  }
  const keys = new Set(['min', 'max', 'scale', 'type']);
  return (
    Object.keys(x).every((k) => keys.has(k)) &&
    typeof x.min === 'number' &&
    Number.isFinite(x.min) &&
    typeof x.max === 'number' &&
    Number.isFinite(x.max) &&
    (x.scale === undefined || x.scale === 'linear' || x.scale === 'log') &&
    (x.type === undefined || x.type === 'float' || x.type === 'int')
  );
}

/** Rounds away float noise (0.1 * 3) so the file says 0.3. */
function tidy(n: number): number {
  return Number(n.toPrecision(6));
}

/**
 * The entry a toggle starts with, around the field's value (or its
 * default): a fraction 0 to 0.5; a positive rate a decade either side on
 * a log scale; a whole number a quarter to four times it (log from 8 up);
 * a choice the value and the next option.
 */
export function initialEntry(control: SearchControl, value: JsonValue | undefined): SearchParameter {
  if (control.kind === 'choice') {
    const current = value === undefined ? control.options[0] : String(value);
    const next = control.options[(control.options.indexOf(current) + 1) % control.options.length];
    const values = [...new Set([current, next])];
    return { values: control.options.length === 2 && control.options.includes('true') ? values.map((v) => v === 'true') : values };
  }
  const v = typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  const floor = control.min ?? (control.integer ? 1 : 0);
  if (control.integer) {
    const at = Math.max(v ?? 16, 1);
    const min = Math.max(floor, Math.floor(at / 4));
    const max = Math.max(min + 1, Math.min(control.max ?? Infinity, at * 4));
    return { min, max, ...(min >= 1 && max / min >= 8 ? { scale: 'log' as const } : {}), type: 'int' };
  }
  if (control.max !== undefined && control.max <= 1 && floor >= 0) return { min: floor, max: Math.min(0.5, control.max) };
  if (v !== undefined && v > 0) {
    return { min: tidy(Math.max(v / 10, floor)), max: tidy(Math.min(v * 10, control.max ?? Infinity)), scale: 'log' };
  }
  return { min: floor, max: control.max ?? floor + 1 };
}

/** The metric a new `search` block compares: validation accuracy when the file measures accuracy, else validation loss. */
export function defaultSearchMetric(root: unknown): string {
  const training = isObject(root) && isObject(root.training) ? root.training : {};
  const metrics = Array.isArray(training.metrics) ? training.metrics : [];
  return isObject(root) && root.task === 'classification' && metrics.includes('accuracy') ? 'val_accuracy' : 'val_loss';
}

/**
 * The one edit that sets (entry) or removes (undefined) the search of
 * `key` in the parsed file `root`: a new `search` block with defaults
 * when there is none; removing the last parameter removes the block.
 */
export function searchEdit(root: unknown, key: string, entry: SearchParameter | undefined): ModelFileEdit | undefined {
  const parameters = searchParameters(root);
  const hasBlock = isObject(root) && root.search !== undefined;
  if (entry === undefined) {
    if (!(key in parameters)) return undefined;
    const others = Object.keys(parameters).filter((k) => k !== key);
    return others.length === 0 ? { kind: 'remove', path: ['search'] } : { kind: 'remove', path: ['search', 'parameters', key] };
  }
  const value = entry as unknown as JsonValue;
  if (!hasBlock) {
    return {
      kind: 'set',
      path: ['search'],
      value: { method: 'random', metric: defaultSearchMetric(root), trials: 12, parameters: { [key]: value } },
    };
  }
  return { kind: 'set', path: ['search', 'parameters', key], value };
}
