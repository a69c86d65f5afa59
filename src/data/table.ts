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

/** A Float32Array that grows by doubling, for row counts not known up front. */
export class FloatBuilder {
  private buffer: Float32Array;
  private size = 0;

  constructor(capacity = 1024) {
    this.buffer = new Float32Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.size === this.buffer.length) {
      const grown = new Float32Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.size++] = value;
  }

  /** The values pushed, trimmed to size (a copy only when there is spare room). */
  finish(): Float32Array {
    return this.size === this.buffer.length ? this.buffer : this.buffer.slice(0, this.size);
  }
}
