import { BACKEND_CHOICES, BACKEND_NAMES } from './runTypes';
import { MAX_THREADS } from './threads';

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

export function isArrayOf(x: unknown, guard: (item: unknown) => boolean): x is unknown[] {
  return Array.isArray(x) && x.every(guard);
}

export function isOptional(x: unknown, guard: (value: unknown) => boolean): boolean {
  return x === undefined || guard(x);
}

export function isOneOf<T extends string>(values: readonly T[]): (x: unknown) => x is T {
  return (x: unknown): x is T => typeof x === 'string' && (values as readonly string[]).includes(x);
}

/**
 * The guard of a union of messages told apart by `type`: one check per
 * type, given the message's fields. A type added to the union does not
 * compile until it has its check; an unknown or inherited `type`
 * (`toString`, `__proto__`) fails.
 */
export function isMessageOf<M extends { readonly type: string }>(checks: { readonly [T in M['type']]: (x: Fields) => boolean }): (
  x: unknown,
) => x is M {
  return (x: unknown): x is M =>
    isObject(x) && typeof x.type === 'string' && Object.hasOwn(checks, x.type) && checks[x.type as M['type']](x);
}

export const isBackendName = isOneOf(BACKEND_NAMES);
export const isBackendChoice = isOneOf(BACKEND_CHOICES);

/** A wasm thread count: a whole number 1…MAX_THREADS (threads.ts). */
export function isThreadCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= MAX_THREADS;
}
