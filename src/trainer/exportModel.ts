import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExportRequest, ExportResult } from '../protocol/exportTypes';
import { writeFileAtomic, writeJsonAtomic } from '../runFolder/atomicFile';
import { loadBackend } from './backend';
import { disposeModel } from './buildModel';
import { loadEvaluationExamples } from './evaluationData';
import { loadNote, modelStudioClasses, writeLayersLoader } from './exportLayers';
import { loadModel } from './modelIO';
import { readRunArtifacts } from './runArtifacts';
import { RUN_FILES } from '../runFolder/runFiles';

/** tfjs-converter's shard size: small enough for browsers and CDNs to cache piece by piece. */
export const SHARD_BYTES = 4 * 1024 * 1024;
export const KERAS_TOPOLOGY = 'keras-topology.json';
const PARITY_BATCH = 256;

/**
 * Writes a run's final model in the TF.js layers format (model.json and
 * `group1-shardNofM.bin` weight files, as tfjs-converter writes them;
 * `tf.loadLayersModel` and tfjs-node's `file://` load it), plus the Keras
 * topology (`keras-topology.json`: what Keras's `model_from_json` reads; the
 * weights go to Keras through `tensorflowjs_converter --input_format
 * tfjs_layers_model --output_format keras`), and a text model's
 * vocabulary.json. A model with Model Studio's own layers also gets the
 * script that registers them and a README saying to import it before
 * `tf.loadLayersModel`. Then reloads the export and
 * compares its predictions on the run's test data with the run's model.
 */
export async function exportRun(request: ExportRequest): Promise<ExportResult> {
  const artifacts = await readRunArtifacts(request.runDir);
  await loadBackend(request.backend ?? 'auto');
  const outDir = path.resolve(request.outDir);
  const model = await loadModel(artifacts.modelDir);
  let files: string[];
  let note: string | undefined;
  try {
    files = await saveLayersModel(model, outDir);
    const classes = modelStudioClasses(model);
    if (classes.length > 0) {
      files.push(...(await writeLayersLoader(outDir, classes)));
      note = loadNote(classes);
    }
  } finally {
    disposeModel(model);
  }
  if (artifacts.vocabulary !== undefined) {
    // A text model reads token ids: without the tokens by id, nobody can feed it text.
    const file = path.join(outDir, RUN_FILES.vocabulary);
    await writeJsonAtomic(file, artifacts.vocabulary);
    files.push(file);
  }

  let parity: ExportResult['parity'];
  let parityNote: string | undefined;
  try {
    const examples = await loadEvaluationExamples(artifacts, { workspaceRoot: request.workspaceRoot });
    const [original, reloaded] = await Promise.all([loadModel(artifacts.modelDir), loadModel(outDir)]);
    try {
      parity = {
        examples: examples.count,
        maxAbsDifference: await maxAbsDifference(original, reloaded, examples.x, artifacts.normalization.featureShape, examples.count),
      };
    } finally {
      disposeModel(original);
      disposeModel(reloaded);
    }
  } catch (error) {
    parityNote = error instanceof Error ? error.message : String(error);
  }
  // Unquantized, the weight files hold exactly the float32 weights.
  const bytes = await weightBytes(files);
  return {
    runId: artifacts.run.id,
    outDir,
    files,
    bytes,
    bytesFloat32: bytes,
    ...(parity ? { parity } : {}),
    ...(parityNote === undefined ? {} : { parityNote }),
    ...(note === undefined ? {} : { loadNote: note }),
  };
}

async function weightBytes(files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.filter((file) => file.endsWith('.bin')).map(async (file) => (await fs.stat(file)).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** Saves `model` as model.json + weight shards + keras-topology.json in `outDir`; returns the files. */
export async function saveLayersModel(model: tf.LayersModel, outDir: string): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const shards = Math.max(1, Math.ceil(weightData.byteLength / SHARD_BYTES));
      const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
      for (const [i, name] of paths.entries()) {
        const file = path.join(outDir, name);
        await writeFileAtomic(file, new Uint8Array(weightData.slice(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)));
        written.push(file);
      }
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      const modelFile = path.join(outDir, 'model.json');
      await writeJsonAtomic(modelFile, modelJSON);
      written.unshift(modelFile);
      const keras = path.join(outDir, KERAS_TOPOLOGY);
      // The same topology Keras's model.to_json() writes: class_name/config per layer, snake_case keys.
      await writeJsonAtomic(keras, artifacts.modelTopology);
      written.push(keras);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    }),
  );
  return written;
}

/** Largest |a − b| over the two models' outputs on `x` ([count, ...featureShape]). */
export async function maxAbsDifference(
  a: tf.LayersModel,
  b: tf.LayersModel,
  x: Float32Array,
  featureShape: readonly number[],
  count: number,
): Promise<number> {
  const width = x.length / count;
  let max = 0;
  for (let start = 0; start < count; start += PARITY_BATCH) {
    const end = Math.min(count, start + PARITY_BATCH);
    const difference = tf.tidy(() => {
      const batch = tf.tensor(x.subarray(start * width, end * width), [end - start, ...featureShape], 'float32');
      return tf.max(tf.abs(tf.sub(a.predict(batch) as tf.Tensor, b.predict(batch) as tf.Tensor)));
    });
    max = Math.max(max, (await difference.data())[0]);
    difference.dispose();
  }
  return max;
}
