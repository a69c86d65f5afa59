import { withDefaults } from './modelDefaults';

/**
 * Whether two parsed model specs say the same thing: equal as JSON once
 * object keys are sorted, so comments, formatting, key order and JSON vs
 * YAML make no difference (arrays keep their order: layer order matters).
 * `undefined` (a file that does not parse) equals nothing. With the model
 * file's path, both are compared with their defaults filled in: a run's
 * spec.json holds them, the file that it came from may leave them out.
 */
export function sameSpec(a: unknown, b: unknown, modelFile?: string): boolean {
  if (a === undefined || b === undefined) return false;
  if (modelFile !== undefined) return canonicalJson(withDefaults(a, modelFile).spec) === canonicalJson(withDefaults(b, modelFile).spec);
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
