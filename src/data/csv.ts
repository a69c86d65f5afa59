import { promises as fs } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { DataError, dataError } from './dataError';
import { FloatBuilder, labelIndex, parseLabelCell, parseNumberCell, type LabelKind, type TableData } from './table';

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
  const n = text.length;
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        let start = ++i;
        field = '';
        for (;;) {
          const close = text.indexOf('"', i);
          if (close === -1) throw dataError(file, quoteLine, 'a quoted field is never closed (missing ")');
          line += countLineBreaks(text, i, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            // "" inside quotes is one literal quote.
            field += text.slice(start, close + 1);
            i = start = close + 2;
            continue;
          }
          field += text.slice(start, close);
          i = close + 1;
          break;
        }
        const next = text.charCodeAt(i);
        if (i < n && next !== COMMA && next !== CR && next !== LF) {
          throw dataError(file, line, 'unexpected text after a closing quote (write a quote inside a quoted field as "")');
        }
      } else {
        const start = i;
        for (let c = text.charCodeAt(i); i < n && c !== COMMA && c !== LF && c !== CR; c = text.charCodeAt(++i));
        field = text.slice(start, i);
      }
      fields.push(field);
      if (i >= n) break;
      if (text.charCodeAt(i) === COMMA) {
        i++;
        continue;
      }
      i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (fields.length > 1 || fields[0] !== '') yield { fields, line: rowLine };
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
    if (seen.has(name)) throw dataError(file, line, `column "${name}" appears twice in the header`, name);
    seen.add(name);
  });
  return names;
}

/**
 * The column names of a CSV file, reading only as far as the end of the
 * header record (a few KB), so validation stays cheap on big files.
 */
export async function readCsvHeader(file: string): Promise<string[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    throw fileError(error, file);
  }
  try {
    const decoder = new StringDecoder('utf8');
    const chunk = Buffer.alloc(64 * 1024);
    let text = '';
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      text += bytesRead === 0 ? decoder.end() : decoder.write(chunk.subarray(0, bytesRead));
      const end = endOfFirstRecord(text);
      if (end !== -1 || bytesRead === 0) {
        const first = parseCsv(end === -1 ? text : text.slice(0, end), file).next();
        if (first.done) throw dataError(file, undefined, 'the file is empty, expected a header row with column names');
        return checkHeader(first.value.fields, file, first.value.line);
      }
    }
  } finally {
    await handle.close();
  }
}

/** Index of the line break ending the first non-blank record, or -1 if not in `text` yet. */
function endOfFirstRecord(text: string): number {
  let inQuotes = false;
  let seenContent = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      inQuotes = !inQuotes;
      seenContent = true;
    } else if (inQuotes) {
      continue;
    } else if (c === LF || c === CR) {
      if (seenContent) return i;
    } else if (c !== BOM) {
      seenContent = true;
    }
  }
  return -1;
}

/**
 * Reads a whole CSV file as a table: the header names the columns, `label`
 * is the label column, all others are numeric features.
 */
export async function readCsvTable(file: string, label: string, labelKind: LabelKind): Promise<TableData> {
  return csvTable(await readText(file), file, label, labelKind);
}

/** {@link readCsvTable} on text already in memory. */
export function csvTable(text: string, file: string, label: string, labelKind: LabelKind): TableData {
  const rows = parseCsv(text, file);
  const first = rows.next();
  if (first.done) throw dataError(file, undefined, 'the file is empty, expected a header row with column names');
  const columns = checkHeader(first.value.fields, file, first.value.line);
  const labelAt = labelIndex(columns, label, file, first.value.line);
  const featureNames = columns.filter((_, index) => index !== labelAt);
  const x = new FloatBuilder();
  const stringLabels: string[] = [];
  const numberLabels = new FloatBuilder();
  let count = 0;
  for (const { fields, line } of rows) {
    if (fields.length !== columns.length) {
      throw dataError(file, line, `found ${fields.length} fields, but the header has ${columns.length} columns`);
    }
    for (let j = 0; j < fields.length; j++) {
      if (j === labelAt) continue;
      x.push(parseNumberCell(fields[j], file, line, columns[j]));
    }
    const value = parseLabelCell(fields[labelAt], labelKind, file, line, label);
    if (typeof value === 'number') numberLabels.push(value);
    else stringLabels.push(value);
    count++;
  }
  if (count === 0) throw dataError(file, undefined, 'the file has a header but no rows of data');
  return { featureNames, count, x: x.finish(), labels: labelKind === 'number' ? numberLabels.finish() : stringLabels };
}

/**
 * The label column only, for counting classes during validation without
 * converting every feature cell.
 */
export function csvLabels(text: string, file: string, label: string): string[] {
  const rows = parseCsv(text, file);
  const first = rows.next();
  if (first.done) return [];
  const columns = checkHeader(first.value.fields, file, first.value.line);
  const labelAt = labelIndex(columns, label, file, first.value.line);
  const labels: string[] = [];
  for (const { fields, line } of rows) {
    if (fields.length !== columns.length) {
      throw dataError(file, line, `found ${fields.length} fields, but the header has ${columns.length} columns`);
    }
    labels.push(parseLabelCell(fields[labelAt], 'string', file, line, label) as string);
  }
  return labels;
}

/** Reads a UTF-8 text file, turning a missing file into a DataError. */
export async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw fileError(error, file);
  }
}

/** A filesystem error as a DataError that names the file. */
export function fileError(error: unknown, file: string): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return dataError(file, undefined, 'file not found');
  if (code === 'EISDIR') return dataError(file, undefined, 'is a folder, expected a file');
  return dataError(file, undefined, `cannot read: ${(error as Error).message}`);
}
