import { createReadStream } from 'node:fs';
import { DataError, dataError } from './dataError';
import { checkDataFile, DataTextDecoder, fileError } from './dataFile';
import { MAX_CSV_BYTES, MAX_VALUES } from './limits';
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
import { CsvStreamParser, parseCsv, type CsvRow } from './csvParser';

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

/** The header and the first records of a CSV file, as text; `complete` when the file holds no more. */
export interface CsvSample {
  readonly columns: string[];
  readonly rows: readonly CsvRow[];
  readonly complete: boolean;
}

/** Reads the header and up to `maxRows` records of a CSV file, stopping there (New Model from Data… infers from them). */
export async function readCsvSample(file: string, maxRows: number): Promise<CsvSample> {
  let header: CsvRow | undefined;
  const rows: CsvRow[] = [];
  let more = false;
  await streamCsv(
    file,
    (fields, line) => {
      if (header === undefined) header = { fields, line };
      else if (rows.length < maxRows) rows.push({ fields, line });
      else more = true;
    },
    { until: () => more },
  );
  if (header === undefined) throw dataError(file, 1, 'the file is empty, expected a header row with column names');
  return { columns: checkHeader(header.fields, file, header.line), rows, complete: !more };
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
export async function streamCsv(
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
