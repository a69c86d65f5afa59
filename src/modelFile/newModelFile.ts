import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DataInference } from '../data/dataInference';
import type { DataSample } from '../data/dataSample';
import { displayPath } from '../data/dataError';
import { baselineModelText, type BaselineSource } from './baselineModel';
import { formatDiagnostic, validateModelFile } from './validateModelFile';

// New Model from Data… and `init`: where the model file goes, its text, checked by the validator, written without overwriting.

/** A model file that could not be written; the message names the file. */
export class NewModelError extends Error {}

/** The name of a model for a data file or folder: its base name without extensions (`mnist-train-images-idx3-ubyte.gz` → `mnist-train`). */
export function modelNameFor(sample: DataSample): string {
  const file = sample.kind === 'table' ? sample.file : sample.kind === 'idx' ? sample.images : sample.folder;
  let name = path.basename(file);
  if (sample.kind !== 'images') name = name.replace(/\.gz$/i, '').replace(/\.[^.]*$/, '');
  if (sample.kind === 'idx') name = name.replace(/[-_.]?images?/i, '').replace(/[-_.]?idx\d[-_.]?ubyte/i, '') || 'images';
  // Run folders are named after the model: no path characters, at most 100 characters.
  const safe = name
    .replace(/[/\\:*?"<>|]/g, '-')
    .trim()
    .slice(0, 100);
  return safe === '' ? 'model' : safe;
}

/** `<folder>/<name>.model.yaml`, else `<name>-2.model.yaml`, … : the first that does not exist. */
export async function freeModelFile(folder: string, name: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = path.join(folder, `${name}${i === 1 ? '' : `-${i}`}.model.yaml`);
    const exists = await fs.stat(candidate).then(
      () => true,
      () => false,
    );
    if (!exists) return candidate;
  }
}

/** Where the data is, relative to the model file, with `/` on every platform. */
export function sourceFor(sample: DataSample, inference: DataInference, modelFile: string): BaselineSource {
  const relative = (p: string): string => path.relative(path.dirname(modelFile), p).split(path.sep).join('/');
  if (sample.kind === 'idx') return { kind: 'idx', images: relative(sample.images), labels: relative(sample.labels) };
  if (sample.kind === 'images') return { kind: 'images', path: relative(sample.folder) };
  return { kind: 'table', path: relative(sample.file), label: inference.label ?? '' };
}

export interface NewModelRequest {
  readonly sample: DataSample;
  readonly inference: DataInference;
  /** The file to write; it must not exist. */
  readonly modelFile: string;
  /** Data paths must stay inside it (validation's rule). */
  readonly workspaceRoot: string;
}

/**
 * Writes the baseline model file for `inference` at `modelFile`, after the
 * validator passed its text: a file this writes always validates. Refuses
 * to overwrite. Throws NewModelError naming the file.
 */
export async function writeNewModelFile(request: NewModelRequest): Promise<{ readonly modelFile: string; readonly text: string }> {
  const { sample, inference, modelFile, workspaceRoot } = request;
  const dataPath = sample.kind === 'table' ? sample.file : sample.kind === 'idx' ? sample.images : sample.folder;
  const text = baselineModelText({
    name: modelNameFor(sample),
    dataName: path.basename(dataPath),
    source: sourceFor(sample, inference, modelFile),
    inference,
  });
  const validation = await validateModelFile(modelFile, text, { workspaceRoot });
  const errors = validation.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    // The data holds what the sample did not show (a class beyond the first rows, text further down): say what the validator said.
    throw new NewModelError(
      `${displayPath(modelFile)}: not written, the baseline for ${displayPath(dataPath)} does not validate:\n` +
        errors.map((d) => formatDiagnostic(d)).join('\n'),
    );
  }
  try {
    await fs.mkdir(path.dirname(modelFile), { recursive: true });
    await fs.writeFile(modelFile, text, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NewModelError(
      code === 'EEXIST'
        ? `${displayPath(modelFile)} exists already: not overwritten; choose another file name`
        : `${displayPath(modelFile)}: cannot write it (${code ?? (error as Error).message})`,
    );
  }
  return { modelFile, text };
}
