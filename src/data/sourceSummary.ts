import { promises as fs } from 'node:fs';
import type { Task } from '../modelFile/modelSpec';
import { isIdxSource, isImageFolderSource, type DataSource } from './dataSource';
import { readCsvClasses, readCsvHeader, readText } from './csv';
import { readIdx, readIdxDims } from './idx';
import { firstImageShape, listImageFolder } from './images';
import { parseJsonRecords, readJsonHeader } from './json';
import { tableFormat } from './loadSource';

/**
 * What validation can learn about a data source cheaply: headers, IDX
 * dimensions, folder names — and class names when reading them is cheap
 * (IDX labels, image folders, tables up to {@link LABEL_SCAN_LIMIT}).
 * Fields are absent when not known.
 */
export interface SourceSummary {
  /** Table sources: column names from the header / first record. */
  readonly columns?: readonly string[];
  /** Natural shape of one example, when known. */
  readonly exampleShape?: readonly number[];
  /** Distinct class labels as text (classification only). */
  readonly distinctLabels?: readonly string[];
  /** IDX sources: sizes announced by the images and labels files. */
  readonly idx?: { readonly imageDims: readonly number[]; readonly labelDims: readonly number[] };
}

/** Tables bigger than this are not read in full during validation. */
export const LABEL_SCAN_LIMIT = 32 * 1024 * 1024;

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
  const stamps = await Promise.all(paths.map(async (p) => fs.stat(p).then((s) => `${p}:${s.size}:${s.mtimeMs}`, () => p)));
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
    const [imageDims, labels] = await Promise.all([readIdxDims(resolved.images), readIdx(resolved.labels)]);
    const distinct = task === 'classification' ? [...new Set(labels.data)].map(String) : undefined;
    return { exampleShape: imageDims.slice(1), idx: { imageDims, labelDims: labels.dims }, distinctLabels: distinct };
  }
  if (!('path' in resolved)) return {};
  if (isImageFolderSource(source)) {
    const listing = await listImageFolder(resolved.path);
    return { exampleShape: await firstImageShape(listing), distinctLabels: listing.classes };
  }
  const format = tableFormat(source);
  if (format === undefined) return {};
  const columns = format === 'csv' ? await readCsvHeader(resolved.path) : await readJsonHeader(resolved.path, format);
  if (!columns.includes(source.label)) return { columns };
  const summary = { columns, exampleShape: [columns.length - 1] };
  if (task !== 'classification') return summary;
  const { size } = await fs.stat(resolved.path);
  if (size > LABEL_SCAN_LIMIT) return summary;
  if (format === 'csv') return { ...summary, distinctLabels: await readCsvClasses(resolved.path, source.label) };
  const labels = parseJsonRecords(await readText(resolved.path), resolved.path, format).map((r) => String(r.value[source.label]));
  return { ...summary, distinctLabels: [...new Set(labels)] };
}
