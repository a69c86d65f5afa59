import * as path from 'node:path';
import { parseCsv } from './csvParser';
import { dataError } from './dataError';
import { readDataText } from './dataFile';
import { readIdx } from './idx';
import { numberField, parseJsonRecords, readJsonText } from './json';
import { listNames } from './showText';
import { FloatBuilder, parseNumberCell } from './table';

/**
 * Examples to predict on: the features a run was trained on, read by
 * column name from a table that may or may not have the label column
 * (new data usually has none), or the images of an IDX file.
 */
export interface FeatureRows {
  readonly count: number;
  /** Natural shape of one example: [features] for tables, [rows, cols] for IDX. */
  readonly exampleShape: readonly number[];
  /** [count, ...exampleShape] row-major, in the column order the run was trained with. */
  readonly x: Float32Array;
  /** 1-based line of each record (tables). */
  readonly lines?: readonly number[];
}

/** Which columns are features: the run's list, else (runs that did not save it) every column but the label. */
export interface FeatureColumns {
  readonly featureNames?: readonly string[];
  readonly label?: string;
}

function allColumnsBut(text: string, file: string, format: 'csv' | 'json' | 'jsonl', label: string | undefined): string[] {
  let first: string[] = [];
  if (format === 'csv') {
    for (const { fields } of parseCsv(text, file)) {
      first = fields.map((f) => f.trim());
      break;
    }
  } else {
    first = Object.keys(parseJsonRecords(text, file, format)[0]?.value ?? {});
  }
  if (first.length === 0) throw dataError(file, 1, 'the file is empty, expected a header row with column names');
  return first.filter((name) => name !== label);
}

/** `csv`, `json`, `jsonl` or `idx` from the file name. */
export function featureFileFormat(file: string): 'csv' | 'json' | 'jsonl' | 'idx' | undefined {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  if (/idx\d-ubyte$/.test(name) || name.endsWith('.idx')) return 'idx';
  return undefined;
}

/**
 * Reads `featureNames` (the run's feature columns, in order) from every
 * record of a CSV / JSON / JSON Lines file; other columns are ignored. An
 * IDX file gives its examples as they are (`featureNames` unused). Throws
 * DataError naming the file and line.
 */
export async function readFeatureRows(file: string, columns: FeatureColumns): Promise<FeatureRows> {
  const format = featureFileFormat(file);
  if (format === undefined) {
    throw dataError(
      file,
      undefined,
      'cannot tell the format from the file name: use a .csv, .json, .jsonl or IDX (…-idx3-ubyte[.gz]) file',
    );
  }
  if (format === 'idx') {
    const images = await readIdx(file);
    if (images.dims.length < 2) throw dataError(file, undefined, 'expected an images file (idx3), found a one-dimensional (labels) file');
    return { count: images.dims[0], exampleShape: images.dims.slice(1), x: Float32Array.from(images.data) };
  }
  const text = format === 'csv' ? await readDataText(file, 'a CSV file to predict on') : await readJsonText(file);
  const featureNames = columns.featureNames ?? allColumnsBut(text, file, format, columns.label);
  const x = new FloatBuilder();
  const lines: number[] = [];
  if (format === 'csv') {
    let columns: number[] | undefined;
    for (const { fields, line } of parseCsv(text, file)) {
      if (columns === undefined) {
        const header = fields.map((f) => f.trim());
        columns = featureNames.map((name) => {
          const at = header.indexOf(name);
          if (at < 0) throw dataError(file, line, `no column "${name}": the model was trained on ${listNames(featureNames)}`, name);
          return at;
        });
        continue;
      }
      for (let j = 0; j < columns.length; j++) {
        const cell = fields[columns[j]];
        if (cell === undefined) throw dataError(file, line, `column "${featureNames[j]}" is missing from this row`, featureNames[j]);
        x.push(parseNumberCell(cell, file, line, featureNames[j]));
      }
      lines.push(line);
    }
    if (columns === undefined) throw dataError(file, 1, 'the file is empty, expected a header row with column names');
  } else {
    for (const { value, line } of parseJsonRecords(text, file, format)) {
      for (const name of featureNames) x.push(numberField(value, name, file, line));
      lines.push(line);
    }
  }
  if (lines.length === 0) throw dataError(file, 1, 'the file holds no rows to predict on');
  return { count: lines.length, exampleShape: [featureNames.length], x: x.finish(), lines };
}
