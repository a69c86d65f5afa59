import { promises as fs } from 'node:fs';
import { parse as parseTolerant, printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import { dataError } from './dataError';
import { fileError, readText } from './csv';
import { FloatBuilder, labelIndex, quote, type LabelKind, type TableData } from './table';

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
  return format === 'jsonl' ? parseJsonLines(text, file) : parseJsonArray(text, file);
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
  if (!Array.isArray(value)) {
    throw dataError(file, 1, 'expected a JSON array of records, e.g. [{"x": 1, "label": "a"}] (use format "jsonl" for one record a line)');
  }
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
    const word = /^-?[A-Za-z_$][\w$]*/.exec(text.slice(first.offset))?.[0] ?? text.slice(first.offset, first.offset + Math.max(1, first.length));
    const bare = word.replace(/^-/, '');
    if (bare === 'NaN' || bare === 'Infinity') return `${bare} is not a JSON number; write a finite number, or drop the record`;
    return `unexpected ${JSON.stringify(word.slice(0, 20))}`;
  }
  return SYNTAX[code] ?? code;
}

function asRecord(value: unknown, file: string, line: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw dataError(file, line, `expected a record (a JSON object), found ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  return value as Record<string, unknown>;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

/**
 * Records as a table: the keys of the first record name the columns, the
 * label key is the label, every other key a numeric feature.
 */
export function jsonTable(records: readonly JsonRecord[], file: string, label: string, labelKind: LabelKind): TableData {
  if (records.length === 0) throw dataError(file, 1, 'the file holds no records');
  const columns = Object.keys(records[0].value);
  labelIndex(columns, label, file, records[0].line);
  const featureNames = columns.filter((name) => name !== label);
  const x = new FloatBuilder(records.length * featureNames.length);
  const stringLabels: string[] = [];
  const numberLabels = new FloatBuilder(records.length);
  for (const { value, line } of records) {
    for (const name of featureNames) {
      const cell = value[name];
      if (typeof cell !== 'number') {
        const found = cell === undefined ? 'missing' : `${quote(JSON.stringify(cell))}`;
        throw dataError(file, line, `"${name}" is ${found}, expected a number`, name);
      }
      x.push(cell);
    }
    const target = value[label];
    if (labelKind === 'number') {
      if (typeof target !== 'number') {
        throw dataError(file, line, `label "${label}" is ${target === undefined ? 'missing' : quote(JSON.stringify(target))}, expected a number`, label);
      }
      numberLabels.push(target);
    } else {
      if (typeof target !== 'string' && typeof target !== 'number' && typeof target !== 'boolean') {
        throw dataError(file, line, `label "${label}" is ${target === undefined ? 'missing' : quote(JSON.stringify(target))}, expected a class name or number`, label);
      }
      stringLabels.push(String(target));
    }
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
  return jsonTable(parseJsonRecords(await readText(file), file, format), file, label, labelKind);
}

/**
 * The keys of the first record, reading only as much of the file as that
 * takes, so validation stays cheap on big files.
 */
export async function readJsonHeader(file: string, format: 'json' | 'jsonl'): Promise<string[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    throw fileError(error, file);
  }
  try {
    const chunk = Buffer.alloc(64 * 1024);
    const parts: Buffer[] = [];
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead > 0) parts.push(Buffer.from(chunk.subarray(0, bytesRead)));
      const text = Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '');
      const keys = format === 'jsonl' ? firstLineKeys(text, file, bytesRead === 0) : firstElementKeys(text);
      if (keys !== undefined) return keys;
      if (bytesRead === 0) throw dataError(file, 1, 'the file holds no records');
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
function firstElementKeys(text: string): string[] | undefined {
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
