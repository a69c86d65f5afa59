/** The checks every guard of untrusted JSON (IPC messages, run files) is built from. */

export type Fields = Record<string, unknown>;

export function isObject(x: unknown): x is Fields {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isString(x: unknown): x is string {
  return typeof x === 'string';
}

/** Finite numbers only. */
export function isNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
