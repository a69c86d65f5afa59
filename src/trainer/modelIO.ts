import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomicFile';

/**
 * Model folders in the format of tfjs-node's `file://` handler (model.json +
 * weights.bin), without needing tfjs-node: it is an optional dependency
 * that is often absent (BACKENDS.md "Process and IO").
 */

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

export interface SaveOptions {
  /**
   * Also save the optimizer's state (the step count, Adam's moments) as
   * TF.js's `includeOptimizer` does: what resuming a run needs.
   */
  readonly includeOptimizer?: boolean;
  /** Merged into model.json's `userDefinedMetadata` (the trainer's resume state). */
  readonly metadata?: Readonly<Record<string, object>>;
}

/** A model folder's contents in memory: what saveModel writes. */
export interface EncodedModel {
  readonly modelJSON: tf.io.ModelJSON;
  readonly weights: Uint8Array;
}

/**
 * Saves topology, training config and weights (the optimizer state only
 * when asked) into `dir`, creating it.
 */
export async function saveModel(model: tf.LayersModel, dir: string, options: SaveOptions = {}): Promise<void> {
  await writeModelFolder(dir, await encodeModel(model, options));
}

/**
 * Reads the model's weights (and optimizer state when asked) into memory
 * now; the result no longer changes with the model, so it can be written
 * while training goes on.
 */
export async function encodeModel(model: tf.LayersModel, options: SaveOptions = {}): Promise<EncodedModel> {
  // includeOptimizer makes TF.js 4.22 create the step count as a new scalar
  // (Optimizer.saveIterations) that nothing disposes: one leaked tensor per
  // save. A scope ends it; variables (the weights, Adam's moments) outlive scopes.
  const scoped = options.includeOptimizer === true;
  if (scoped) tf.engine().startScope();
  try {
    return await encode(model, options);
  } finally {
    if (scoped) tf.engine().endScope();
  }
}

async function encode(model: tf.LayersModel, options: SaveOptions): Promise<EncodedModel> {
  let encoded: EncodedModel | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const metadata = options.metadata === undefined && artifacts.userDefinedMetadata === undefined
      ? undefined
      : { ...artifacts.userDefinedMetadata, ...options.metadata };
    const weightData = artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const modelJSON: tf.io.ModelJSON = {
      // A LayersModel's topology is always JSON, never a binary graph.
      modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
      ...(metadata === undefined ? {} : { userDefinedMetadata: metadata }),
    };
    encoded = { modelJSON, weights: new Uint8Array(weightData) };
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: weightData.byteLength,
      },
    };
  }), { includeOptimizer: options.includeOptimizer ?? false });
  if (encoded === undefined) throw new Error('TF.js saved no model artifacts');
  return encoded;
}

/**
 * Writes an encoded model into `dir` (model.json + weights.bin), creating
 * it. Weights are written before model.json, each through a temp file: a
 * reader between the two renames still gets a matching pair, because a run
 * saves the same topology every time.
 */
export async function writeModelFolder(dir: string, encoded: EncodedModel): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, WEIGHTS_BIN), encoded.weights);
  await writeJsonAtomic(path.join(dir, MODEL_JSON), encoded.modelJSON);
}

async function readModelFolder(dir: string): Promise<{ modelJSON: tf.io.ModelJSON; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const modelJSON = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJSON.weightsManifest) {
    for (const file of group.paths) {
      const bytes = await fs.readFile(path.join(dir, file));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  return { modelJSON, specs: tf.io.getWeightSpecs(modelJSON.weightsManifest), data: tf.io.CompositeArrayBuffer.join(buffers) };
}

/** The weights of a saved model folder, in the order of `model.getWeights()` (a model built from the same spec). */
export async function readWeights(model: tf.LayersModel, dir: string): Promise<tf.Tensor[]> {
  const { specs, data } = await readModelFolder(dir);
  const named = tf.io.decodeWeights(data, specs);
  const weights = model.weights.map((w) => named[w.originalName]);
  const missing = model.weights.filter((_, i) => weights[i] === undefined).map((w) => w.originalName);
  tf.dispose(Object.values(named).filter((t) => !weights.includes(t)));
  if (missing.length > 0) {
    tf.dispose(weights.filter((t) => t !== undefined));
    throw new Error(`${dir}: no weights for ${missing.join(', ')}`);
  }
  return weights;
}

/**
 * Loads a checkpoint saved with `includeOptimizer` into `model`, which was
 * built and compiled from the same spec: its weights by name, and the
 * optimizer's state into `model.optimizer`. Returns model.json's
 * userDefinedMetadata and whether the checkpoint held optimizer state.
 */
export async function loadCheckpoint(
  model: tf.LayersModel,
  dir: string,
): Promise<{ metadata: Readonly<Record<string, unknown>> | undefined; optimizer: boolean }> {
  const { modelJSON, specs, data } = await readModelFolder(dir);
  const named = tf.io.decodeWeights(data, specs);
  try {
    const modelWeights: tf.NamedTensorMap = {};
    const optimizerWeights: { name: string; tensor: tf.Tensor }[] = [];
    for (const spec of specs) {
      if (spec.group === 'optimizer') optimizerWeights.push({ name: spec.name, tensor: named[spec.name] });
      else modelWeights[spec.name] = named[spec.name];
    }
    model.loadWeights(modelWeights, true);
    if (optimizerWeights.length > 0) await model.optimizer.setWeights(optimizerWeights);
    const metadata = modelJSON.userDefinedMetadata as Readonly<Record<string, unknown>> | undefined;
    return { metadata, optimizer: optimizerWeights.length > 0 };
  } finally {
    tf.dispose(Object.values(named));
  }
}

/**
 * Loads a folder written by saveModel (or by tfjs-node's `file://`) as a
 * LayersModel. saveModel keeps no optimizer state, so its models come back
 * uncompiled: compile before evaluate().
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return loadModelFile(path.join(dir, MODEL_JSON));
}

/** {@link loadModel} for a model.json of any name; its weight files are named relative to its folder. */
export async function loadModelFile(file: string): Promise<tf.LayersModel> {
  const dir = path.dirname(file);
  const modelJSON = JSON.parse(await fs.readFile(file, 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const file of group.paths) {
        const bytes = await fs.readFile(path.join(dir, file));
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
    }
    return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tf.loadLayersModel({ load: async () => artifacts });
}
