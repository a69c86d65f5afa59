import { createReadStream } from 'node:fs';
import { DataError, dataError } from './dataError';
import { checkDataFile, DataTextDecoder, fileError, lineAtEnd } from './dataFile';
import { MAX_CSV_BYTES, MAX_RECORD_CHARS, MAX_VALUES, showSize } from './limits';
import { quote } from './showText';
import {
  checkColumnName,
  checkValueCount,
  FloatBuilder,
  labelIndex,
  parseLabelCell,
  parseNumberCell,
  type LabelKind,
  type TableData,
} from './table';

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

/** Trimmed column names of a header row; empty or repeated names are errors. */
export function checkHeader(fields: readonly string[], file: string, line: number): string[] {
  const names = fields.map((name) => name.trim());
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (name === '') throw dataError(file, line, `column ${index + 1} of the header has no name`);
    checkColumnName(name, index, file, line);
    if (seen.has(name)) throw dataError(file, line, `column ${quote(name)} appears twice in the header`, name);
    seen.add(name);
  });
  return names;
}

/**
 * The column names of a CSV file, reading only as far as the end of the
 * header record (a few KB), so validation stays cheap on big files.
 */
export async function readCsvHeader(file: string): Promise<string[]> {
  let header: CsvRow | undefined;
  await streamCsv(file, (fields, line) => void (header ??= { fields, line }), { until: () => header !== undefined });
  if (header === undefined) throw dataError(file, 1, 'the file is empty, expected a header row with column names');
  return checkHeader(header.fields, file, header.line);
}

/** Options for reading a table file. */
export interface TableReadOptions {
  /**
   * Reading progress: bytes read so far and the file's size. Called at most
   * once per {@link PROGRESS_STEP} bytes, and once at the end with
   * `bytesRead === totalBytes`, so a caller can pass each call on.
   */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Bytes per read (tests use tiny pieces). */
  readonly chunkSize?: number;
}

/**
 * 64 KiB reads: each piece becomes a short-lived string that dies young;
 * pieces of a MiB would go to V8's large-object space and linger until a
 * full collection, adding tens of MB to the peak on a big file.
 */
const CHUNK_SIZE = 64 * 1024;

/** Progress is reported every this many bytes (about 200 calls for a 200 MB file). */
export const PROGRESS_STEP = 1024 * 1024;

/**
 * Reads a CSV file as a table: the header names the columns, `label` is the
 * label column, all others are numeric features. The file is streamed, so
 * memory holds the numbers (4 bytes a cell, sized from the first piece)
 * and one piece of text, never the whole text. Throws DataError naming the
 * file and line.
 */
export async function readCsvTable(file: string, label: string, labelKind: LabelKind, options: TableReadOptions = {}): Promise<TableData> {
  const table = new CsvTableBuilder(file, label, labelKind);
  await streamCsv(file, (fields, line) => table.add(fields, line), {
    ...options,
    onPiece: (bytesRead, totalBytes) => table.reserve(bytesRead, totalBytes),
  });
  return table.finish();
}

/**
 * Feeds the records of a CSV file to `onRecord`, reading it in pieces.
 * `onPiece` runs after each piece is parsed; reading ends early once
 * `until` says so. Throws DataError.
 */
async function streamCsv(
  file: string,
  onRecord: (fields: string[], line: number) => void,
  options: TableReadOptions & { readonly onPiece?: (bytesRead: number, totalBytes: number) => void; readonly until?: () => boolean },
): Promise<void> {
  const totalBytes = await checkDataFile(file, MAX_CSV_BYTES, 'a CSV file');
  const { onProgress, onPiece, until } = options;
  const parser = new CsvStreamParser(file, onRecord);
  const decoder = new DataTextDecoder(file);
  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? CHUNK_SIZE });
  let bytesRead = 0;
  let reported = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      parser.write(decoder.write(chunk));
      decoder.throwIfStopped(() => parser.lineAtEnd());
      if (until?.() === true) return;
      onPiece?.(bytesRead, totalBytes);
      if (onProgress !== undefined && bytesRead - reported >= PROGRESS_STEP && bytesRead < totalBytes) {
        reported = bytesRead;
        onProgress(bytesRead, totalBytes);
      }
    }
  } catch (error) {
    throw error instanceof DataError ? error : fileError(error, file);
  }
  // The file may have changed size since stat: the last call says "done" either way.
  onProgress?.(bytesRead, bytesRead);
  parser.write(decoder.end());
  decoder.throwIfStopped(() => parser.lineAtEnd());
  parser.end();
}

/**
 * The 1-based line of each wanted data row (0-based, header not counted, as
 * {@link readCsvTable} numbers its rows): evaluation names the file and
 * line of its worst predictions without keeping a line for every row.
 */
export async function csvRowLines(file: string, rows: Iterable<number>): Promise<Map<number, number>> {
  const wanted = new Set(rows);
  const lines = new Map<number, number>();
  let row = -1; // the header is record -1
  await streamCsv(
    file,
    (_fields, line) => {
      if (wanted.has(row)) lines.set(row, line);
      row++;
    },
    {},
  );
  return lines;
}

/** {@link readCsvTable} on text already in memory. */
export function csvTable(text: string, file: string, label: string, labelKind: LabelKind): TableData {
  const table = new CsvTableBuilder(file, label, labelKind);
  for (const { fields, line } of parseCsv(text, file)) table.add(fields, line);
  return table.finish();
}

/** Turns CSV records (header first) into a {@link TableData}, one record at a time. */
class CsvTableBuilder {
  private columns: string[] | undefined;
  private labelAt = -1;
  private headerLine = 1;
  private readonly x = new FloatBuilder();
  private readonly numberLabels = new FloatBuilder();
  private readonly stringLabels: string[] = [];
  /** One string per class name, so a million labels share a few strings. */
  private readonly classNames = new Map<string, string>();
  private count = 0;
  private reserved = false;

  constructor(
    private readonly file: string,
    private readonly label: string,
    private readonly labelKind: LabelKind,
  ) {}

  add(fields: string[], line: number): void {
    const { file, columns, labelAt } = this;
    if (columns === undefined) {
      this.columns = checkHeader(fields, file, line);
      this.headerLine = line;
      this.labelAt = labelIndex(this.columns, this.label, file, line);
      return;
    }
    if (fields.length !== columns.length) {
      throw dataError(file, line, `found ${fields.length} fields, but the header has ${columns.length} columns`);
    }
    checkValueCount((this.count + 1) * (columns.length - 1), file, line);
    for (let j = 0; j < fields.length; j++) {
      if (j !== labelAt) this.x.push(parseNumberCell(fields[j], file, line, columns[j]));
    }
    const value = parseLabelCell(fields[labelAt], this.labelKind, file, line, this.label);
    if (typeof value === 'number') this.numberLabels.push(value);
    else this.stringLabels.push(this.className(value));
    this.count++;
  }

  /**
   * Sizes the arrays for the whole file, once, from the rows seen in its
   * first `bytesSeen` bytes: growing by copying would hold the old and the
   * new array at once.
   */
  reserve(bytesSeen: number, totalBytes: number): void {
    if (this.reserved || this.count === 0 || this.columns === undefined || bytesSeen >= totalBytes) return;
    this.reserved = true;
    // A little over the estimate: rows further down may be shorter.
    const width = this.columns.length - 1;
    const rows = Math.min(Math.ceil(((this.count * totalBytes) / bytesSeen) * 1.05) + 16, Math.floor(MAX_VALUES / width));
    this.x.reserve(rows * width);
    if (this.labelKind === 'number') this.numberLabels.reserve(rows);
  }

  finish(): TableData {
    // Lines for a person to look at: line 1 of an empty file, the header of a table with no rows.
    if (this.columns === undefined) throw dataError(this.file, 1, 'the file is empty, expected a header row with column names');
    if (this.count === 0) throw noRows(this.file, this.headerLine);
    return {
      featureNames: this.columns.filter((_, index) => index !== this.labelAt),
      count: this.count,
      x: this.x.finish(),
      labels: this.labelKind === 'number' ? this.numberLabels.finish() : this.stringLabels,
    };
  }

  private className(name: string): string {
    let shared = this.classNames.get(name);
    if (shared === undefined) {
      // A copy: a slice of a piece of the file could keep the whole piece alive.
      shared = Buffer.from(name, 'utf8').toString('utf8');
      this.classNames.set(shared, shared);
    }
    return shared;
  }
}

function noRows(file: string, headerLine: number): DataError {
  return dataError(file, headerLine, 'the file has a header but no rows of data: add rows below it');
}
