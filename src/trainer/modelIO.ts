import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../runFolder/atomicFile';
import { optimizerWeights, setOptimizerWeights } from './optimizerState';
// Registers Model Studio's layers, so that every model this module loads may use them.
import './textLayers';

/**
 * Model folders in the format of tfjs-node's `file://` handler (model.json +
 * weights.bin), without needing tfjs-node: it is an optional dependency
 * that is often absent.
 */

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

export interface SaveOptions {
  /**
   * Also save the optimizer's state (the step count, Adam's moments) as
   * TF.js's `includeOptimizer` does: what resuming a run needs.
   */
  readonly includeOptimizer?: boolean;
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
 *
 * What `model.save` would hand a save handler, built here instead: save
 * copies every weight four times into fresh 5 MB buffers for the MNIST MLP
 * with Adam (7.5–12 ms median a checkpoint, and the garbage collector's work after it);
 * this reads each weight once into one buffer (docs/decisions.md). The
 * layout is TF.js's: the model's weights by `originalName`, then the
 * optimizer's in group `optimizer`; a unit test holds it equal to save's.
 */
export async function encodeModel(model: tf.LayersModel, options: SaveOptions = {}): Promise<EncodedModel> {
  // getWeights() makes TF.js 4.22 create the step count as a new scalar
  // (Optimizer.saveIterations) that nothing disposes: one leaked tensor per
  // save. A scope ends it; variables (the weights, Adam's moments) outlive scopes.
  const withOptimizer = options.includeOptimizer === true;
  if (withOptimizer) tf.engine().startScope();
  try {
    const named: NamedWeight[] = model.weights.map((weight) => ({ name: weight.originalName, tensor: weight.read() }));
    if (withOptimizer) {
      named.push(...(await optimizerWeights(model.optimizer)).map(({ name, tensor }) => ({ name, tensor, group: 'optimizer' as const })));
    }
    const { specs, weights } = await readWeightValues(named);
    const metadata = model.getUserDefinedMetadata() as tf.io.ModelJSON['userDefinedMetadata'];
    const modelJSON: tf.io.ModelJSON = {
      modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'],
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
      convertedBy: null,
      ...(withOptimizer ? { trainingConfig: trainingConfigOf(model) } : {}),
      ...(metadata === undefined ? {} : { userDefinedMetadata: metadata }),
    };
    return { modelJSON, weights };
  } finally {
    if (withOptimizer) tf.engine().endScope();
  }
}

interface NamedWeight {
  readonly name: string;
  readonly tensor: tf.Tensor;
  readonly group?: 'optimizer';
}

/** The values of `named`, in order, in one buffer, with the specs that describe them (as tf.io.encodeWeights). */
async function readWeightValues(named: readonly NamedWeight[]): Promise<{ specs: tf.io.WeightsManifestEntry[]; weights: Uint8Array }> {
  const specs = named.map(({ name, tensor, group }): tf.io.WeightsManifestEntry => {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' && tensor.dtype !== 'bool') {
      throw new Error(`cannot save weight "${name}": dtype ${tensor.dtype}`);
    }
    return { name, shape: tensor.shape, dtype: tensor.dtype, ...(group === undefined ? {} : { group }) };
  });
  const values = await Promise.all(named.map(({ tensor }) => tensor.data()));
  const weights = new Uint8Array(values.reduce((bytes, value) => bytes + value.byteLength, 0));
  let offset = 0;
  for (const value of values) {
    weights.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), offset);
    offset += value.byteLength;
  }
  return { specs, weights };
}

/** The model's part of an encoding made with `includeOptimizer`: its weights (stored first) without the optimizer's or the training config. */
export function withoutOptimizer(encoded: EncodedModel): EncodedModel {
  const { trainingConfig: _trainingConfig, weightsManifest, ...modelJSON } = encoded.modelJSON;
  const specs = weightsManifest[0].weights.filter((spec) => spec.group !== 'optimizer');
  const bytes = specs.reduce((sum, spec) => sum + spec.shape.reduce((size, d) => size * d, 1) * (spec.dtype === 'bool' ? 1 : 4), 0);
  return {
    modelJSON: { ...modelJSON, weightsManifest: [{ ...weightsManifest[0], weights: specs }] },
    weights: encoded.weights.subarray(0, bytes),
  };
}

/** Loss, metrics and optimizer as `model.save({ includeOptimizer: true })` records them (a protected method in TF.js's types). */
function trainingConfigOf(model: tf.LayersModel): tf.io.TrainingConfig {
  return (model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }).getTrainingConfig();
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

async function readModelFolder(
  dir: string,
): Promise<{ modelJSON: tf.io.ModelJSON; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
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
 * `withOptimizer` false: the weights only (the optimizer changed kind).
 */
export async function loadCheckpoint(
  model: tf.LayersModel,
  dir: string,
  withOptimizer = true,
): Promise<{ metadata: Readonly<Record<string, unknown>> | undefined; optimizer: boolean }> {
  const { modelJSON, specs, data } = await readModelFolder(dir);
  const named = tf.io.decodeWeights(data, specs);
  try {
    const modelWeights: tf.NamedTensorMap = {};
    const optimizerState: { name: string; tensor: tf.Tensor }[] = [];
    for (const spec of specs) {
      if (spec.group === 'optimizer') optimizerState.push({ name: spec.name, tensor: named[spec.name] });
      else modelWeights[spec.name] = named[spec.name];
    }
    model.loadWeights(modelWeights, true);
    if (withOptimizer && optimizerState.length > 0) await setOptimizerWeights(model.optimizer, optimizerState);
    const metadata = modelJSON.userDefinedMetadata as Readonly<Record<string, unknown>> | undefined;
    return { metadata, optimizer: optimizerState.length > 0 };
  } finally {
    tf.dispose(Object.values(named));
  }
}

/** What a checkpoint holds without loading it: its model weights' names and shapes, and its optimizer's class (`Adam`). */
export async function checkpointLayout(
  dir: string,
): Promise<{ weights: readonly { name: string; shape: readonly number[] }[]; optimizer: string | undefined }> {
  const modelJSON = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
  const specs = tf.io.getWeightSpecs(modelJSON.weightsManifest).filter((spec) => spec.group !== 'optimizer');
  const optimizer = (modelJSON.trainingConfig?.optimizer_config as { class_name?: string } | undefined)?.class_name;
  return { weights: specs.map(({ name, shape }) => ({ name, shape })), optimizer };
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
