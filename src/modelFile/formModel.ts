import type { SpecDiagnostic } from './diagnostic';
import { controlFor, labelFor, resolve, ROOT, type Schema } from './formControls';
import { controlFromValue, defaultFor, FORM_LAYER_TYPES, LAYER_PROPERTIES, layerKeySchema, layerSettings, type Obj } from './formLayers';
import { fieldSearch } from './formSearch';
import type { JsonPath, JsonValue } from './jsonTypes';
import type { ModelFileEdit } from './modelFileEdits';
import type { SearchParameter } from './modelSpec';
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
  | {
      readonly kind: 'select';
      readonly options: readonly string[];
      readonly descriptions?: readonly string[];
      readonly allowOther: boolean;
    }
  | { readonly kind: 'checkbox' }
  /** Several of `options`, as a list. */
  | { readonly kind: 'multiselect'; readonly options: readonly string[] }
  /** Numbers typed as "28, 28, 1"; `single`: one number alone is written as a number, not a list. */
  | { readonly kind: 'numberList'; readonly integer: boolean; readonly single: boolean }
  | { readonly kind: 'text' }
  /** Anything else, typed as JSON. */
  | { readonly kind: 'json' };

/** How a searched field is edited: a number's range (or its list of values), or a choice field's options. */
export type SearchControl =
  | { readonly kind: 'number'; readonly integer: boolean; readonly min?: number; readonly max?: number }
  | { readonly kind: 'choice'; readonly options: readonly string[] };

/** A field's search toggle (formSearch.ts): its key in `search.parameters`, and the entry there when it is on. */
export interface FieldSearch {
  /** `training.learningRate`, `model.layers[0].units`. */
  readonly key: string;
  readonly control: SearchControl;
  /** What turning the toggle on writes (initialEntry). */
  readonly initial: SearchParameter;
  /** The file's entry: the toggle is on. */
  readonly entry?: SearchParameter;
}

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
  /** The field's search toggle (formSearch.ts); absent where a field cannot be searched. */
  readonly search?: FieldSearch;
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

// ---------------------------------------------------------------- the form

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
      return (
        (control.single && typeof value === 'number') || (Array.isArray(value) && value.every((v) => typeof v === 'number' || v === null))
      );
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
const NOT_IN_FORM = new Set(['data.train', 'data.test', 'search.parameters']);

const GROUP_TITLES: Readonly<Record<string, string>> = {
  training: 'Training',
  'training.earlyStopping': 'Early stopping',
  'training.learningRateSchedule': 'Learning-rate schedule',
  data: 'Data',
  'data.features': 'Features',
  'data.target': 'Target',
  'data.text': 'Text',
  'data.augment': 'Augmentation',
  search: 'Search',
  'search.prune': 'Pruning',
};

type BareField = Omit<FormField, 'problems'>;
type BareGroup = Omit<FormGroup, 'fields'> & { readonly fields: readonly BareField[] };

/** Whether `value` meets an `if`: each property `if` names a `const` for has that value. */
function meets(condition: Schema, value: Obj): boolean {
  return Object.entries(condition.properties ?? {}).every(([key, s]) => s.const === undefined || value[key] === s.const);
}

/**
 * `s` with the properties and required keys of each `allOf` branch whose
 * `if` the value meets: a learning-rate schedule's fields follow its `type`.
 * A key `s` describes already keeps its own schema (the branch only
 * repeats it to allow it).
 */
function withMatchingBranches(s: Schema, value: Obj): Schema {
  const branches = (s.allOf ?? [])
    .filter((b) => b.if !== undefined && b.then !== undefined && meets(b.if, value))
    .map((b) => b.then as Schema);
  if (branches.length === 0) return s;
  const properties = { ...s.properties };
  for (const branch of branches) for (const [key, child] of Object.entries(branch.properties ?? {})) properties[key] ??= child;
  return { ...s, properties, required: [...(s.required ?? []), ...branches.flatMap((b) => b.required ?? [])] };
}

/** Whether `key` of objects of schema `s` decides their other keys (a schedule's `type`). */
function isDiscriminator(s: Schema | undefined, key: string | number): boolean {
  return typeof key === 'string' && (s?.allOf ?? []).some((b) => b.if?.properties?.[key]?.const !== undefined);
}

/**
 * One group per object in the schema under `path` (scalars and lists become
 * fields of it). The key that decides the other keys of an object its parent
 * does not require is optional: leaving it unset removes the object (no schedule).
 */
function groupsOf(path: readonly string[], raw: Schema, value: unknown, optional = false): BareGroup[] {
  const here = isObject(value) ? value : {};
  const s = withMatchingBranches(resolve(raw), here);
  const id = path.join('.');
  const fields: BareField[] = [];
  const nested: BareGroup[] = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const childPath = [...path, key];
    if (NOT_IN_FORM.has(childPath.join('.'))) continue;
    const resolved = resolve(child);
    if (resolved.properties !== undefined) {
      nested.push(...groupsOf(childPath, resolved, here[key], !(s.required ?? []).includes(key)));
    } else {
      const required = (s.required ?? []).includes(key) && !(optional && isDiscriminator(s, key));
      fields.push(field(childPath, key, child, here[key], required));
    }
  }
  // A key another type had (warmupEpochs left after switching cosine to step) stays visible with its problem, to clear.
  if (s.allOf !== undefined) {
    for (const key of Object.keys(here))
      if (!(key in (s.properties ?? {}))) fields.push(field([...path, key], key, undefined, here[key], false));
  }
  const group = {
    id,
    title: GROUP_TITLES[id] ?? labelFor(path[path.length - 1]),
    ...(s.description !== undefined ? { description: s.description } : {}),
    fields,
  };
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
 * Groups that apply to this file: Target for regression, Text for text data
 * (`data.train.text`), Features for other data, Augmentation for images; any group the file has.
 */
function shownGroup(id: string, root: Obj): boolean {
  const data = isObject(root.data) ? root.data : {};
  const text = isObject(data.train) && data.train.text !== undefined;
  if (id === 'data.target') return root.task === 'regression' || data.target !== undefined;
  if (id === 'data.text') return text || data.text !== undefined;
  if (id === 'data.features') return !text || data.features !== undefined;
  if (id === 'data.augment')
    return (isObject(data.train) && ('images' in data.train || data.train.format === 'images')) || data.augment !== undefined;
  return true;
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
    // The sweep's settings, once a search toggle has made the block; its parameters are the toggles.
    ...(root.search !== undefined ? groupsOf(['search'], properties.search ?? {}, root.search) : []),
  ].filter((g) => shownGroup(g.id, root));
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
    const above =
      exact ?? allFields.filter((f) => d.path.length > 0 && startsWith(d.path, f.path)).sort((a, b) => b.path.length - a.path.length)[0];
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
    const search = fieldSearch(root, f.path, f.control, f.value ?? fallback);
    return {
      ...f,
      ...(fallback !== undefined ? { default: fallback } : {}),
      problems: byField.get(f.id) ?? [],
      ...(search !== undefined ? { search } : {}),
    };
  };
  return {
    groups: groups.map((g) => ({ ...g, fields: g.fields.map(withProblems) })),
    layers: layers.map((l) => ({ ...l, fields: l.fields.map(withProblems), problems: byLayer.get(l.index) ?? [] })),
    layerTypes: FORM_LAYER_TYPES,
    problems,
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
  };
}

/** The schema of the value at `path` (object keys only), or undefined where the schema does not say. */
function schemaAt(path: JsonPath): Schema | undefined {
  let s: Schema | undefined = ROOT;
  for (const key of path) s = typeof key === 'string' ? resolve(s).properties?.[key] : undefined;
  return s === undefined ? undefined : resolve(s);
}

/**
 * The edit that gives the field at `path` a new value (undefined: removes
 * the key). Changing the key an object's other keys depend on (a
 * learning-rate schedule's `type`) rewrites that object keeping only the
 * keys the new type takes, so that switching cosine to step leaves no
 * warmupEpochs behind: one edit, one undo; unsetting it removes the object.
 */
export function fieldEdit(root: unknown, path: JsonPath, value: JsonValue | undefined): ModelFileEdit {
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const parentSchema = schemaAt(parentPath);
  if (value === undefined) return { kind: 'remove', path: isDiscriminator(parentSchema, key) ? parentPath : path };
  const set: ModelFileEdit = { kind: 'set', path, value };
  let current: unknown = root;
  for (const segment of parentPath) current = isObject(current) ? current[segment] : undefined;
  if (typeof key !== 'string' || !isObject(current) || !isDiscriminator(parentSchema, key)) return set;
  const chosen = withMatchingBranches(parentSchema ?? {}, { ...current, [key]: value });
  const kept = Object.entries(current).filter(([k]) => k !== key && k in (chosen.properties ?? {}));
  return { kind: 'set', path: parentPath, value: { [key]: value, ...Object.fromEntries(kept) } as JsonValue };
}

/**
 * What a field's input means as a value: `undefined` removes the key. A
 * number that does not parse is written as the text typed (the file takes
 * what the user typed, and validation says what is wrong with it); text in
 * a JSON field must parse.
 */
export function parseInput(
  control: FieldControl,
  input: string | boolean | readonly string[],
): { readonly value: JsonValue | undefined } | { readonly error: string } {
  if (typeof input === 'boolean' || Array.isArray(input)) return { value: input as JsonValue };
  const text = String(input).trim();
  if (text === '') return { value: undefined };
  switch (control.kind) {
    case 'number': {
      const n = Number(text);
      return { value: Number.isFinite(n) ? n : text };
    }
    case 'numberList': {
      const parts = text
        .replace(/^\[|\]$/g, '')
        .split(/[\s,]+/)
        .filter((p) => p !== '');
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
