/**
 * Whether two parsed model specs say the same thing: equal as JSON once
 * object keys are sorted, so comments, formatting, key order and JSON vs
 * YAML make no difference (arrays keep their order: layer order matters).
 * `undefined` (a file that does not parse) equals nothing.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
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
