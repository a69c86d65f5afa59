import type { JsonPath, JsonValue } from './jsonTypes';

/** What both model-file editors share (editModelFile.ts): the edits, their error, and text helpers. */

/** A replacement of `length` characters at `offset` (UTF-16 code units, as VS Code counts). */
export interface TextEdit {
  readonly offset: number;
  readonly length: number;
  readonly newText: string;
}

export type ModelFileEdit =
  /** Sets the value at `path`, adding the key (and missing parent objects) when absent. */
  | { readonly kind: 'set'; readonly path: JsonPath; readonly value: JsonValue }
  /** Removes a property or an array item; nothing when absent. */
  | { readonly kind: 'remove'; readonly path: JsonPath }
  /** Inserts `value` into the array at `path` before `index` (`index` = length appends). */
  | { readonly kind: 'insert'; readonly path: JsonPath; readonly index: number; readonly value: JsonValue }
  /** Moves item `from` of the array at `path` to position `to`; the items in between shift. */
  | { readonly kind: 'move'; readonly path: JsonPath; readonly from: number; readonly to: number };

/** The edit cannot be made on this text (a path through a scalar, a syntax error in the way). */
export class ModelEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelEditError';
  }
}

/** Applies non-overlapping edits (any order). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const e of [...edits].sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, e.offset) + e.newText + result.slice(e.offset + e.length);
  }
  return result;
}

export function isPlainObject(value: JsonValue | undefined): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` under the keys `rest`: nest(['a', 'b'], 1) is { a: { b: 1 } }. */
export function nest(rest: JsonPath, value: JsonValue): JsonValue {
  let result = value;
  for (let i = rest.length - 1; i >= 0; i--) {
    const segment = rest[i];
    if (typeof segment === 'number') throw new ModelEditError(`cannot create list item ${segment}: the list does not exist`);
    result = { [segment]: result };
  }
  return result;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The new order of indices when item `from` moves to `to`. */
export function movedOrder(length: number, from: number, to: number): number[] {
  const order = Array.from({ length }, (_, i) => i);
  const [item] = order.splice(from, 1);
  order.splice(to, 0, item);
  return order;
}

/** Line arithmetic over one text, with its own line break style. */
export class Lines {
  readonly eol: string;

  constructor(readonly text: string) {
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Offset of the line break ending the line of `offset` (or the end of the text). */
  lineEnd(offset: number): number {
    const n = this.text.indexOf('\n', offset);
    if (n < 0) return this.text.length;
    return n > 0 && this.text[n - 1] === '\r' ? n - 1 : n;
  }

  /** Start of the line after the line of `offset` (the end of the text on the last line). */
  nextLineStart(offset: number): number {
    const n = this.text.indexOf('\n', offset);
    return n < 0 ? this.text.length : n + 1;
  }

  /** The whitespace that starts the line of `offset`. */
  indentOf(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start, offset))?.[0] ?? '';
  }

  /** Only whitespace between the start of the line and `offset`. */
  firstOnLine(offset: number): boolean {
    return /^[ \t]*$/.test(this.text.slice(this.lineStart(offset), offset));
  }
}
