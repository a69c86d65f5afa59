import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { csvRowLines } from '../data/csv';
import { DataError, dataError, displayPath } from '../data/dataError';
import { featureFileFormat } from '../data/featureRows';
import { listImageFolder } from '../data/images';
import { parseJsonRecords, readJsonText } from '../data/json';
import { loadDataSource, tableFormat, type RawExamples } from '../data/loadSource';
import { applyNormalization } from '../data/normalize';
import { checkDataPath, resolveDataPath } from '../data/paths';
import { heldOutRows } from '../data/prepareData';
import type { EvaluationDataset, ExampleSource } from '../protocol/evaluationTypes';
import { isIdxSource, isImageFolderSource, type DataSource } from '../modelFile/modelSpec';
import type { RunArtifacts } from './runArtifacts';
import { isTextSource } from '../data/prepareText';
import { loadTextEvaluationExamples } from './textEvaluationData';

/** The examples an evaluation runs on, prepared exactly as the run's training prepared its own. */
export interface EvaluationExamples {
  readonly dataset: EvaluationDataset;
  readonly count: number;
  /** [count, ...featureShape] row-major, normalised with the run's saved statistics. */
  readonly x: Float32Array;
  /** The same values before normalisation (pixels 0–255 for image data). */
  readonly raw: Float32Array;
  /** [height, width, channels] when the examples are images (IDX, image folders). */
  readonly imageShape?: readonly [number, number, 1 | 3];
  /** Text data: each example's text as read from the file. */
  readonly texts?: readonly string[];
  /** Class indices into the run's classes (classification) or targets in the data's units (regression). */
  readonly y: Float32Array;
  /** Where each of the given examples (0-based, in evaluation order) came from. */
  sources(examples: readonly number[]): Promise<ExampleSource[]>;
}

export interface EvaluationDataOptions {
  readonly workspaceRoot: string;
  /** Another data file (or image folder) than the run's own test data. */
  readonly data?: string;
}

/**
 * Loads what `request` names for the run: its own test data (the spec
 * snapshot's `data.test`, or the same `testSplit` rows of `data.train`
 * that training held out — same seed, same rows) or another file with
 * the training file's columns; labels are mapped to the run's classes and
 * features normalised with the statistics saved with the run, never
 * recomputed. Throws DataError naming the file and line.
 */
export async function loadEvaluationExamples(artifacts: RunArtifacts, options: EvaluationDataOptions): Promise<EvaluationExamples> {
  const { spec, run } = artifacts;
  const modelFile = run.modelFile;
  const { workspaceRoot } = options;
  let source: DataSource;
  let kind: EvaluationDataset['kind'];
  let field: string;
  if (options.data !== undefined) {
    source = await sourceForFile(path.resolve(options.data), artifacts, workspaceRoot);
    kind = 'file';
    field = 'data';
  } else if (spec.data.test !== undefined) {
    source = spec.data.test;
    kind = 'testSource';
    field = 'data.test';
  } else if ((spec.data.testSplit ?? 0) > 0) {
    source = spec.data.train;
    kind = 'testSplit';
    field = 'data.train';
  } else {
    throw new DataError(
      `${displayPath(modelFile)}: the run has no test data (no "data.test" or "data.testSplit" in its spec): choose a data file to evaluate on`,
      modelFile,
      undefined,
      'data.test',
    );
  }

  if (isTextSource(source)) return loadTextEvaluationExamples(artifacts, source, kind, field, workspaceRoot);
  const rawSource = await loadDataSource(source, spec.task, { modelFile, workspaceRoot, field });
  const files = await sourceFiles(source, modelFile, workspaceRoot, field);
  const rows = kind === 'testSplit' ? heldOutRows(rawSource.count, spec, modelFile).test : undefined;
  const all = kind === 'file' ? reorderColumns(rawSource, artifacts, files[0]) : rawSource;
  const picked = rows === undefined ? all : pickRows(all, rows);
  const count = picked.count;
  const rowOf = (example: number): number => (rows === undefined ? example : rows[example]);

  const width = picked.x.length / count;
  const expected = artifacts.normalization.featureShape.reduce((a, b) => a * b, 1);
  if (width !== expected) {
    throw dataError(files[0], undefined, `has ${width} features per example, but the model was trained on ${expected}`);
  }
  const x = applyNormalization(picked.x, artifacts.normalization.features, new Float32Array(picked.x.length));
  const y =
    spec.task === 'classification'
      ? classIndices(picked.labels, artifacts, files, source, rowOf)
      : Float32Array.from(picked.labels as ArrayLike<number>);

  const shape = rawSource.exampleShape;
  const imageShape: EvaluationExamples['imageShape'] =
    isIdxSource(source) && shape.length === 2
      ? [shape[0], shape[1], 1]
      : isImageFolderSource(source) && shape.length === 3
        ? [shape[0], shape[1], shape[2] === 1 ? 1 : 3]
        : undefined;

  const describe = (): string => {
    const name = files.map((f) => displayPath(f, workspaceRoot)).join(' + ');
    if (kind === 'testSplit') return `${name} (testSplit ${spec.data.testSplit}: ${count} of ${rawSource.count} rows)`;
    return `${name} (${kind === 'testSource' ? 'data.test, ' : ''}${count} examples)`;
  };
  return {
    dataset: { kind, description: describe(), files, sha256: await hashFiles(await filesToHash(source, files)), count },
    count,
    x,
    raw: picked.x,
    ...(imageShape === undefined ? {} : { imageShape }),
    y,
    sources: (examples) => exampleSources(source, files, examples.map(rowOf)),
  };
}

/** The source a file given for evaluation stands for: a table with the training file's label, an IDX pair, an image folder. */
async function sourceForFile(file: string, artifacts: RunArtifacts, workspaceRoot: string): Promise<DataSource> {
  const { spec, run } = artifacts;
  let stat: import('node:fs').Stats;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new DataError(`${displayPath(file)}: data file not found`, file, undefined, 'data');
  }
  const train = spec.data.train;
  if (stat.isDirectory()) {
    if (!isImageFolderSource(train)) {
      throw new DataError(
        `${displayPath(file)}: is a folder, but the model was trained on ${describeSource(train)}`,
        file,
        undefined,
        'data',
      );
    }
    return { path: file, format: 'images' };
  }
  const format = featureFileFormat(file);
  if (format === 'idx') {
    if (!isIdxSource(train)) {
      throw new DataError(
        `${displayPath(file)}: is an IDX file, but the model was trained on ${describeSource(train)}`,
        file,
        undefined,
        'data',
      );
    }
    return { images: file, labels: await labelsFileFor(file, workspaceRoot, run.modelFile) };
  }
  if (format === undefined) {
    throw new DataError(
      `${displayPath(file)}: cannot tell the format from the file name: use a .csv, .json, .jsonl or IDX (…-idx3-ubyte[.gz]) file`,
      file,
      undefined,
      'data',
    );
  }
  if (isIdxSource(train) || isImageFolderSource(train)) {
    throw new DataError(`${displayPath(file)}: is a table, but the model was trained on ${describeSource(train)}`, file, undefined, 'data');
  }
  return { path: file, label: train.label, format, ...(train.text === undefined ? {} : { text: train.text }) };
}

function describeSource(source: DataSource): string {
  if (isIdxSource(source)) return 'IDX images (pick an …-images-idx3-ubyte file)';
  if (isImageFolderSource(source)) return 'an image folder (pick a folder with one sub-folder per class)';
  if (source.text !== undefined)
    return `texts in column "${source.text}" with labels in "${source.label}" (pick a CSV, JSON or JSON Lines file with both)`;
  return `a table with label column "${source.label}" (pick a CSV, JSON or JSON Lines file with the same columns)`;
}

/** MNIST names its pairs `…-images-idx3-ubyte[.gz]` / `…-labels-idx1-ubyte[.gz]`. */
async function labelsFileFor(images: string, workspaceRoot: string, modelFile: string): Promise<string> {
  const name = path.basename(images);
  const guess = name.replace('images', 'labels').replace('idx3', 'idx1');
  const candidate = path.join(path.dirname(images), guess);
  if (guess !== name && (await checkDataPath(candidate, modelFile, workspaceRoot, 'file')).ok) return candidate;
  throw new DataError(
    `${displayPath(images)}: cannot find its labels file (looked for ${displayPath(candidate)}); name the pair …-images-idx3-ubyte / …-labels-idx1-ubyte`,
    images,
    undefined,
    'data',
  );
}

/** Absolute paths of the files of a source, checked inside the workspace. */
async function sourceFiles(source: DataSource, modelFile: string, workspaceRoot: string, field: string): Promise<string[]> {
  if (isIdxSource(source)) {
    return [
      await resolveDataPath(source.images, modelFile, workspaceRoot, 'file', `${field}.images`),
      await resolveDataPath(source.labels, modelFile, workspaceRoot, 'file', `${field}.labels`),
    ];
  }
  return [await resolveDataPath(source.path, modelFile, workspaceRoot, isImageFolderSource(source) ? 'folder' : 'file', `${field}.path`)];
}

/** An image folder is hashed image by image, in the order it is read. */
async function filesToHash(source: DataSource, files: readonly string[]): Promise<string[]> {
  if (!isImageFolderSource(source)) return [...files];
  return (await listImageFolder(files[0])).files.map((f) => f.file);
}

/** SHA-256 of the files' bytes one after the other, streamed. */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file);
      stream.on('data', (chunk) => hash.update(chunk));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
  }
  return hash.digest('hex');
}

/**
 * Columns of another table in the order the run was trained on: the same
 * names in another order are fine, missing or extra features are not.
 */
function reorderColumns(raw: RawExamples, artifacts: RunArtifacts, file: string): RawExamples {
  const trained = artifacts.normalization.featureNames;
  const found = raw.featureNames;
  if (trained === undefined || found === undefined) return raw;
  const missing = trained.filter((name) => !found.includes(name));
  const extra = found.filter((name) => !trained.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `lacks ${missing.map((n) => `"${n}"`).join(', ')}` : '',
      extra.length > 0 ? `has columns the model was not trained on: ${extra.map((n) => `"${n}"`).join(', ')}` : '',
    ].filter(Boolean);
    throw dataError(file, 1, `${parts.join(' and ')} (the model was trained on ${trained.join(', ')})`);
  }
  if (trained.every((name, i) => found[i] === name)) return raw;
  const order = trained.map((name) => found.indexOf(name));
  const width = found.length;
  const x = new Float32Array(raw.x.length);
  for (let row = 0; row < raw.count; row++) {
    for (let j = 0; j < width; j++) x[row * width + j] = raw.x[row * width + order[j]];
  }
  return { ...raw, x, featureNames: trained };
}

function pickRows(raw: RawExamples, rows: Uint32Array): RawExamples {
  const width = raw.x.length / raw.count;
  const x = new Float32Array(rows.length * width);
  const labels: (string | number)[] = [];
  rows.forEach((row, i) => {
    x.set(raw.x.subarray(row * width, (row + 1) * width), i * width);
    labels.push(raw.labels[row]);
  });
  return {
    ...raw,
    count: rows.length,
    x,
    labels: typeof labels[0] === 'number' ? Float32Array.from(labels as number[]) : (labels as string[]),
  };
}

/** Labels as indices into the classes the run was trained with; a class it never saw is an error on its line. */
export function classIndices(
  labels: RawExamples['labels'],
  artifacts: RunArtifacts,
  files: readonly string[],
  source: DataSource,
  rowOf: (example: number) => number,
): Float32Array {
  const classes = artifacts.normalization.classes ?? [];
  const index = new Map(classes.map((name, i) => [name, i]));
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const name = String(labels[i]);
    const at = index.get(name);
    if (at === undefined) {
      const file = isIdxSource(source) ? files[1] : files[0];
      throw new DataError(
        `${displayPath(file)}: example ${rowOf(i) + 1} has class ${JSON.stringify(name)}, which the model was not trained on (classes: ${classes.join(', ')})`,
        file,
        undefined,
        isIdxSource(source) || isImageFolderSource(source) ? undefined : source.label,
      );
    }
    out[i] = at;
  }
  return out;
}

/** File and line (tables), file and index (IDX) or the image file (image folders) of source rows. */
async function exampleSources(source: DataSource, files: readonly string[], rows: readonly number[]): Promise<ExampleSource[]> {
  if (isIdxSource(source)) return rows.map((index) => ({ file: files[0], index }));
  if (isImageFolderSource(source)) {
    const listing = await listImageFolder(files[0]);
    return rows.map((index) => ({ file: listing.files[index]?.file ?? files[0], index }));
  }
  const file = files[0];
  const format = tableFormat(source);
  if (format === 'csv') {
    const lines = await csvRowLines(file, rows);
    return rows.map((index) => ({ file, index, ...(lines.has(index) ? { line: lines.get(index) } : {}) }));
  }
  if (format === 'json' || format === 'jsonl') {
    const records = parseJsonRecords(await readJsonText(file), file, format);
    return rows.map((index) => ({ file, index, ...(records[index] ? { line: records[index].line } : {}) }));
  }
  return rows.map((index) => ({ file, index }));
}
