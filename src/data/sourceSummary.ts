import { promises as fs } from 'node:fs';
import type { Task } from '../modelFile/modelSpec';
import { isIdxSource, isImageFolderSource, type DataSource } from './dataSource';
import { readCsvHeader, readCsvTable } from './csv';
import { readIdx, readIdxDims, readIdxPair } from './idx';
import { firstImageShape, listImageFolder, readImageFolder } from './images';
import { readJsonHeader, readJsonTable } from './json';
import { FULL_CHECK_BYTES } from './limits';
import { tableFormat } from './loadSource';
import { readTextTable } from './textTable';

/**
 * What validation learns about a data source. A source of up to
 * {@link FULL_CHECK_BYTES} is read in full, as training reads it (every
 * cell, every image, the whole IDX data), so that validation finds what
 * training would refuse; a bigger one only in part (headers, IDX
 * dimensions, folder names, the first image), which `partlyRead` says.
 * Fields are absent when not known.
 */
export interface SourceSummary {
  /** Table sources: column names from the header / first record. */
  readonly columns?: readonly string[];
  /** Natural shape of one example, when known. */
  readonly exampleShape?: readonly number[];
  /** Distinct class labels as text (classification, sources read in full or cheap to list). */
  readonly distinctLabels?: readonly string[];
  /** IDX sources: sizes announced by the images and labels files. */
  readonly idx?: { readonly imageDims: readonly number[]; readonly labelDims: readonly number[] };
  /** How many examples the source holds, when it was read in full. */
  readonly count?: number;
  /** When the source was too big to read in full: the bytes it would have taken. */
  readonly partlyRead?: number;
  /** Text sources read in full: every text, for the vocabulary checks. */
  readonly texts?: readonly string[];
}

/** Absolute paths of the files or folder a source names (already checked to exist). */
export type ResolvedSource = { readonly path: string } | { readonly images: string; readonly labels: string };

const cache = new Map<string, Promise<SourceSummary>>();
const CACHE_SIZE = 32;

/**
 * Summarises a source. Results are cached by path, size and modification
 * time, since validation runs as the user types. Throws DataError.
 */
export async function summarizeSource(source: DataSource, resolved: ResolvedSource, task: Task): Promise<SourceSummary> {
  const paths = 'images' in resolved ? [resolved.images, resolved.labels] : [resolved.path];
  const stamps = await Promise.all(
    paths.map(async (p) =>
      fs.stat(p).then(
        (s) => `${p}:${s.size}:${s.mtimeMs}`,
        () => p,
      ),
    ),
  );
  const key = JSON.stringify([source, task, stamps]);
  let summary = cache.get(key);
  if (summary === undefined) {
    summary = summarize(source, resolved, task);
    cache.set(key, summary);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return summary;
}

async function summarize(source: DataSource, resolved: ResolvedSource, task: Task): Promise<SourceSummary> {
  if (isIdxSource(source)) {
    if (!('images' in resolved)) return {};
    const [imageDims, labelDims] = await Promise.all([readIdxDims(resolved.images), readIdxDims(resolved.labels)]);
    const cheap = { exampleShape: imageDims.slice(1), idx: { imageDims, labelDims } };
    // What reading in full takes: the values the headers announce, however well gzip packed them.
    const bytes = imageDims.reduce((a, b) => a * b, 1) + labelDims.reduce((a, b) => a * b, 1);
    if (imageDims.length < 2 || labelDims.length !== 1 || imageDims[0] !== labelDims[0]) return cheap; // the data checks say what is wrong
    if (bytes > FULL_CHECK_BYTES) {
      // The labels alone are a byte an example: still cheap to list the classes from.
      const labels =
        task === 'classification' && labelDims[0] <= FULL_CHECK_BYTES
          ? { distinctLabels: [...new Set((await readIdx(resolved.labels)).data)].map(String) }
          : {};
      return { ...cheap, ...labels, partlyRead: bytes };
    }
    const pair = await readIdxPair(resolved.images, resolved.labels);
    return { ...cheap, count: pair.count, ...(task === 'classification' ? { distinctLabels: [...new Set(pair.labels)].map(String) } : {}) };
  }
  if (!('path' in resolved)) return {};
  if (isImageFolderSource(source)) {
    const listing = await listImageFolder(resolved.path);
    const sizes = await Promise.all(
      listing.files.map(({ file }) =>
        fs.stat(file).then(
          (s) => s.size,
          () => 0,
        ),
      ),
    );
    const bytes = sizes.reduce((a, b) => a + b, 0);
    if (bytes > FULL_CHECK_BYTES)
      return { exampleShape: await firstImageShape(listing), distinctLabels: listing.classes, partlyRead: bytes };
    const images = await readImageFolder(resolved.path);
    return { exampleShape: images.imageShape, distinctLabels: [...new Set(images.labels)], count: images.count };
  }
  const format = tableFormat(source);
  if (format === undefined) return {};
  const columns = format === 'csv' ? await readCsvHeader(resolved.path) : await readJsonHeader(resolved.path, format);
  if (!columns.includes(source.label)) return { columns };
  if (source.text !== undefined) return summarizeTexts(resolved.path, format, columns, source.text, source.label, task);
  const { size } = await fs.stat(resolved.path);
  if (size > FULL_CHECK_BYTES) return { columns, exampleShape: [columns.length - 1], partlyRead: size };
  const kind = task === 'regression' ? 'number' : 'string';
  const table =
    format === 'csv'
      ? await readCsvTable(resolved.path, source.label, kind)
      : await readJsonTable(resolved.path, format, source.label, kind);
  const distinct = task === 'classification' ? { distinctLabels: [...new Set(table.labels as readonly string[])] } : {};
  return { columns, exampleShape: [table.featureNames.length], count: table.count, ...distinct };
}

/** A text source: its text and label columns only (the example shape is `data.text.maxLength`, which the model file says). */
async function summarizeTexts(
  file: string,
  format: 'csv' | 'json' | 'jsonl',
  columns: readonly string[],
  text: string,
  label: string,
  task: Task,
): Promise<SourceSummary> {
  if (!columns.includes(text)) return { columns };
  const { size } = await fs.stat(file);
  if (size > FULL_CHECK_BYTES) return { columns, partlyRead: size };
  const table = await readTextTable(file, format, { text, label: { name: label, kind: task === 'regression' ? 'number' : 'string' } });
  const distinct = task === 'classification' ? { distinctLabels: [...new Set(table.labels as readonly string[])] } : {};
  return { columns, count: table.count, texts: table.texts, ...distinct };
}
