import { dataError } from './dataError';
import { didYouMean } from './suggest';

/**
 * A table read from CSV or JSON: every column but the label is a numeric
 * feature, in header (or first-record) order.
 */
export interface TableData {
  readonly featureNames: readonly string[];
  readonly count: number;
  /** [count, featureNames.length], row-major. */
  readonly x: Float32Array;
  /** Class names as written (`'string'`) or target values (`'number'`). */
  readonly labels: readonly string[] | Float32Array;
}

/** Classification keeps labels as strings (class names); regression needs numbers. */
export type LabelKind = 'string' | 'number';

/** Reads one feature cell; a blank or non-numeric cell is an error naming the line and column. */
export function parseNumberCell(cell: string, file: string, line: number, column: string): number {
  // Fast path for the common case, a number without surrounding blanks (a
  // big table has tens of millions of cells): Number('') is 0, hence the
  // length test; everything else takes the careful path below.
  const simple = parseSimpleDecimal(cell);
  if (simple === simple) return simple;
  if (cell.length > 0 && cell.charCodeAt(0) > 0x20 && cell.charCodeAt(cell.length - 1) > 0x20) {
    const value = Number(cell);
    if (value - value === 0) return value;
  }
  const trimmed = cell.trim();
  if (trimmed === '') {
    throw dataError(file, line, `column "${column}" is empty, expected a number (missing values are not supported: fill in or drop the row)`, column);
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    throw dataError(file, line, `column "${column}" is ${quote(cell)}, expected a number`, column);
  }
  return value;
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * `Number(text)` for the common shape of a CSV cell — an optional `-`,
 * digits, an optional `.` and digits, at most 15 digits in all — else NaN.
 * About ten times faster than `Number` on such text, and exactly equal to
 * it: the digits form an integer below 2^53 and 10^k (k ≤ 15) is exact, so
 * their one IEEE division is correctly rounded, as `Number` is (Clinger's
 * fast path).
 */
export function parseSimpleDecimal(text: string): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 0x2d ? 1 : 0;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c >= 0 && c <= 9) {
      mantissa = mantissa * 10 + c;
      digits++;
    } else if (c === -2 && fraction < 0) {
      // '.'
      fraction = digits;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[digits - fraction];
  return text.charCodeAt(0) === 0x2d ? -value : value;
}

/** Reads one label cell: a class name (any non-empty text) or a numeric target. */
export function parseLabelCell(cell: string, kind: LabelKind, file: string, line: number, column: string): string | number {
  if (kind === 'number') return parseNumberCell(cell, file, line, column);
  const trimmed = cell.trim();
  if (trimmed === '') throw dataError(file, line, `label column "${column}" is empty`, column);
  return trimmed;
}

/** The index of the label column, or an error listing the columns there are. */
export function labelIndex(columns: readonly string[], label: string, file: string, line = 1): number {
  const index = columns.indexOf(label);
  if (index === -1) {
    throw dataError(file, line, `no label column "${label}"${didYouMean(label, columns)} (columns: ${columns.join(', ')})`, label);
  }
  return index;
}

/** Shows a cell in a message: quoted, cut short when long. */
export function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return JSON.stringify(short);
}

/**
 * A Float32Array that grows as values are pushed, for row counts not known
 * up front. Reserve the expected size when it can be estimated: growing
 * copies, and holds the old and the new buffer at once while it does.
 */
export class FloatBuilder {
  private buffer: Float32Array;
  private size = 0;

  constructor(capacity = 1024) {
    this.buffer = new Float32Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.size === this.buffer.length) this.grow(this.buffer.length * 2);
    this.buffer[this.size++] = value;
  }

  /** Makes room for `capacity` values in all (no-op when there is room already). */
  reserve(capacity: number): void {
    if (capacity > this.buffer.length) this.grow(capacity);
  }

  /**
   * The values pushed, trimmed to size: the buffer itself when full, a view
   * of it when the spare room is at most an eighth (no copy, so no second
   * peak of memory on a big table), else a copy.
   */
  finish(): Float32Array {
    if (this.size === this.buffer.length) return this.buffer;
    return this.buffer.length - this.size <= this.buffer.length / 8 ? this.buffer.subarray(0, this.size) : this.buffer.slice(0, this.size);
  }

  private grow(capacity: number): void {
    const grown = new Float32Array(capacity);
    grown.set(this.buffer.subarray(0, this.size));
    this.buffer = grown;
  }
}
