import schema from './model-file.schema.json';
import type { FieldControl } from './formModel';
import type { JsonSchema } from './jsonTypes';

/** The form's view of the model file's JSON Schema, and the control each key gets (formModel.ts). */

export type Schema = JsonSchema;

export const ROOT = schema as unknown as Schema & { definitions: Record<string, Schema> };

export function resolve(s: Schema | undefined): Schema {
  if (s === undefined) return {};
  if (s.$ref !== undefined) return resolve(ROOT.definitions[s.$ref.replace('#/definitions/', '')]);
  if (s.allOf !== undefined && s.allOf.length === 1) return { ...resolve(s.allOf[0]), description: s.description };
  return s;
}

export function types(s: Schema): readonly string[] {
  return s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : s.type;
}

// ---------------------------------------------------------------- controls

/** What the arrows of a number field add: 1 for integers and degrees, a tenth of a fraction's range, else the value's order of magnitude. */
export function stepFor(key: string, s: Schema, value: unknown): number {
  // Whole degrees: data.augment.rotate.
  if (types(s).includes('integer') || key === 'rotate') return 1;
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
    // A list cannot offer an object (a regularizer's { "l1": …, "l2": … }): JSON can.
    if (s.anyOf.some((b) => types(b).includes('object'))) return { kind: 'json' };
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
    return {
      kind: 'number',
      integer: t[0] === 'integer',
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      step: stepFor(key, s, value),
    };
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
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
