import * as path from 'node:path';
import type { Task } from '../modelFile/modelSpec';
import { isIdxSource, isImageFolderSource, type DataSource, type TableSource } from './dataSource';
import { DataError, dataError, displayPath } from './dataError';
import { readCsvTable } from './csv';
import { readIdxPair } from './idx';
import { readImageFolder } from './images';
import { readJsonTable } from './json';
import { resolveDataPath } from './paths';

/** The examples of one data source, before labels are mapped and values normalised. */
export interface RawExamples {
  readonly count: number;
  /** Natural shape of one example: [features] for tables, [rows, cols] for IDX, [height, width, channels] for images. */
  readonly exampleShape: readonly number[];
  /** [count, ...exampleShape] row-major. */
  readonly x: Float32Array;
  /** Class names or numbers as read (classification), or target values (regression). */
  readonly labels: readonly string[] | ArrayLike<number>;
  /** Table sources: the feature columns in order. */
  readonly featureNames?: readonly string[];
}

export interface SourceOptions {
  readonly modelFile: string;
  readonly workspaceRoot: string;
  /** Where the source sits in the model file, for messages: `data.train` or `data.test`. */
  readonly field: string;
  /** Progress of reading a CSV file (other formats do not report); see {@link DataProgress}. */
  readonly onProgress?: DataProgress;
}

/**
 * Reading progress of a data file: `bytesRead` of `totalBytes` of `file`
 * (absolute path). CSV files report about once per MiB read and once at
 * the end with `bytesRead === totalBytes`; other formats do not report.
 * Sources are read one after the other (data.train, then data.test), each
 * counting from 0 again.
 */
export type DataProgress = (bytesRead: number, totalBytes: number, file: string) => void;

/** `csv`, `json` or `jsonl`: the `format` key, else the file extension. */
export function tableFormat(source: TableSource): 'csv' | 'json' | 'jsonl' | undefined {
  if (source.format !== undefined && source.format !== ('images' as string)) return source.format;
  const extension = path.extname(source.path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  return undefined;
}

/** Loads every example of a data source named in the model file. */
export async function loadDataSource(source: DataSource, task: Task, options: SourceOptions): Promise<RawExamples> {
  const { modelFile, workspaceRoot, field, onProgress } = options;
  if (isIdxSource(source)) {
    const images = await resolveDataPath(source.images, modelFile, workspaceRoot, 'file', `${field}.images`);
    const labels = await resolveDataPath(source.labels, modelFile, workspaceRoot, 'file', `${field}.labels`);
    const pair = await readIdxPair(images, labels);
    return { count: pair.count, exampleShape: pair.imageShape, x: new Float32Array(pair.pixels), labels: pair.labels };
  }
  if (isImageFolderSource(source)) {
    if (task !== 'classification') {
      throw new DataError(
        `${displayPath(modelFile)}: ${field}: image folders hold classes; use "task": "classification"`,
        modelFile,
        undefined,
        field,
      );
    }
    const folder = await resolveDataPath(source.path, modelFile, workspaceRoot, 'folder', `${field}.path`);
    const images = await readImageFolder(folder);
    return { count: images.count, exampleShape: images.imageShape, x: new Float32Array(images.pixels), labels: images.labels };
  }
  const { file, format } = await loadSourceFile(source, options);
  const labelKind = task === 'regression' ? 'number' : 'string';
  const table =
    format === 'csv'
      ? await readCsvTable(file, source.label, labelKind, {
          onProgress: onProgress && ((bytesRead, totalBytes) => onProgress(bytesRead, totalBytes, file)),
        })
      : await readJsonTable(file, format, source.label, labelKind);
  return {
    count: table.count,
    exampleShape: [table.featureNames.length],
    x: table.x,
    labels: table.labels,
    featureNames: table.featureNames,
  };
}

/** The file of a table source, checked inside the workspace, and its format. */
export async function loadSourceFile(
  source: TableSource,
  options: Pick<SourceOptions, 'modelFile' | 'workspaceRoot' | 'field'>,
): Promise<{ file: string; format: 'csv' | 'json' | 'jsonl' }> {
  const { modelFile, workspaceRoot, field } = options;
  const file = await resolveDataPath(source.path, modelFile, workspaceRoot, 'file', `${field}.path`);
  const format = tableFormat(source);
  if (format === undefined) {
    throw dataError(
      modelFile,
      undefined,
      `${field}.path: cannot tell the format of "${source.path}" from its extension; add "format": "csv", "json" or "jsonl"`,
      `${field}.format`,
    );
  }
  return { file, format };
}
