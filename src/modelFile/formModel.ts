import type { SpecDiagnostic } from './diagnostic';
import { LAYER_TYPES, NOT_IN_A_LAYER_LIST } from './layerTypes';
import schema from './model-file.schema.json';
import type { JsonPath, JsonValue } from './jsonTypes';
import { isObject } from '../protocol/primitiveGuards';

/**
 * The hyperparameter form as data: which fields to show, with which
 * control, holding which value and which problems. Generated from the model
 * file's JSON Schema, so a key added to the schema appears in the form
 * without new code; layers add a table of the settings that matter per
 * layer type, plus whatever other keys the file gives a layer.
 */

/** How a field is edited. */
export type FieldControl =
  /** A number input; `step` is what the arrows add. */
  | { readonly kind: 'number'; readonly integer: boolean; readonly min?: number; readonly max?: number; readonly step: number }
  /** One of `options`; `allowOther`: any other string may be typed too. */
  | { readonly kind: 'select'; readonly options: readonly string[]; readonly descriptions?: readonly string[]; readonly allowOther: boolean }
  | { readonly kind: 'checkbox' }
  /** Several of `options`, as a list. */
  | { readonly kind: 'multiselect'; readonly options: readonly string[] }
  /** Numbers typed as "28, 28, 1"; `single`: one number alone is written as a number, not a list. */
  | { readonly kind: 'numberList'; readonly integer: boolean; readonly single: boolean }
  | { readonly kind: 'text' }
  /** Anything else, typed as JSON. */
  | { readonly kind: 'json' };

export interface FieldProblem {
  readonly severity: 'error' | 'warning';
  /** The same message as the editor's diagnostic. */
  readonly message: string;
}

export interface FormField {
  /** Stable across updates while the field means the same: the path joined with dots. */
  readonly id: string;
  readonly path: JsonPath;
  readonly label: string;
  readonly description?: string;
  readonly control: FieldControl;
  /** The schema requires the key: clearing the field does not remove it. */
  readonly required: boolean;
  /** Undefined when the file does not have the key. */
  readonly value: JsonValue | undefined;
  /** The value as a text box shows it ("28, 28, 1"; "" when absent). */
  readonly text: string;
  /** What applies when the key is absent (a placeholder, or a checkbox's state). */
  readonly default?: JsonValue;
  readonly problems: readonly FieldProblem[];
}

export interface FormGroup {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly fields: readonly FormField[];
}

export interface FormLayer {
  readonly index: number;
  readonly type: string;
  /** `type` first, then the settings of that layer type, then other keys in the file. */
  readonly fields: readonly FormField[];
  /** Problems of the layer as a whole (or of a key not shown as a field). */
  readonly problems: readonly FieldProblem[];
}

export interface HyperparameterForm {
  readonly groups: readonly FormGroup[];
  readonly layers: readonly FormLayer[];
  /** Types offered for a new layer or a layer's `type`. */
  readonly layerTypes: readonly string[];
  /** Problems no field shows (syntax errors, data files…), with where they are. */
  readonly problems: readonly (FieldProblem & { readonly path: JsonPath })[];
  readonly errorCount: number;
}

// ---------------------------------------------------------------- schema access

type Schema = {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly enumDescriptions?: readonly string[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly items?: Schema;
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly description?: string;
};

const ROOT = schema as unknown as Schema & { definitions: Record<string, Schema> };

function resolve(s: Schema | undefined): Schema {
  if (s === undefined) return {};
  if (s.$ref !== undefined) return resolve(ROOT.definitions[s.$ref.replace('#/definitions/', '')]);
  if (s.allOf !== undefined && s.allOf.length === 1) return { ...resolve(s.allOf[0]), description: s.description };
  return s;
}

function types(s: Schema): readonly string[] {
  return s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : s.type;
}

// ---------------------------------------------------------------- controls

/** What the arrows of a number field add: a tenth of a fraction's range, else the value's order of magnitude. */
function stepFor(key: string, s: Schema, value: unknown): number {
  if (types(s).includes('integer')) return 1;
  const max = s.maximum ?? s.exclusiveMaximum;
  if (max !== undefined && max <= 1 && (s.minimum ?? s.exclusiveMinimum ?? 0) >= 0) return 0.05;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return 10 ** Math.floor(Math.log10(value));
  return key === 'learningRate' ? 0.001 : 0.1;
}

/** The control for a schema; `key` picks the step; `value` only where its type decides. */
export function controlFor(key: string, raw: Schema | undefined, value?: unknown): FieldControl {
  const s = resolve(raw);
  if (s.enum !== undefined) {
    return { kind: 'select', options: s.enum.map(String), descriptions: s.enumDescriptions, allowOther: false };
  }
  if (s.anyOf !== undefined) {
    const options = s.anyOf.flatMap((b) => (b.enum ?? []).map(String));
    const acceptsAnyString = s.anyOf.some((b) => types(b).includes('string') && b.enum === undefined);
    if (options.length > 0) return { kind: 'select', options, allowOther: acceptsAnyString };
    const numberBranch = s.anyOf.find((b) => types(b).includes('integer') || types(b).includes('number'));
    const listBranch = s.anyOf.find((b) => types(b).includes('array'));
    if (numberBranch !== undefined && listBranch !== undefined) {
      return { kind: 'numberList', integer: types(numberBranch).includes('integer'), single: true };
    }
    return { kind: 'json' };
  }
  const t = types(s);
  if (t.length === 1 && (t[0] === 'integer' || t[0] === 'number')) {
    const min = s.minimum ?? s.exclusiveMinimum;
    const max = s.maximum ?? s.exclusiveMaximum;
    return { kind: 'number', integer: t[0] === 'integer', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), step: stepFor(key, s, value) };
  }
  if (t.length === 1 && t[0] === 'boolean') return { kind: 'checkbox' };
  if (t.length === 1 && t[0] === 'string') return { kind: 'text' };
  if (t.length === 1 && t[0] === 'array') {
    const items = resolve(s.items);
    if (items.enum !== undefined) return { kind: 'multiselect', options: items.enum.map(String) };
    const itemTypes = types(items);
    if (itemTypes.includes('integer') || itemTypes.includes('number')) {
      return { kind: 'numberList', integer: itemTypes.includes('integer'), single: false };
    }
  }
  return { kind: 'json' };
}

/** "learningRate" → "Learning rate". */
export function labelFor(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// ---------------------------------------------------------------- layers

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
  conv3dTranspose: CONV,
  separableConv2d: [...CONV.slice(0, 4), 'depthMultiplier', ...CONV.slice(4)],
  depthwiseConv2d: ['kernelSize', 'depthMultiplier', 'strides', 'padding', 'activation', 'useBias'],
  maxPooling1d: POOL, maxPooling2d: POOL, maxPooling3d: POOL, maxPool1d: POOL, maxPool2d: POOL,
  averagePooling1d: POOL, averagePooling2d: POOL, averagePooling3d: POOL,
  avgPool1d: POOL, avgPool2d: POOL, avgPool3d: POOL, avgPooling1d: POOL, avgPooling2d: POOL, avgPooling3d: POOL,
  lstm: RECURRENT, gru: RECURRENT, simpleRNN: RECURRENT,
  dropout: DROPOUT, spatialDropout1d: DROPOUT, alphaDropout: DROPOUT, gaussianDropout: DROPOUT,
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

const INITIALIZERS = [
  'glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform', 'orthogonal',
  'randomNormal', 'randomUniform', 'truncatedNormal', 'varianceScaling', 'zeros', 'ones',
];
const REGULARIZER: Schema = {
  description: 'Weight penalty added to the loss: "l1l2" (L1 = L2 = 0.01), or {"className": "L1L2", "config": {"l1": 0, "l2": 0.001}}.',
  anyOf: [{ enum: ['l1l2'] }, { type: 'string' }],
};
const FRACTION = (description: string): Schema => ({ description, type: 'number', minimum: 0, exclusiveMaximum: 1 });

/** Layer keys the schema does not describe but the form offers. */
const EXTRA_LAYER_KEYS: Readonly<Record<string, Schema>> = {
  kernelRegularizer: REGULARIZER,
  biasRegularizer: REGULARIZER,
  activityRegularizer: REGULARIZER,
  dropout: FRACTION('Fraction of the inputs dropped during training (recurrent layers).'),
  recurrentDropout: FRACTION('Fraction of the recurrent state dropped during training.'),
  momentum: { description: 'Momentum of the moving mean and variance (default 0.99).', type: 'number', minimum: 0, maximum: 1 },
  epsilon: { description: 'Small number added to the variance to avoid dividing by zero (default 0.001).', type: 'number', exclusiveMinimum: 0 },
  alpha: { description: 'Slope (leakyReLU) or scale (elu) of the negative part.', type: 'number' },
  stddev: { description: 'Standard deviation of the noise added during training.', type: 'number', minimum: 0 },
  depthMultiplier: { description: 'Output channels per input channel of the depthwise step.', type: 'integer', minimum: 1 },
  recurrentInitializer: { anyOf: [{ enum: INITIALIZERS }, { type: 'string' }] },
};

const LAYER_PROPERTIES = (ROOT.definitions.layer.properties ?? {}) as Readonly<Record<string, Schema>>;

function layerKeySchema(key: string): Schema | undefined {
  if (key === 'kernelInitializer' || key === 'biasInitializer') {
    return { description: LAYER_PROPERTIES[key]?.description, anyOf: [{ enum: INITIALIZERS }, { type: 'string' }] };
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

/** Learning rates the trainer uses when the file names none (src/trainer/buildModel.ts, Keras's defaults). */
const DEFAULT_LEARNING_RATES: Readonly<Record<string, number>> = {
  sgd: 0.01, momentum: 0.01, adam: 0.001, adamax: 0.002, adagrad: 0.01, adadelta: 1, rmsprop: 0.001,
};

/** What applies when a key is absent: the trainer's defaults and TF.js's. */
const DEFAULTS: Readonly<Record<string, JsonValue>> = {
  'training.batchSize': 32,
  'training.seed': 42,
  'training.earlyStopping.monitor': 'val_loss',
  'training.earlyStopping.patience': 0,
  'training.earlyStopping.minDelta': 0,
  'training.earlyStopping.restoreBestWeights': false,
  'data.features.normalize': 'none',
  'data.features.scale': 1,
  'data.target.normalize': 'none',
  'data.target.scale': 1,
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

function defaultFor(path: JsonPath, root: Obj): JsonValue | undefined {
  if (path[0] === 'model') return DEFAULTS[`layer.${String(path[path.length - 1])}`];
  const id = path.join('.');
  if (id === 'training.learningRate') {
    const optimizer = isObject(root.training) ? root.training.optimizer : undefined;
    return typeof optimizer === 'string' ? DEFAULT_LEARNING_RATES[optimizer] : undefined;
  }
  return DEFAULTS[id];
}

/** A control for a key no schema describes, from the value the file gives it. */
function controlFromValue(key: string, value: unknown): FieldControl {
  if (typeof value === 'number') return { kind: 'number', integer: Number.isInteger(value), step: Number.isInteger(value) ? 1 : stepFor(key, {}, value) };
  if (typeof value === 'boolean') return { kind: 'checkbox' };
  if (typeof value === 'string') return { kind: 'text' };
  return { kind: 'json' };
}

// ---------------------------------------------------------------- the form

type Obj = Record<string, unknown>;


/** Whether a present value can be edited with a control; a string in a number field, say, cannot. */
function fits(control: FieldControl, value: unknown): boolean {
  if (value === undefined) return true;
  switch (control.kind) {
    case 'number':
      return typeof value === 'number';
    case 'select':
    case 'text':
      return typeof value === 'string';
    case 'checkbox':
      return typeof value === 'boolean';
    case 'multiselect':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'numberList':
      return (control.single && typeof value === 'number') || (Array.isArray(value) && value.every((v) => typeof v === 'number' || v === null));
    case 'json':
      return true;
  }
}

function field(path: JsonPath, key: string, s: Schema | undefined, value: unknown, required: boolean): BareField {
  const resolved = resolve(s);
  let control = s === undefined ? controlFromValue(key, value) : controlFor(key, s, value);
  // A value of another type than the schema's (e.g. an invalid string) is still shown, as it is in the file.
  if (!fits(control, value)) control = typeof value === 'string' ? { kind: 'text' } : { kind: 'json' };
  return {
    id: path.join('.'),
    path,
    label: labelFor(key),
    ...(resolved.description !== undefined ? { description: resolved.description } : {}),
    control,
    required,
    value: value as JsonValue | undefined,
    text: inputFromValue(control, value as JsonValue | undefined),
  };
}

/** Keys of a section that are data sources: edited in the file, not in the form. */
const NOT_IN_FORM = new Set(['data.train', 'data.test']);

const GROUP_TITLES: Readonly<Record<string, string>> = {
  training: 'Training',
  'training.earlyStopping': 'Early stopping',
  data: 'Data',
  'data.features': 'Features',
  'data.target': 'Target',
};

type BareField = Omit<FormField, 'problems'>;
type BareGroup = Omit<FormGroup, 'fields'> & { readonly fields: readonly BareField[] };

/** One group per object in the schema under `path` (scalars and lists become fields of it). */
function groupsOf(path: readonly string[], raw: Schema, value: unknown): BareGroup[] {
  const s = resolve(raw);
  const here = isObject(value) ? value : {};
  const id = path.join('.');
  const fields: BareField[] = [];
  const nested: BareGroup[] = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const childPath = [...path, key];
    if (NOT_IN_FORM.has(childPath.join('.'))) continue;
    const resolved = resolve(child);
    if (resolved.properties !== undefined) {
      nested.push(...groupsOf(childPath, resolved, here[key]));
    } else {
      fields.push(field(childPath, key, child, here[key], (s.required ?? []).includes(key)));
    }
  }
  const group = { id, title: GROUP_TITLES[id] ?? labelFor(path[path.length - 1]), ...(s.description !== undefined ? { description: s.description } : {}), fields };
  return [group, ...nested];
}

function layerFields(index: number, layer: Obj): BareField[] {
  const path = ['model', 'layers', index];
  const type = typeof layer.type === 'string' ? layer.type : '';
  const keys = ['type', ...layerSettings(type)];
  for (const key of Object.keys(layer)) if (!keys.includes(key)) keys.push(key);
  return keys.map((key) => {
    const s = key === 'type' ? { ...LAYER_PROPERTIES.type, anyOf: [{ enum: FORM_LAYER_TYPES }, { type: 'string' }] } : layerKeySchema(key);
    return field([...path, key], key, s, layer[key], key === 'type');
  });
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((s, i) => String(s) === String(b[i]));
}

function startsWith(path: JsonPath, prefix: JsonPath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

/**
 * The form for a parsed model file and its diagnostics (as the editor shows
 * them). Each diagnostic lands on the field of its path, or the closest
 * field above it; what fits no field is listed in `problems`.
 */
export function buildForm(value: unknown, diagnostics: readonly SpecDiagnostic[]): HyperparameterForm {
  const root = isObject(value) ? value : {};
  const properties = ROOT.properties ?? {};
  const groups = [
    ...groupsOf(['training'], properties.training ?? {}, root.training),
    ...groupsOf(['data'], properties.data ?? {}, root.data),
  ].filter((g) => g.id !== 'data.target' || root.task === 'regression' || (isObject(root.data) && root.data.target !== undefined));
  const model = isObject(root.model) ? root.model : {};
  const layerList = Array.isArray(model.layers) ? model.layers : [];
  const layers = layerList.map((layer, index) => ({
    index,
    type: isObject(layer) && typeof layer.type === 'string' ? layer.type : '',
    fields: layerFields(index, isObject(layer) ? layer : {}),
  }));

  const allFields = [...groups.flatMap((g) => g.fields), ...layers.flatMap((l) => l.fields)];
  const byField = new Map<string, FieldProblem[]>();
  const byLayer = new Map<number, FieldProblem[]>();
  const problems: (FieldProblem & { path: JsonPath })[] = [];
  for (const d of diagnostics) {
    const problem = { severity: d.severity, message: d.message };
    const exact = allFields.find((f) => samePath(f.path, d.path));
    const above = exact ?? allFields.filter((f) => d.path.length > 0 && startsWith(d.path, f.path)).sort((a, b) => b.path.length - a.path.length)[0];
    if (above !== undefined) {
      byField.set(above.id, [...(byField.get(above.id) ?? []), problem]);
    } else if (d.path[0] === 'model' && d.path[1] === 'layers' && typeof d.path[2] === 'number' && d.path[2] < layers.length) {
      byLayer.set(d.path[2], [...(byLayer.get(d.path[2]) ?? []), problem]);
    } else {
      problems.push({ ...problem, path: d.path });
    }
  }
  const withProblems = (f: BareField): FormField => {
    const fallback = f.value === undefined ? defaultFor(f.path, root) : undefined;
    return { ...f, ...(fallback !== undefined ? { default: fallback } : {}), problems: byField.get(f.id) ?? [] };
  };
  return {
    groups: groups.map((g) => ({ ...g, fields: g.fields.map(withProblems) })),
    layers: layers.map((l) => ({ ...l, fields: l.fields.map(withProblems), problems: byLayer.get(l.index) ?? [] })),
    layerTypes: FORM_LAYER_TYPES,
    problems,
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
  };
}

/**
 * What a field's input means as a value: `undefined` removes the key. A
 * number that does not parse is written as the text typed (the file takes
 * what the user typed, and validation says what is wrong with it); text in
 * a JSON field must parse.
 */
export function parseInput(control: FieldControl, input: string | boolean | readonly string[]): { readonly value: JsonValue | undefined } | { readonly error: string } {
  if (typeof input === 'boolean' || Array.isArray(input)) return { value: input as JsonValue };
  const text = String(input).trim();
  if (text === '') return { value: undefined };
  switch (control.kind) {
    case 'number': {
      const n = Number(text);
      return { value: Number.isFinite(n) ? n : text };
    }
    case 'numberList': {
      const parts = text.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter((p) => p !== '');
      const numbers = parts.map((p) => (p === 'null' ? null : Number(p)));
      if (numbers.some((n) => n !== null && !Number.isFinite(n))) return { error: `write numbers separated by commas, e.g. "28, 28, 1"` };
      return { value: control.single && numbers.length === 1 ? numbers[0] : numbers };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) as JsonValue };
      } catch {
        // A bare word (an identifier such as "l1l2") is a string.
        return /^[\w.-]+$/.test(text) ? { value: text } : { error: 'not valid JSON (strings in double quotes, objects in { })' };
      }
    default:
      return { value: text };
  }
}

/** How a value reads in a field's text box. */
export function inputFromValue(control: FieldControl, value: JsonValue | undefined): string {
  if (value === undefined) return '';
  if (control.kind === 'numberList' && Array.isArray(value)) return value.map((v) => (v === null ? 'null' : String(v))).join(', ');
  if (control.kind === 'json' || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
