import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { closest } from '../data/suggest';
import { setFix, type Range, type SpecDiagnostic, type SpecFix } from './diagnostic';
import schema from './model-file.schema.json';
import type { JsonPath, JsonSchema } from './jsonTypes';
import type { ParsedModelFile } from './parseModelFile';

type Schema = JsonSchema;

let validator: ValidateFunction | undefined;

/** Compiled once, on first use: about 50 ms that the editor should not pay at activation. */
function validate(value: unknown): readonly ErrorObject[] {
  if (validator === undefined) {
    // verbose: errors carry the failing (sub)schema and value, for messages that say how to fix.
    // strict off: VS Code's own keywords (patternErrorMessage, enumDescriptions) are annotations here.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    validator = ajv.compile(schema);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/**
 * Names people write from Keras or PyTorch habit, mapped to the TF.js name
 * for the same thing; used only when the target is allowed at that place
 * ("mse" as a loss is "meanSquaredError", as a metric it is fine).
 */
const ALIASES: readonly Readonly<Record<string, string>>[] = [
  {
    mse: 'meanSquaredError',
    mae: 'meanAbsoluteError',
    mape: 'meanAbsolutePercentageError',
    msle: 'meanSquaredLogarithmicError',
    kld: 'kullbackLeiblerDivergence',
    crossentropy: 'sparseCategoricalCrossentropy',
    sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
    categorical_crossentropy: 'categoricalCrossentropy',
    binary_crossentropy: 'binaryCrossentropy',
    mean_squared_error: 'meanSquaredError',
    mean_absolute_error: 'meanAbsoluteError',
  },
  {
    meanSquaredError: 'mse',
    meanAbsoluteError: 'mae',
    meanAbsolutePercentageError: 'mape',
    mean_squared_error: 'mse',
    mean_absolute_error: 'mae',
    sparseCategoricalAccuracy: 'accuracy',
    sparse_categorical_accuracy: 'accuracy',
    binaryCrossentropy: 'crossentropy',
    cosineProximity: 'cosine',
  },
];

/**
 * Checks a parsed model file against model-file.schema.json, one diagnostic
 * per problem, each placed on the value (or key) at fault and worded as a
 * fix: `"training.epochs" must be an integer ≥ 1 (got 0)`.
 */
export function schemaDiagnostics(parsed: ParsedModelFile, file: string): SpecDiagnostic[] {
  const errors = validate(parsed.value);
  const diagnostics: SpecDiagnostic[] = [];
  const at = (path: JsonPath, range: Range, message: string, fixes: readonly SpecFix[] = []): void => {
    diagnostics.push({ file, range, severity: 'error', message, path, ...(fixes.length > 0 ? { fixes } : {}) });
  };

  // Per-key problems: each missing or unknown key is its own diagnostic.
  for (const error of errors) {
    const path = toPath(error.instancePath, parsed.value);
    if (error.keyword === 'required') {
      const missing = String(error.params.missingProperty);
      const hint = propertyHint(error.parentSchema as Schema, missing);
      const range = path.length === 0 ? firstCharacter(parsed.rangeOf([])) : parsed.keyRangeOf(path);
      const value = requiredDefault(path, missing, parsed.value);
      const fixes = value === undefined ? [] : [setFix([...path, missing], value, `Add "${missing}": ${JSON.stringify(value)}`)];
      at([...path, missing], range, `${where(path)} is missing the required key "${missing}"${hint}`, fixes);
    } else if (error.keyword === 'additionalProperties') {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as Schema).properties ?? {});
      const match = closest(key, allowed);
      const fix = match !== undefined ? ` — did you mean "${match}"?` : `; remove it (allowed keys: ${allowed.join(', ')})`;
      const message =
        key === '<<' && parsed.format === 'yaml'
          ? 'YAML merge keys ("<<") are not supported in model files; write the keys out'
          : `unknown key "${key}" in ${where(path)}${fix}`;
      const fixes: SpecFix[] =
        match === undefined ? [] : [{ kind: 'renameKey', title: `Rename to "${match}"`, path: [...path, key], key: match }];
      at([...path, key], parsed.keyRangeOf([...path, key]), message, fixes);
    } else if (error.keyword === 'uniqueItems') {
      const index = Number(error.params.i);
      const item = (error.data as unknown[])[index];
      at([...path, index], parsed.rangeOf([...path, index]), `${where(path)} lists ${JSON.stringify(item)} twice; remove one`);
    }
  }

  // Value problems: one diagnostic per value, from its most telling error.
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    if (['required', 'additionalProperties', 'uniqueItems', 'if', 'oneOf'].includes(error.keyword)) continue;
    const list = byPath.get(error.instancePath) ?? [];
    list.push(error);
    byPath.set(error.instancePath, list);
  }
  for (const [pointer, list] of byPath) {
    // An object that fits a branch of an anyOf but has bad keys or values inside: those are reported where they are.
    const explainedInside = errors.some(
      (e) => e.instancePath.startsWith(`${pointer}/`) || (e.instancePath === pointer && e.keyword === 'additionalProperties'),
    );
    if (explainedInside && list.every((e) => e.keyword === 'anyOf' || e.keyword === 'type' || e.keyword === 'enum')) continue;
    const path = toPath(pointer, parsed.value);
    at(path, parsed.rangeOf(path), valueMessage(path, list), valueFixes(path, list));
  }
  return diagnostics;
}

/** Values for required keys that have a usual choice; keys that need the user's own (a path, a column) have none. */
function requiredDefault(path: JsonPath, key: string, root: unknown): number | undefined {
  let parent = root;
  for (const segment of path)
    parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[segment] : undefined;
  const type = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>).type : undefined;
  if (key === 'folds') return 5;
  if (key === 'every') return 10;
  if (key === 'factor') return type === 'exponential' ? 0.95 : 0.5;
  return undefined;
}

/** The did-you-mean value of an enum, or a number written as a string ("0.01") as the number. */
function valueFixes(path: JsonPath, errors: readonly ErrorObject[]): SpecFix[] {
  const value = errors[0].data;
  const enumError = errors.find((e) => e.keyword === 'enum');
  if (enumError !== undefined && typeof value === 'string') {
    const allowed = (enumError.params.allowedValues as unknown[]).map(String);
    const alias = ALIASES.map((aliases) => aliases[value]).find((target) => target !== undefined && allowed.includes(target));
    const match = alias ?? closest(value, allowed);
    if (match !== undefined) return [setFix(path, match)];
  }
  const numeric = errors
    .filter((e) => e.keyword === 'type')
    .map((e) => String(e.params.type))
    .find((type) => /number|integer/.test(type));
  if (numeric === undefined || typeof value !== 'string' || value.trim() === '') return [];
  const number = Number(value);
  if (!Number.isFinite(number) || (!numeric.includes('number') && !Number.isInteger(number))) return [];
  return [setFix(path, number, `Write ${value.trim()} as a number`)];
}

function valueMessage(path: JsonPath, errors: readonly ErrorObject[]): string {
  const got = ` (got ${show(errors[0].data)})`;
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  if (anyOf !== undefined) return `${where(path)} must be ${describe(anyOf.parentSchema as Schema)}${got}`;
  const error = errors.find((e) => e.keyword === 'type') ?? errors[0];
  const schemaHere = error.parentSchema as Schema;
  switch (error.keyword) {
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const value = String(error.data);
      const alias = ALIASES.map((aliases) => aliases[value]).find((target) => target !== undefined && allowed.includes(target));
      const match = alias ?? closest(value, allowed);
      return `${where(path)} must be ${listOf(allowed)}${got}${match !== undefined ? ` — did you mean "${match}"?` : ''}`;
    }
    case 'const':
      return `${where(path)} must be ${show(error.params.allowedValue)}${got}`;
    case 'pattern':
      return `${where(path)} ${schemaHere.patternErrorMessage ?? `must match ${schemaHere.pattern ?? ''}`}${got}`;
    case 'minLength':
      return `${where(path)} must not be empty`;
    case 'minItems':
      return `${where(path)} needs at least ${String(error.params.limit)} item${error.params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${where(path)} takes at most ${String(error.params.limit)} items${got}`;
    default:
      // type, minimum, maximum, exclusive…: state the whole constraint once.
      return `${where(path)} must be ${describe(schemaHere)}${got}`;
  }
}

/** "an integer ≥ 1", "a number > 0 and < 1", "a list of integers ≥ 1", … */
export function describe(s: Schema): string {
  if (s.$ref !== undefined) return describe(resolveRef(s.$ref));
  if (s.anyOf !== undefined) {
    // A plain-type branch beside enums of that type: the enums are only suggestions.
    const plain = s.anyOf.find((branch) => Object.keys(branch).length === 1 && branch.type !== undefined);
    if (plain !== undefined) return describe(plain);
    return s.anyOf.map(describe).join(' or ');
  }
  if (s.enum !== undefined) return listOf(s.enum.map(String));
  if (s.const !== undefined) return show(s.const);
  const types = s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : s.type;
  const names = types.map((type) => {
    switch (type) {
      case 'integer':
        return 'an integer';
      case 'number':
        return 'a number';
      case 'string':
        return 'a string';
      case 'boolean':
        return 'true or false';
      case 'null':
        return 'null';
      case 'object':
        return 'an object';
      case 'array': {
        const size = s.minItems !== undefined && s.maxItems !== undefined ? `${s.minItems} to ${s.maxItems} ` : '';
        return s.items === undefined ? 'a list' : `a list of ${size}${plural(describe(s.items))}`;
      }
      default:
        return type;
    }
  });
  const bounds: string[] = [];
  if (s.minimum !== undefined) bounds.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) bounds.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) bounds.push(`< ${s.exclusiveMaximum}`);
  return `${names.join(' or ') || 'a value'}${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}`;
}

function plural(description: string): string {
  return description.replace(/^an? (integer|number|string|object)/, '$1s').replace(/^a list/, 'lists');
}

/** The schema a local `#/definitions/…` reference points to (an empty schema if none). */
function resolveRef(ref: string): Schema {
  let node: unknown = schema;
  for (const segment of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown> | undefined)?.[segment];
  return (node ?? {}) as Schema;
}

/** `"training.epochs"`, `"model.layers[0].units"`, or "the model file" for the root. */
export function where(path: JsonPath): string {
  if (path.length === 0) return 'the model file';
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  return `"${text}"`;
}

function listOf(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length === 1) return quoted[0];
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`;
  return `one of ${quoted.join(', ')}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function propertyHint(parent: Schema | undefined, key: string): string {
  const property = parent?.properties?.[key];
  const description = property?.description ?? (property?.$ref === undefined ? undefined : resolveRef(property.$ref).description);
  if (description === undefined) return '';
  // The first sentence: up to ". " before a capital ("e.g. " does not end it) or ";".
  const first = description.split(/\.\s+(?=[A-Z])|;/)[0].replace(/\.$/, '');
  return ` — ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function firstCharacter(range: Range): Range {
  return { start: range.start, end: { line: range.start.line, character: range.start.character + 1 } };
}

/** A JSON pointer from ajv as a path, with array indices as numbers. */
function toPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(node) ? Number(segment) : segment;
    path.push(key);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return path;
}
