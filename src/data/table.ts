import { dataError } from './dataError';
import { MAX_VALUES, tooManyValues } from './limits';
import { hasControlCharacter, listNames, quote } from './showText';
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

/**
 * A number as written in a data file: decimal, optionally with an exponent
 * (`-1.5`, `.5`, `2e-3`). `Number()` would also take `0x1F`, `0b11`, `0o17`
 * and `Infinity`, which a table column never means.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads one feature cell; a blank or non-numeric cell is an error naming the line and column. */
export function parseNumberCell(cell: string, file: string, line: number, column: string): number {
  // Fast path for the common case, a plain decimal (a big table has tens
  // of millions of cells); everything else takes the careful path below.
  const simple = parseSimpleDecimal(cell);
  if (simple === simple) return simple;
  const trimmed = cell.trim();
  if (trimmed === '') {
    throw dataError(
      file,
      line,
      `column ${quote(column)} is empty, expected a number (missing values are not supported: fill in or drop the row)`,
      column,
    );
  }
  const value = DECIMAL.test(trimmed) ? Number(trimmed) : NaN;
  if (Number.isNaN(value)) {
    const hint = /^[+-]?0[xXbBoO]/.test(trimmed) ? ' (write numbers in decimal)' : '';
    throw dataError(file, line, `column ${quote(column)} is ${quote(cell)}, expected a number${hint}`, column);
  }
  return checkFloat32(value, file, line, column, () => `column ${quote(column)} is ${trimmed}`);
}

/**
 * `value` as training will hold it: float32, whose largest value is about
 * 3.4e38. A bigger one would become Infinity there — and NaN losses and
 * normalisation statistics after it — so it is an error here, where the
 * file and line are known. `shown` (`column "a" is 3.5e38`) is asked only
 * then: building it for every cell would cost more than the check.
 */
export function checkFloat32(value: number, file: string, line: number, field: string, shown: () => string): number {
  if (Number.isFinite(Math.fround(value))) return value;
  throw dataError(
    file,
    line,
    `${shown()}, beyond float32's range (±3.4e38), the precision training computes in: rescale the values`,
    field,
  );
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
  if (trimmed === '') throw dataError(file, line, `label column ${quote(column)} is empty`, column);
  return checkClassName(trimmed, file, line, column, () => `label column ${quote(column)}`);
}

/** A class name shows in tables, charts and the terminal: control characters in it (an escape sequence) are refused. */
export function checkClassName(
  name: string,
  file: string,
  line: number | undefined,
  field: string | undefined,
  what: () => string,
): string {
  if (!hasControlCharacter(name)) return name;
  throw dataError(file, line, `${what()} is ${quote(name)}, which holds a control character: class names must be plain text`, field);
}

/** The index of the label column, or an error listing the columns there are; a table of the label alone is an error too. */
export function labelIndex(columns: readonly string[], label: string, file: string, line = 1): number {
  const index = columns.indexOf(label);
  if (index === -1) {
    const tabs =
      columns.length === 1 && columns[0].includes('\t') ? '; is the file tab-separated? Model Studio reads comma-separated values' : '';
    throw dataError(
      file,
      line,
      `no label column ${quote(label)}${didYouMean(label, columns)} (columns: ${listNames(columns)})${tabs}`,
      label,
    );
  }
  if (columns.length === 1) throw dataError(file, line, `has no feature columns, only the label column ${quote(label)}`, label);
  return index;
}

/** Column names show in messages, the evaluation table and the CLI: control characters in one (an escape sequence) are refused. */
export function checkColumnName(name: string, index: number, file: string, line: number): void {
  if (hasControlCharacter(name))
    throw dataError(
      file,
      line,
      `column ${index + 1} of the header is ${quote(name)}, which holds a control character: column names must be plain text`,
    );
}

/** Throws unless `count` values (so far, at `line`) stay within {@link MAX_VALUES}. */
export function checkValueCount(count: number, file: string, line?: number): void {
  if (count > MAX_VALUES)
    throw dataError(file, line, `${line === undefined ? 'holds' : 'the rows up to this line hold'} ${tooManyValues(count)}`);
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
