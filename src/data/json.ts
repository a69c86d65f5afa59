import { parse as parseTolerant, printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import { dataError } from './dataError';
import { DataTextDecoder, fileError, lineAtEnd, openDataFile, readDataText } from './dataFile';
import { MAX_JSON_DEPTH, MAX_RECORD_CHARS, MAX_TEXT_BYTES, showSize } from './limits';
import { quote, showText } from './showText';
import {
  checkClassName,
  checkColumnName,
  checkFloat32,
  checkValueCount,
  FloatBuilder,
  labelIndex,
  type LabelKind,
  type TableData,
} from './table';

/** One record of a JSON / JSON Lines file; `line` is 1-based. */
export interface JsonRecord {
  readonly value: Readonly<Record<string, unknown>>;
  readonly line: number;
}

/**
 * The records of a JSON array of objects (`json`) or of JSON Lines, one
 * object a line (`jsonl`), each with the line it starts on.
 */
export function parseJsonRecords(text: string, file: string, format: 'json' | 'jsonl'): JsonRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  checkJsonDepth(text, file, format === 'jsonl');
  return format === 'jsonl' ? parseJsonLines(text, file) : parseJsonArray(text, file);
}

/** What a JSON file that is not an array of records is told. */
const NOT_AN_ARRAY = 'expected a JSON array of records, e.g. [{"x": 1, "label": "a"}] (use format "jsonl" for one record a line)';

/**
 * Refuses text nested deeper than {@link MAX_JSON_DEPTH}: records are flat,
 * and the tolerant parser that finds lines and syntax errors recurses once
 * a level (a file of 100,000 "[" overflowed the stack). Strings end at a
 * line break as they do for that parser; in JSON Lines each line counts
 * on its own.
 */
function checkJsonDepth(text: string, file: string, perLine: boolean): void {
  let depth = 0;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      inString = false;
      if (perLine) depth = 0;
    } else if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw dataError(
          file,
          line,
          `nests arrays or objects more than ${MAX_JSON_DEPTH} deep: a data file holds flat records, e.g. [{"x": 1, "label": "a"}]`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth = Math.max(0, depth - 1);
    }
  }
}

function parseJsonLines(text: string, file: string): JsonRecord[] {
  const records: JsonRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const source = lines[i].trim();
    if (source === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      throw dataError(file, i + 1, `not valid JSON: ${syntaxProblem(source)}`);
    }
    records.push({ value: asRecord(value, file, i + 1), line: i + 1 });
  }
  return records;
}

function parseJsonArray(text: string, file: string): JsonRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse does not say where in a form we can map to a line (and
    // quotes the text around it, newlines and all); the tolerant parser does.
    const errors: ParseError[] = [];
    parseTolerant(text, errors, { disallowComments: true });
    const line = errors.length > 0 ? lineAt(text, errors[0].offset) : undefined;
    throw dataError(file, line, `not valid JSON: ${syntaxProblem(text)}`);
  }
  if (!Array.isArray(value)) throw dataError(file, 1, NOT_AN_ARRAY);
  const lines = elementLines(text);
  return value.map((element, index) => ({ value: asRecord(element, file, lines[index]), line: lines[index] }));
}

/** 1-based line of each top-level array element, in one pass of the tokenizer. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  const element = (startLine: number): void => {
    if (depth === 1) lines.push(startLine + 1);
  };
  visit(text, {
    onObjectBegin: (_o, _l, startLine) => {
      element(startLine);
      depth++;
    },
    onArrayBegin: (_o, _l, startLine) => {
      element(startLine);
      depth++;
    },
    onObjectEnd: () => void depth--,
    onArrayEnd: () => void depth--,
    onLiteralValue: (_v, _o, _l, startLine) => element(startLine),
  });
  return lines;
}

const SYNTAX: Readonly<Record<string, string>> = {
  ValueExpected: 'expected a value',
  CommaExpected: 'expected "," between entries',
  ColonExpected: 'expected ":" after a key',
  PropertyNameExpected: 'expected a key in double quotes',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the end',
  UnexpectedEndOfString: 'a string is not closed',
  InvalidCommentToken: 'comments are not allowed in data files',
};

/** The first syntax error in `text`, in words, on one line. */
function syntaxProblem(text: string): string {
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true });
  const first = errors[0];
  if (first === undefined) return 'cannot be parsed';
  const code = printParseErrorCode(first.error);
  if (code === 'InvalidSymbol') {
    const word =
      /^-?[A-Za-z_$][\w$]*/.exec(text.slice(first.offset))?.[0] ?? text.slice(first.offset, first.offset + Math.max(1, first.length));
    const bare = word.replace(/^-/, '');
    if (bare === 'NaN' || bare === 'Infinity') return `${bare} is not a JSON number; write a finite number, or drop the record`;
    return `unexpected ${JSON.stringify(word.slice(0, 20))}`;
  }
  return SYNTAX[code] ?? code;
}

function asRecord(value: unknown, file: string, line: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw dataError(file, line, `expected a record (a JSON object), found ${showText(JSON.stringify(value) ?? String(value), 40)}`);
  }
  return value as Record<string, unknown>;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

/** A value of a record as a message shows it: its JSON, quoted and cut short. */
function showValue(value: unknown): string {
  return quote(JSON.stringify(value) ?? String(value));
}

/** The record's own value for `key` (never one inherited from Object.prototype, as `constructor` is). */
export function fieldOf(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A record's numeric feature `name`, checked as a CSV cell is (a finite number that float32 holds); `what` names it in a message. */
export function numberField(
  record: Readonly<Record<string, unknown>>,
  name: string,
  file: string,
  line: number,
  what?: () => string,
): number {
  const cell = fieldOf(record, name);
  if (typeof cell === 'number' && Number.isFinite(Math.fround(cell))) return cell;
  const shown = what?.() ?? quote(name);
  if (typeof cell !== 'number') {
    throw dataError(file, line, `${shown} is ${cell === undefined ? 'missing' : showValue(cell)}, expected a number`, name);
  }
  return checkFloat32(cell, file, line, name, () => `${shown} is ${cell}`);
}

/**
 * Records as a table: the keys of the first record name the columns, the
 * label key is the label, every other key a numeric feature.
 */
export function jsonTable(records: readonly JsonRecord[], file: string, label: string, labelKind: LabelKind): TableData {
  if (records.length === 0) throw dataError(file, 1, 'the file holds no records');
  const columns = Object.keys(records[0].value);
  columns.forEach((name, index) => checkColumnName(name, index, file, records[0].line));
  labelIndex(columns, label, file, records[0].line);
  const featureNames = columns.filter((name) => name !== label);
  checkValueCount(records.length * featureNames.length, file);
  const x = new FloatBuilder(records.length * featureNames.length);
  const stringLabels: string[] = [];
  const numberLabels = new FloatBuilder(records.length);
  const what = (): string => `label ${quote(label)}`;
  for (const { value, line } of records) {
    for (const name of featureNames) x.push(numberField(value, name, file, line));
    if (labelKind === 'number') {
      numberLabels.push(numberField(value, label, file, line, what));
      continue;
    }
    const target = fieldOf(value, label);
    if (typeof target !== 'string' && typeof target !== 'number' && typeof target !== 'boolean') {
      throw dataError(
        file,
        line,
        `${what()} is ${target === undefined ? 'missing' : showValue(target)}, expected a class name or number`,
        label,
      );
    }
    stringLabels.push(checkClassName(String(target), file, line, label, what));
  }
  return {
    featureNames,
    count: records.length,
    x: x.finish(),
    labels: labelKind === 'number' ? numberLabels.finish() : stringLabels,
  };
}

/** Reads a JSON / JSON Lines file as a table (see {@link jsonTable}). */
export async function readJsonTable(file: string, format: 'json' | 'jsonl', label: string, labelKind: LabelKind): Promise<TableData> {
  return jsonTable(parseJsonRecords(await readJsonText(file), file, format), file, label, labelKind);
}

/** A JSON / JSON Lines data file's text, checked and decoded (see readDataText). */
export async function readJsonText(file: string): Promise<string> {
  return readDataText(file, 'a JSON data file', MAX_TEXT_BYTES);
}

/**
 * The keys of the first record, reading only as much of the file as that
 * takes, so validation stays cheap on big files.
 */
export async function readJsonHeader(file: string, format: 'json' | 'jsonl'): Promise<string[]> {
  const handle = await openDataFile(file, MAX_TEXT_BYTES, 'a JSON data file');
  try {
    const decoder = new DataTextDecoder(file);
    const chunk = Buffer.alloc(64 * 1024);
    let text = '';
    // Looking again only once the text has doubled keeps a long first record linear.
    let nextLook = 0;
    for (;;) {
      const { bytesRead } = await handle
        .read(chunk, 0, chunk.length, null)
        .catch((error: unknown) => Promise.reject(fileError(error, file)));
      text += bytesRead === 0 ? decoder.end() : decoder.write(chunk.subarray(0, bytesRead));
      decoder.throwIfStopped(() => lineAtEnd(text));
      if (text.length < nextLook && bytesRead > 0) continue;
      nextLook = 2 * text.length;
      const body = text.replace(/^\uFEFF/, '');
      checkJsonDepth(body, file, format === 'jsonl');
      const keys = format === 'jsonl' ? firstLineKeys(body, file, bytesRead === 0) : firstElementKeys(body, file);
      if (keys !== undefined) return keys;
      if (bytesRead === 0) throw dataError(file, 1, 'the file holds no records');
      if (text.length > MAX_RECORD_CHARS)
        throw dataError(file, 1, `the first record runs over ${showSize(MAX_RECORD_CHARS)}: a record holds one example`);
    }
  } finally {
    await handle.close();
  }
}

function firstLineKeys(text: string, file: string, complete: boolean): string[] | undefined {
  const lines = text.split('\n');
  // The last piece may be a line cut by the chunk boundary.
  const usable = complete ? lines.length : lines.length - 1;
  for (let i = 0; i < usable; i++) {
    if (lines[i].trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch {
      throw dataError(file, i + 1, `not valid JSON: ${syntaxProblem(lines[i])}`);
    }
    return Object.keys(asRecord(value, file, i + 1));
  }
  return undefined;
}

/** Keys of the first object in a (possibly cut-off) JSON array, once that object is complete. */
function firstElementKeys(text: string, file: string): string[] | undefined {
  const start = /\S/.exec(text);
  if (start !== null && start[0] !== '[') throw dataError(file, lineAtEnd(text.slice(0, start.index)), NOT_AN_ARRAY);
  let depth = 0;
  let rootIsArray = false;
  let keys: string[] | undefined;
  let done = false;
  visit(text, {
    onObjectBegin: () => {
      depth++;
      if (depth === 2 && rootIsArray && keys === undefined) keys = [];
    },
    onObjectProperty: (property) => {
      if (depth === 2 && !done) keys?.push(property);
    },
    onObjectEnd: () => {
      if (depth === 2 && keys !== undefined) done = true;
      depth--;
    },
    onArrayBegin: () => {
      if (depth === 0) rootIsArray = true;
      depth++;
    },
    onArrayEnd: () => void depth--,
  });
  return done ? keys : undefined;
}
