import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCsvSample } from './csv';
import { dataError } from './dataError';
import { fileError } from './dataFile';
import { readIdx, readIdxDims, checkIdxPair } from './idx';
import { firstImageShape, listImageFolder } from './images';
import { parseJsonRecords, readJsonText, fieldOf } from './json';
import { compareClassNames } from './labels';
import { tableFormat } from './loadSource';
import { parseNumberCell } from './table';

// A cheap look at a data file or folder, for New Model from Data… (`init`): what its columns hold, its classes, its shape.

/** Rows a table sample reads: enough to tell numbers from text and to count the classes of most tables. */
export const SAMPLE_ROWS = 10_000;

/** Distinct values kept per column: beyond this a column is no class label anyway. */
const MAX_DISTINCT = 1000;

/** What the sampled cells of one table column hold. */
export interface ColumnSample {
  readonly name: string;
  /** Every sampled cell is a number (as the table readers accept one). */
  readonly numeric: boolean;
  /** Every sampled cell is a whole number. */
  readonly integer: boolean;
  /** Distinct cell texts, sorted as class names are, at most MAX_DISTINCT (`distinctCapped` when there were more). */
  readonly distinct: readonly string[];
  readonly distinctCapped: boolean;
  /** The first cell that is not a number, with its line, for messages. */
  readonly firstText?: { readonly value: string; readonly line: number };
}

export type DataSample =
  | {
      readonly kind: 'table';
      readonly file: string;
      readonly format: 'csv' | 'json' | 'jsonl';
      readonly columns: readonly ColumnSample[];
      readonly rows: number;
      /** The whole file was read (else only its first SAMPLE_ROWS rows). */
      readonly complete: boolean;
    }
  | {
      readonly kind: 'idx';
      readonly images: string;
      readonly labels: string;
      readonly count: number;
      readonly imageShape: readonly number[];
      readonly classes: readonly string[];
    }
  | {
      readonly kind: 'images';
      readonly folder: string;
      readonly count: number;
      readonly imageShape: readonly [number, number, number];
      readonly classes: readonly string[];
    };

/** Reads enough of `dataPath` (a table file, an image folder, or IDX images with `labelsFile`) to infer a model from. Throws DataError. */
export async function readDataSample(dataPath: string, labelsFile?: string): Promise<DataSample> {
  let stat;
  try {
    stat = await fs.stat(dataPath);
  } catch (error) {
    throw fileError(error, dataPath);
  }
  if (stat.isDirectory()) {
    if (labelsFile !== undefined) throw dataError(dataPath, undefined, 'is a folder: a labels file goes with IDX images only');
    const listing = await listImageFolder(dataPath);
    return {
      kind: 'images',
      folder: dataPath,
      count: listing.files.length,
      imageShape: await firstImageShape(listing),
      classes: listing.classes,
    };
  }
  const format = tableFormat({ path: dataPath, label: '' });
  if (labelsFile !== undefined || (format === undefined && isIdxName(dataPath))) return sampleIdx(dataPath, labelsFile);
  if (format === undefined) {
    throw dataError(
      dataPath,
      undefined,
      'is not a data file Model Studio reads: a table (.csv, .json, .jsonl), an image folder, or IDX images (with their labels file)',
    );
  }
  return format === 'csv' ? sampleCsv(dataPath) : sampleJson(dataPath, format);
}

function isIdxName(file: string): boolean {
  return /idx\d|ubyte/i.test(path.basename(file));
}

/**
 * The labels file beside an IDX images file, by the MNIST naming
 * (`…-images-idx3-ubyte` ↔ `…-labels-idx1-ubyte`), when it exists; the
 * images file when `file` is the labels file.
 */
export async function idxPartner(file: string): Promise<string | undefined> {
  const name = path.basename(file);
  const swapped = /images/i.test(name)
    ? name.replace(/images/i, 'labels').replace(/idx3/i, 'idx1')
    : name.replace(/labels/i, 'images').replace(/idx1/i, 'idx3');
  if (swapped === name) return undefined;
  const partner = path.join(path.dirname(file), swapped);
  return fs.stat(partner).then(
    (s) => (s.isFile() ? partner : undefined),
    () => undefined,
  );
}

async function sampleIdx(file: string, labelsFile: string | undefined): Promise<DataSample> {
  let images = file;
  let labels = labelsFile ?? (await idxPartner(file));
  if (labels === undefined) {
    throw dataError(
      file,
      undefined,
      'found no labels file to pair with: name it as the images file with "labels" and "idx1" for "images" and "idx3" ' +
        '(e.g. train-labels-idx1-ubyte.gz beside train-images-idx3-ubyte.gz), or give it with init --labels FILE',
    );
  }
  let imageDims = await readIdxDims(images);
  let labelDims = await readIdxDims(labels);
  if (labelsFile === undefined && imageDims.length === 1 && labelDims.length > 1) {
    // Started from the labels file: its partner holds the images.
    [images, labels, imageDims, labelDims] = [labels, images, labelDims, imageDims];
  }
  checkIdxPair(imageDims, images, labelDims, labels);
  const values = (await readIdx(labels)).data;
  const seen = new Set<number>();
  for (const value of values) seen.add(value);
  const classes = [...seen].sort((a, b) => a - b).map(String);
  return { kind: 'idx', images, labels, count: imageDims[0], imageShape: imageDims.slice(1), classes };
}

async function sampleCsv(file: string): Promise<DataSample> {
  const sample = await readCsvSample(file, SAMPLE_ROWS);
  const columns = sample.columns.map((name) => new ColumnTally(name));
  for (const { fields, line } of sample.rows) {
    if (fields.length !== columns.length) {
      throw dataError(file, line, `found ${fields.length} fields, but the header has ${columns.length} columns`);
    }
    fields.forEach((cell, j) => columns[j].add(cell.trim(), line));
  }
  if (sample.rows.length === 0) throw dataError(file, 1, 'the file has a header but no rows of data: add rows below it');
  return {
    kind: 'table',
    file,
    format: 'csv',
    columns: columns.map((c) => c.finish()),
    rows: sample.rows.length,
    complete: sample.complete,
  };
}

async function sampleJson(file: string, format: 'json' | 'jsonl'): Promise<DataSample> {
  const records = parseJsonRecords(await readJsonText(file), file, format);
  if (records.length === 0) throw dataError(file, 1, 'the file holds no records');
  const sampled = records.slice(0, SAMPLE_ROWS);
  const columns = Object.keys(sampled[0].value).map((name) => new ColumnTally(name));
  for (const { value, line } of sampled) {
    for (const column of columns) {
      const cell = fieldOf(value, column.name);
      column.add(typeof cell === 'string' ? cell.trim() : cell === undefined || cell === null ? '' : JSON.stringify(cell), line);
    }
  }
  return {
    kind: 'table',
    file,
    format,
    columns: columns.map((c) => c.finish()),
    rows: sampled.length,
    complete: sampled.length === records.length,
  };
}

/** Counts what one column's cells hold, cell by cell. */
class ColumnTally {
  private numeric = true;
  private integer = true;
  private readonly distinct = new Set<string>();
  private capped = false;
  private firstText: { value: string; line: number } | undefined;

  constructor(readonly name: string) {}

  add(cell: string, line: number): void {
    if (this.numeric || this.firstText === undefined) {
      let value: number | undefined;
      try {
        value = parseNumberCell(cell, '', line, this.name);
      } catch {
        value = undefined;
      }
      if (value === undefined) {
        this.numeric = false;
        this.firstText ??= { value: cell, line };
      } else if (!Number.isInteger(value)) {
        this.integer = false;
      }
    }
    if (this.distinct.size < MAX_DISTINCT) this.distinct.add(cell);
    else if (!this.distinct.has(cell)) this.capped = true;
  }

  finish(): ColumnSample {
    return {
      name: this.name,
      numeric: this.numeric,
      integer: this.numeric && this.integer,
      distinct: [...this.distinct].sort(compareClassNames),
      distinctCapped: this.capped,
      ...(this.firstText === undefined ? {} : { firstText: this.firstText }),
    };
  }
}
