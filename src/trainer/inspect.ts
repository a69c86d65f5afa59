import { DataError } from '../data/dataError';
import { isTextSource } from '../data/prepareText';
import { textSettings } from '../data/tokenizer';
import { checkDataPath } from '../data/paths';
import { summarizeSource } from '../data/sourceSummary';
import type { Inspection } from '../protocol/inspectorMessages';
import type { SpecDiagnostic } from '../modelFile/diagnostic';
import { isIdxSource, isImageFolderSource, type ModelSpec } from '../modelFile/modelSpec';
import type { JsonPath } from '../modelFile/jsonTypes';
import { parseModelFile } from '../modelFile/parseModelFile';
import { validateModelFile } from '../modelFile/validateModelFile';
import { loadBaseModel } from './baseModel';
import { ModelBuildError } from './buildModel';
import { summarizeModel } from './modelSummary';

/**
 * Validates a model file's text exactly as the editor does and, when it has
 * no error, builds its model to report the layer table. An invalid file
 * gives its error diagnostics (never a stale or partial table); a model
 * TF.js refuses to build gives one diagnostic on the field at fault.
 * Needs an active TF.js backend.
 */
export async function inspectModelFile(modelFile: string, text: string, workspaceRoot: string): Promise<Inspection> {
  const { spec, diagnostics } = await validateModelFile(modelFile, text, { workspaceRoot });
  if (spec === undefined) return { kind: 'invalid', diagnostics: diagnostics.filter((d) => d.severity === 'error') };
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  const featureShape = await exampleShape(spec, modelFile, workspaceRoot);
  if (featureShape === undefined) {
    const path = ['data', 'features', 'shape'];
    return {
      kind: 'invalid',
      diagnostics: [diagnosticAt(modelFile, text, path, 'the shape of one example is not known: set "data.features.shape", e.g. [784]')],
    };
  }
  let base: Awaited<ReturnType<typeof loadBaseModel>>;
  try {
    base = await loadBaseModel(spec, modelFile, workspaceRoot);
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return { kind: 'invalid', diagnostics: [diagnosticAt(modelFile, text, ['model', 'from'], error.message)] };
  }
  try {
    return { kind: 'ok', summary: summarizeModel(spec, featureShape, base), warnings };
  } catch (error) {
    if (!(error instanceof ModelBuildError)) throw error;
    return { kind: 'invalid', diagnostics: [diagnosticAt(modelFile, text, fieldPath(error.field), error.message)] };
  } finally {
    base?.dispose();
  }
}

/**
 * The shape of one example as the trainer will use it: `data.features.shape`,
 * text data's `data.text.maxLength` ids, else every feature value of
 * `data.train` in one axis (prepareData's rule),
 * read cheaply (headers, IDX dimensions) and cached as validation does.
 */
async function exampleShape(spec: ModelSpec, modelFile: string, workspaceRoot: string): Promise<readonly number[] | undefined> {
  const declared = spec.data.features?.shape;
  if (declared !== undefined) return declared;
  const source = spec.data.train;
  // A text example is its token ids, however the file looks.
  if (isTextSource(source)) return [textSettings(spec.data.text).maxLength];
  const check = async (ref: string, expect: 'file' | 'folder') => checkDataPath(ref, modelFile, workspaceRoot, expect);
  let resolved: { path: string } | { images: string; labels: string };
  if (isIdxSource(source)) {
    const [images, labels] = await Promise.all([check(source.images, 'file'), check(source.labels, 'file')]);
    if (!images.ok || !labels.ok) return undefined;
    resolved = { images: images.path, labels: labels.path };
  } else {
    const found = await check(source.path, isImageFolderSource(source) ? 'folder' : 'file');
    if (!found.ok) return undefined;
    resolved = { path: found.path };
  }
  const natural = (await summarizeSource(source, resolved, spec.task)).exampleShape;
  return natural === undefined ? undefined : [natural.reduce((a, b) => a * b, 1)];
}

/** `model.layers[2].type` → ['model', 'layers', 2, 'type']. */
export function fieldPath(field: string): JsonPath {
  const path: (string | number)[] = [];
  for (const match of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  return path;
}

function diagnosticAt(modelFile: string, text: string, path: JsonPath, message: string): SpecDiagnostic {
  return { file: modelFile, range: parseModelFile(modelFile, text).rangeOf(path), severity: 'error', message, path };
}
