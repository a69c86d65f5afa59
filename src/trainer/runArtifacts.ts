import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isRunInfo } from '../protocol/guards';
import type { RunInfo } from '../protocol/runTypes';
import type { ModelSpec } from '../modelFile/modelSpec';
import { FOLDS_FOLDER } from '../runFolder/crossValidation';
import { RUN_FILES } from '../runFolder/runFiles';
import type { RunNormalization } from './runWriter';
import { isObject } from '../protocol/primitiveGuards';
import { isVocabularyFile, type VocabularyFile } from '../data/vocabulary';

/**
 * What evaluation, prediction and export read from a finished run folder
 * (docs/architecture.md "The run folder"): run.json, the spec snapshot,
 * the normalisation the trainer saved, and where the final model is.
 */
export interface RunArtifacts {
  readonly runDir: string;
  readonly run: RunInfo;
  readonly spec: ModelSpec;
  readonly normalization: RunNormalization;
  /** The folder holding model.json + weights.bin. */
  readonly modelDir: string;
  /** Text data: the tokens by id the model was trained with (vocabulary.json). */
  readonly vocabulary?: VocabularyFile;
}

/** A run folder that cannot be evaluated (no model yet, not a run), said in one line. */
export class RunFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFolderError';
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunFolderError(code === 'ENOENT' ? `${file}: not found (${what})` : `${file}: cannot read (${code ?? String(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RunFolderError(`${file}: not valid JSON (${what})`);
  }
}

function isStats(x: unknown): boolean {
  return (
    isObject(x) &&
    typeof x.method === 'string' &&
    Array.isArray(x.offset) &&
    Array.isArray(x.divisor) &&
    x.offset.length === x.divisor.length &&
    [...x.offset, ...x.divisor].every((v) => typeof v === 'number')
  );
}

/** Reads a run folder whose final model exists (completed or stopped runs). */
export async function readRunArtifacts(runDir: string): Promise<RunArtifacts> {
  const dir = path.resolve(runDir);
  const run = await readJson(path.join(dir, RUN_FILES.run), 'is this a run folder?');
  if (!isRunInfo(run)) throw new RunFolderError(`${path.join(dir, RUN_FILES.run)}: not a run.json written by Model Studio`);
  if (run.crossValidation) {
    throw new RunFolderError(
      `${dir}: run ${run.id} is cross-validated: its models are its folds'; choose one of them (${path.join(dir, FOLDS_FOLDER, '1')} … ${run.crossValidation.foldCount})`,
    );
  }
  const spec = await readJson(path.join(dir, RUN_FILES.spec), 'the spec snapshot of the run');
  if (!isObject(spec) || !isObject(spec.data) || !isObject(spec.model) || !isObject(spec.training) || typeof spec.task !== 'string') {
    throw new RunFolderError(`${path.join(dir, RUN_FILES.spec)}: not a model spec`);
  }
  const normalization = await readJson(path.join(dir, RUN_FILES.normalization), 'the normalisation the run was trained with');
  if (
    !isObject(normalization) ||
    !Array.isArray(normalization.featureShape) ||
    !isStats(normalization.features) ||
    !isStats(normalization.target)
  ) {
    throw new RunFolderError(`${path.join(dir, RUN_FILES.normalization)}: not the normalisation of a run`);
  }
  const vocabulary = isObject(spec.data.train) && typeof spec.data.train.text === 'string' ? await readRunVocabulary(dir) : undefined;
  const modelDir = path.join(dir, RUN_FILES.model);
  try {
    await fs.access(path.join(modelDir, 'model.json'));
  } catch {
    const why =
      run.status === 'running' ? 'it is still training' : run.status === 'failed' ? 'it failed before saving one' : 'it was not saved';
    throw new RunFolderError(`run ${run.id} has no model to evaluate (${why}): ${path.join(modelDir, 'model.json')}`);
  }
  return {
    runDir: dir,
    run,
    spec: spec as unknown as ModelSpec,
    normalization: normalization as unknown as RunNormalization,
    modelDir,
    ...(vocabulary ? { vocabulary } : {}),
  };
}

/** A text run's vocabulary.json; a RunFolderError when it is missing or not one. */
export async function readRunVocabulary(runDir: string): Promise<VocabularyFile> {
  const file = path.join(runDir, RUN_FILES.vocabulary);
  const vocabulary = await readJson(file, 'the vocabulary the text model was trained with');
  if (!isVocabularyFile(vocabulary)) throw new RunFolderError(`${file}: not the vocabulary of a run`);
  return vocabulary;
}
