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

/**
 * Saves topology, training config and weights (not the optimizer state) into
 * `dir`, creating it. Weights are written before model.json, each through a
 * temp file: a reader between the two renames still gets a matching pair,
 * because a run saves the same topology every time.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
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
      ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
    };
    await writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
    await writeJsonAtomic(path.join(dir, MODEL_JSON), modelJSON);
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: weightData.byteLength,
      },
    };
  }));
}

/**
 * Loads a folder written by saveModel (or by tfjs-node's `file://`) as a
 * LayersModel. saveModel keeps no optimizer state, so its models come back
 * uncompiled: compile before evaluate().
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const modelJSON = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
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
