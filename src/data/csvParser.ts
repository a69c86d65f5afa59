import { dataError } from './dataError';
import { lineAtEnd } from './dataFile';
import { MAX_RECORD_CHARS, showSize } from './limits';

// RFC 4180 CSV text into records, whole or streamed in chunks, with the line each starts on (csv.ts reads files with it).

/** One record of a CSV file; `line` is the 1-based line it starts on. */
export interface CsvRow {
  readonly fields: string[];
  readonly line: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;

/**
 * Yields the records of RFC 4180 CSV text: comma-separated, CRLF or LF line
 * ends, fields in double quotes may hold commas, newlines and `""` for a
 * quote. A leading BOM is skipped and blank lines are ignored. `file` only
 * names the file in errors.
 */
export function* parseCsv(text: string, file: string): Generator<CsvRow> {
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const record = scanRecord(text, i, line, true, file) as ScannedRecord;
    if (!isBlank(record.fields)) yield { fields: record.fields, line };
    i = record.next;
    line = record.nextLine;
  }
}

/**
 * The same records as {@link parseCsv}, from text that arrives in pieces
 * (a file read as a stream): `write` each piece, then `end`. A record is
 * passed on once it is complete, so quotes, `""` and CRLF may be split
 * anywhere between pieces. Memory: the unfinished last record only.
 */
export class CsvStreamParser {
  private pending = '';
  /** Line on which `pending` starts. */
  private line = 1;
  private started = false;
  /**
   * After a record did not fit in `pending`, scanning again pays only once
   * `pending` has doubled: a record longer than many pieces (a huge quoted
   * field) is then scanned O(log n) times, not once per piece.
   */
  private retryAt = 0;

  constructor(
    private readonly file: string,
    private readonly onRecord: (fields: string[], line: number) => void,
  ) {}

  write(piece: string): void {
    if (piece === '') return;
    this.pending = this.pending === '' ? piece : this.pending + piece;
    if (!this.started) {
      this.started = true;
      if (this.pending.charCodeAt(0) === BOM) this.pending = this.pending.slice(1);
    }
    if (this.pending.length >= this.retryAt || this.pending.length > MAX_RECORD_CHARS) this.drain(false);
    // After a drain only the unfinished last record is pending.
    if (this.pending.length > MAX_RECORD_CHARS) {
      throw dataError(
        this.file,
        this.line,
        `a record runs over ${showSize(MAX_RECORD_CHARS)} without ending: is this a CSV table? (each line holds one example)`,
      );
    }
  }

  /** The line the text passed in so far ends on. */
  lineAtEnd(): number {
    return lineAtEnd(this.pending, this.line);
  }

  /** Passes on the last record; throws DataError if it is broken (an unclosed quote). */
  end(): void {
    this.drain(true);
  }

  private drain(final: boolean): void {
    const text = this.pending;
    let i = 0;
    let line = this.line;
    while (i < text.length) {
      const record = scanRecord(text, i, line, final, this.file);
      if (record === undefined) break;
      if (!isBlank(record.fields)) this.onRecord(record.fields, line);
      i = record.next;
      line = record.nextLine;
    }
    this.pending = i === 0 ? text : text.slice(i);
    this.line = line;
    this.retryAt = 2 * this.pending.length;
  }
}

interface ScannedRecord {
  readonly fields: string[];
  /** Offset just after the record's line break. */
  readonly next: number;
  /** Line on which the next record starts. */
  readonly nextLine: number;
}

function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && fields[0] === '';
}

/**
 * Reads the record starting at `start` (on line `line`). Unless `final`,
 * returns undefined when `text` ends before the record surely does: without
 * a line break (also inside quotes, or right after a quote, which may be the
 * first of `""`), or right after a CR (an LF may follow).
 */
function scanRecord(text: string, start: number, line: number, final: boolean, file: string): ScannedRecord | undefined {
  const n = text.length;
  const fields: string[] = [];
  let i = start;
  for (;;) {
    let field: string;
    if (text.charCodeAt(i) === QUOTE) {
      const quoteLine = line;
      let from = ++i;
      field = '';
      for (;;) {
        const close = text.indexOf('"', i);
        if (close === -1) {
          if (!final) return undefined;
          throw dataError(file, quoteLine, 'a quoted field is never closed (missing ")');
        }
        line += countLineBreaks(text, i, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          // "" inside quotes is one literal quote.
          field += text.slice(from, close + 1);
          i = from = close + 2;
          continue;
        }
        field += text.slice(from, close);
        i = close + 1;
        break;
      }
      const next = text.charCodeAt(i);
      if (i < n && next !== COMMA && next !== CR && next !== LF) {
        throw dataError(file, line, 'unexpected text after a closing quote (write a quote inside a quoted field as "")');
      }
    } else {
      const from = i;
      for (let c = text.charCodeAt(i); i < n && c !== COMMA && c !== LF && c !== CR; c = text.charCodeAt(++i));
      field = text.slice(from, i);
    }
    fields.push(field);
    if (i >= n) {
      if (!final) return undefined;
      return { fields, next: i, nextLine: line };
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === CR && i + 1 === n && !final) return undefined;
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    return { fields, next: i, nextLine: line + 1 };
  }
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}
