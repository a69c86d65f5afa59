import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import { displayPath } from '../data/dataError';
import { prepareData, type FoldChoice } from '../data/prepareData';
import type { PreparedData } from '../data/preparedData';
import { DEFAULT_SEED } from '../data/random';
import type { VocabularyFile } from '../data/vocabulary';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { DEFAULT_BATCH_SIZE } from '../modelFile/modelDefaults';
import type { ModelSpec } from '../modelFile/modelSpec';
import type { SpecDiagnostic } from '../modelFile/diagnostic';
import { parseParamPath, withParams } from '../modelFile/paramPath';
import { formatDiagnostic, validateModelFile } from '../modelFile/validateModelFile';
import type { TrialParams } from '../protocol/sweepTypes';
import { BackendUnavailableError, findMissingTrainingKernel, type LoadedBackend } from './backend';
import { loadBaseModel } from './baseModel';
import { buildModel, compileModel, disposeModel, outputUnits } from './buildModel';
import { labelEncoding } from './trainingData';

/** Everything a run needs before its folder exists: a valid spec, prepared data, a compiled model. */
export interface RunSetup {
  readonly spec: ModelSpec;
  readonly data: PreparedData;
  readonly model: tf.LayersModel;
  readonly backend: LoadedBackend;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
}

/** A resumed run's spec: the snapshot it started with (spec.json), not the model file as it is now. */
export interface SpecSnapshot {
  readonly specText: string;
  /** The run's planned epochs. */
  readonly epochs: number;
}

/** The model file's text with a sweep trial's values set (TrainRequest.overrides); a path that cannot be set is named. */
function withTrialValues(modelFile: string, text: string, overrides: TrialParams): string {
  try {
    return withParams(modelFile, text, overrides);
  } catch (error) {
    throw new Error(`${displayPath(modelFile)}: cannot set the sweep's values ${JSON.stringify(overrides)}: ${(error as Error).message}`);
  }
}

/**
 * A trial's model file that does not validate: the problem with the
 * parameter and value it comes from (the line numbers are the trial's
 * text, so the parameter, not the line, is what the user can find).
 */
function trialValueError(modelFile: string, error: SpecDiagnostic, overrides: TrialParams): string {
  const key = Object.keys(overrides).find((k) => {
    const path = parseParamPath(k);
    const shorter = path && Math.min(path.length, error.path.length);
    // The value's own problem, or one it causes in what holds it (a number where an object was).
    return path !== undefined && shorter !== undefined && shorter >= 2 && path.slice(0, shorter).every((part, i) => error.path[i] === part);
  });
  const source =
    key === undefined
      ? `with the sweep's values ${JSON.stringify(overrides)}`
      : `search.parameters "${key}" = ${JSON.stringify(overrides[key])}`;
  return `${displayPath(modelFile)}: ${source}: ${error.message}`;
}

/** What to train: the valid spec, for how many epochs, and (cross-validation) which fold validates. */
export interface RunPlan {
  readonly spec: ModelSpec;
  readonly epochs: number;
  readonly fold?: FoldChoice;
  /** Text data: the vocabulary of the run resumed or continued (its ids must not shift). */
  readonly vocabulary?: VocabularyFile;
}

/** Reads and validates the model file (or a resumed run's snapshot); warnings go to `emit`; throws the first error. */
export async function planRun(request: TrainRequest, emit: (message: TrainerToHost) => void, snapshot?: SpecSnapshot): Promise<RunPlan> {
  const spec = await readValidSpec(request, emit, snapshot);
  return { spec, epochs: snapshot?.epochs ?? request.epochs ?? spec.training.epochs };
}

async function readValidSpec(request: TrainRequest, emit: (message: TrainerToHost) => void, snapshot?: SpecSnapshot): Promise<ModelSpec> {
  const modelFile = request.modelFile;
  let text: string;
  if (snapshot) {
    text = snapshot.specText;
  } else {
    try {
      text = await fs.readFile(modelFile, 'utf8');
    } catch (error) {
      throw new Error(`${displayPath(modelFile)}: cannot read the model file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  const overrides = snapshot ? undefined : request.overrides;
  if (overrides) text = withTrialValues(modelFile, text, overrides);
  // A snapshot is JSON; it is checked as if it were the model file, whose folder its data paths are relative to.
  const { spec, diagnostics, defaults } = await validateModelFile(modelFile, text, {
    workspaceRoot: request.workspaceRoot,
    leaveDataErrorsToLoading: true,
  });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const warning of diagnostics.filter((d) => d.severity === 'warning')) {
    if (!snapshot) emit({ type: 'log', level: 'warn', message: formatDiagnostic(warning) });
  }
  // What the file left out and training uses instead, so that a run of a minimal file says what it trained with.
  const training = defaults.filter((d) => d.key.startsWith('training.') || d.key === 'task');
  if (!snapshot && errors.length === 0 && training.length > 0) {
    emit({
      type: 'log',
      level: 'info',
      message: `defaults: ${training.map((d) => `${d.key} ${JSON.stringify(d.value)} (${d.reason})`).join(', ')}`,
    });
  }
  if (errors.length > 0 || spec === undefined) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    const first = errors.length > 0 ? errors[0].message : 'invalid model file';
    throw new Error(
      snapshot
        ? `${displayPath(request.resumeRunDir ?? modelFile)}: cannot resume: the run's spec.json no longer validates: ${first}${more}`
        : overrides && errors.length > 0
          ? `${trialValueError(modelFile, errors[0], overrides)}${more}`
          : errors.length > 0
            ? `${formatDiagnostic(errors[0])}${more}`
            : `${displayPath(modelFile)}: invalid model file`,
    );
  }
  return spec;
}

/**
 * Builds the model on the loaded backend. A model that needs a
 * kernel the backend lacks (wasm has no depthwise-conv or embedding
 * gradients) moves to cpu when the backend was chosen automatically, with
 * the reason kept for run.json; an explicit choice fails instead.
 */
async function buildOnBackend(
  spec: ModelSpec,
  data: PreparedData,
  seed: number,
  request: TrainRequest,
  loaded: LoadedBackend,
  emit: (message: TrainerToHost) => void,
): Promise<{ model: tf.LayersModel; backend: LoadedBackend }> {
  // Fine-tuning: the `model.from` model's layers and weights come first; buildModel copies them.
  const base = await loadBaseModel(spec, request.modelFile, request.workspaceRoot);
  try {
    return await buildWith(spec, data, seed, request, loaded, emit, base);
  } finally {
    base?.dispose();
  }
}

async function buildWith(
  spec: ModelSpec,
  data: PreparedData,
  seed: number,
  request: TrainRequest,
  loaded: LoadedBackend,
  emit: (message: TrainerToHost) => void,
  base: tf.LayersModel | undefined,
): Promise<{ model: tf.LayersModel; backend: LoadedBackend }> {
  const model = buildModel(spec, data.featureShape, seed, base);
  const missing = loaded.backend === 'cpu' ? undefined : findMissingTrainingKernel(model, data.featureShape);
  if (missing === undefined) {
    return { model, backend: loaded };
  }
  model.dispose();
  const reason = `${loaded.backend} lacks the ${missing} kernel this model needs for training`;
  if ((request.backend ?? 'auto') !== 'auto') {
    throw new BackendUnavailableError(loaded.backend, `${reason}; choose another backend or auto`);
  }
  emit({ type: 'log', level: 'warn', message: `${reason}: training on cpu` });
  await tf.setBackend('cpu');
  return {
    model: buildModel(spec, data.featureShape, seed, base),
    backend: { backend: 'cpu', skipped: [...loaded.skipped, { backend: loaded.backend, reason }] },
  };
}

/**
 * Validates the model file (unless `plan` says what to train), prepares the
 * data and builds and compiles the model. Throws for anything wrong with
 * the user's files (DataError, ModelBuildError, BackendUnavailableError, or
 * an Error whose message is a formatted diagnostic); the caller reports it
 * with userMessage().
 */
export async function setUpRun(
  request: TrainRequest,
  loaded: LoadedBackend,
  emit: (message: TrainerToHost) => void,
  plan?: RunPlan,
): Promise<RunSetup> {
  const { spec, epochs, fold, vocabulary } = plan ?? (await planRun(request, emit));
  const data = await prepareData(spec, {
    modelFile: request.modelFile,
    workspaceRoot: request.workspaceRoot,
    ...(fold ? { fold } : {}),
    ...(vocabulary ? { vocabulary } : {}),
  });
  const seed = spec.training.seed ?? DEFAULT_SEED;
  const { model, backend } = await buildOnBackend(spec, data, seed, request, loaded, emit);
  try {
    compileModel(model, spec.training);
    labelEncoding(spec, data, outputUnits(model));
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  return {
    spec,
    data,
    model,
    backend,
    seed,
    epochs,
    batchSize: spec.training.batchSize ?? DEFAULT_BATCH_SIZE,
  };
}
