import { checkHeader, streamCsv } from './csv';
import { dataError } from './dataError';
import { fieldOf, numberField, parseJsonRecords, readJsonText } from './json';
import { listNames, quote, showText } from './showText';
import { didYouMean } from './suggest';
import { checkClassName, parseLabelCell, type LabelKind } from './table';

/** The texts of a table (`data.train.text`) with their labels, read as written. */
export interface TextTable {
  readonly count: number;
  readonly texts: readonly string[];
  /** Class names (`'string'`) or target values (`'number'`); absent when no label column was asked for (prediction). */
  readonly labels?: readonly string[] | Float32Array;
  /** 1-based line each record starts on. */
  readonly lines: readonly number[];
}

/** Which columns to read: the text, and the label unless predicting. */
export interface TextColumns {
  readonly text: string;
  readonly label?: { readonly name: string; readonly kind: LabelKind };
}

/** A cell that is a number as a whole: a text column that holds only these is likely the wrong column. */
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Reads the text column (and the label column) of a CSV, JSON or JSON
 * Lines file; the other columns are ignored. Refused with the file and
 * line: a missing text column (with a did-you-mean), a record without the
 * text or whose text is not a string, empty texts (how many, the first
 * line), and a column that holds only numbers.
 */
export async function readTextTable(file: string, format: 'csv' | 'json' | 'jsonl', columns: TextColumns): Promise<TextTable> {
  const rows = new TextRows(file, columns);
  if (format === 'csv') await readCsvRows(file, columns, rows);
  else readJsonRows(await readJsonText(file), file, format, columns, rows);
  return rows.finish();
}

async function readCsvRows(file: string, columns: TextColumns, rows: TextRows): Promise<void> {
  let header: string[] | undefined;
  let textAt = -1;
  let labelAt = -1;
  await streamCsv(
    file,
    (fields, line) => {
      if (header === undefined) {
        header = checkHeader(fields, file, line);
        textAt = columnIndex(header, columns.text, 'text', file, line);
        labelAt = columns.label === undefined ? -1 : columnIndex(header, columns.label.name, 'label', file, line);
        return;
      }
      if (fields.length !== header.length) {
        throw dataError(file, line, `found ${fields.length} fields, but the header has ${header.length} columns`);
      }
      const label = columns.label && parseLabelCell(fields[labelAt], columns.label.kind, file, line, columns.label.name);
      rows.add(fields[textAt], label, line);
    },
    {},
  );
  if (header === undefined) throw dataError(file, 1, 'the file is empty, expected a header row with column names');
}

function readJsonRows(text: string, file: string, format: 'json' | 'jsonl', columns: TextColumns, rows: TextRows): void {
  const records = parseJsonRecords(text, file, format);
  const first = records[0];
  if (first !== undefined) {
    const keys = Object.keys(first.value);
    columnIndex(keys, columns.text, 'text', file, first.line);
    if (columns.label !== undefined) columnIndex(keys, columns.label.name, 'label', file, first.line);
  }
  for (const { value, line } of records) {
    const cell = fieldOf(value, columns.text);
    if (typeof cell !== 'string') {
      const found = cell === undefined ? 'missing' : `${showText(JSON.stringify(cell) ?? String(cell), 40)}, not a string`;
      throw dataError(file, line, `text ${quote(columns.text)} is ${found}: each record's text is a JSON string`, columns.text);
    }
    rows.add(cell, columns.label && jsonLabel(value, columns.label, file, line), line);
  }
}

function jsonLabel(
  record: Readonly<Record<string, unknown>>,
  label: NonNullable<TextColumns['label']>,
  file: string,
  line: number,
): string | number {
  const what = (): string => `label ${quote(label.name)}`;
  if (label.kind === 'number') return numberField(record, label.name, file, line, what);
  const value = fieldOf(record, label.name);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw dataError(
      file,
      line,
      `${what()} is ${value === undefined ? 'missing' : quote(JSON.stringify(value) ?? '')}, expected a class name`,
      label.name,
    );
  }
  return checkClassName(String(value), file, line, label.name, what);
}

/** Where column `name` is among `names`; an error naming the columns there are when it is not. */
function columnIndex(names: readonly string[], name: string, role: 'text' | 'label', file: string, line: number): number {
  const at = names.indexOf(name);
  if (at >= 0) return at;
  throw dataError(file, line, `no ${role} column ${quote(name)}${didYouMean(name, names)} (columns: ${listNames(names)})`, name);
}

/** Collects records, then refuses empty texts and number-only columns with a count and a line. */
class TextRows {
  private readonly texts: string[] = [];
  private readonly stringLabels: string[] = [];
  private readonly numberLabels: number[] = [];
  private readonly lines: number[] = [];
  private empty = 0;
  private firstEmptyLine = 0;
  private numbers = 0;

  constructor(
    private readonly file: string,
    private readonly columns: TextColumns,
  ) {}

  add(text: string, label: string | number | undefined, line: number): void {
    if (text.trim() === '') {
      if (this.empty++ === 0) this.firstEmptyLine = line;
    } else if (NUMBER.test(text)) {
      this.numbers++;
    }
    this.texts.push(text);
    if (typeof label === 'number') this.numberLabels.push(label);
    else if (label !== undefined) this.stringLabels.push(label);
    this.lines.push(line);
  }

  finish(): TextTable {
    const { file, texts, lines, columns } = this;
    const column = quote(columns.text);
    if (texts.length === 0) throw dataError(file, 1, 'the file holds no records');
    if (this.empty > 0) {
      throw dataError(
        file,
        this.firstEmptyLine,
        `${this.empty} of ${texts.length} texts in column ${column} are empty (the first here): fill them in or drop those rows`,
        columns.text,
      );
    }
    if (this.numbers === texts.length) {
      throw dataError(
        file,
        lines[0],
        `text column ${column} holds only numbers (${quote(texts[0])} here): is it the column with the text? data.train.text names it`,
        columns.text,
      );
    }
    const labels =
      columns.label === undefined ? undefined : columns.label.kind === 'number' ? Float32Array.from(this.numberLabels) : this.stringLabels;
    return { count: texts.length, texts, lines, ...(labels === undefined ? {} : { labels }) };
  }
}
