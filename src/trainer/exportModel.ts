import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExportComparison, ExportRequest, ExportResult, Quantization } from '../protocol/exportTypes';
import { exportSummary } from '../protocol/exportSummary';
import { writeFileAtomic, writeJsonAtomic } from '../runFolder/atomicFile';
import { loadBackend } from './backend';
import { disposeModel } from './buildModel';
import { loadEvaluationExamples } from './evaluationData';
import { compareModels } from './exportComparison';
import { loadNote, modelStudioClasses, writeExportReadme, writeLayersLoader } from './exportLayers';
import { loadModel } from './modelIO';
import { quantizeWeights, unquantizedBytes } from './quantizeWeights';
import { readRunArtifacts } from './runArtifacts';
import { RUN_FILES } from '../runFolder/runFiles';

/** tfjs-converter's shard size: small enough for browsers and CDNs to cache piece by piece. */
export const SHARD_BYTES = 4 * 1024 * 1024;
export const KERAS_TOPOLOGY = 'keras-topology.json';

/**
 * Writes a run's final model in the TF.js layers format (model.json and
 * `group1-shardNofM.bin` weight files, as tfjs-converter writes them;
 * `tf.loadLayersModel` and tfjs-node's `file://` load it), plus the Keras
 * topology (`keras-topology.json`: what Keras's `model_from_json` reads; the
 * weights go to Keras through `tensorflowjs_converter --input_format
 * tfjs_layers_model --output_format keras`), and a text model's
 * vocabulary.json. A model with Model Studio's own layers also gets the
 * script that registers them and a README saying to import it before
 * `tf.loadLayersModel`. With `quantize`, the weights are stored as float16
 * or uint16 / uint8 (quantizeWeights.ts) and the README says how. Then
 * reloads the export and compares it with the run's model on the run's
 * test data: the test metric of each and their largest output difference.
 */
export async function exportRun(request: ExportRequest): Promise<ExportResult> {
  const artifacts = await readRunArtifacts(request.runDir);
  await loadBackend(request.backend ?? 'auto');
  const outDir = path.resolve(request.outDir);
  const { quantize } = request;
  const model = await loadModel(artifacts.modelDir);
  let files: string[];
  let classes: string[];
  let bytesFloat32: number;
  try {
    files = await saveLayersModel(model, outDir, quantize);
    bytesFloat32 = unquantizedBytes(model.weights.map((w) => w.read()));
    classes = modelStudioClasses(model);
    if (classes.length > 0) files.push(await writeLayersLoader(outDir));
  } finally {
    disposeModel(model);
  }
  if (artifacts.vocabulary !== undefined) {
    // A text model reads token ids: without the tokens by id, nobody can feed it text.
    const file = path.join(outDir, RUN_FILES.vocabulary);
    await writeJsonAtomic(file, artifacts.vocabulary);
    files.push(file);
  }

  let comparison: ExportComparison | undefined;
  let parityNote: string | undefined;
  try {
    const examples = await loadEvaluationExamples(artifacts, { workspaceRoot: request.workspaceRoot });
    const [original, reloaded] = await Promise.all([loadModel(artifacts.modelDir), loadModel(outDir)]);
    try {
      comparison = await compareModels(original, reloaded, artifacts, examples);
    } finally {
      disposeModel(original);
      disposeModel(reloaded);
    }
  } catch (error) {
    parityNote = error instanceof Error ? error.message : String(error);
  }
  const sizes = { bytes: await weightBytes(files), bytesFloat32 };
  const figures = { ...sizes, ...(quantize === undefined ? {} : { quantize }), ...(comparison ? { comparison } : {}) };
  const readme = await writeExportReadme(
    outDir,
    classes,
    quantize === undefined ? undefined : weightsReadme(quantize, { ...figures, parityNote }),
  );
  if (readme !== undefined) files.push(readme);
  return {
    runId: artifacts.run.id,
    outDir,
    files,
    ...figures,
    // The figures older consumers read: the comparison's difference and example count.
    ...(comparison ? { parity: { examples: comparison.examples, maxAbsDifference: comparison.maxAbsDifference } } : {}),
    ...(parityNote === undefined ? {} : { parityNote }),
    ...(classes.length === 0 ? {} : { loadNote: loadNote(classes) }),
  };
}

/** The README's paragraph on quantized weights: how they are stored and what it cost on the test data. */
function weightsReadme(quantize: Quantization, figures: Parameters<typeof exportSummary>[0]): string {
  const storage =
    quantize === 'float16'
      ? 'as IEEE float16 (half precision)'
      : `as ${quantize === 'uint8' ? '8' : '16'}-bit integers q, each weight with its own \`min\` and \`scale\` (value ≈ min + scale · q)`;
  return `The weights are stored ${storage}, as the \`quantization\` entries of \`weightsManifest\` in
\`model.json\` say; \`tf.loadLayersModel\` turns them back into float32 when it loads the model
(tfjs-converter's \`--quantize_${quantize}\` writes the same format).

Against the float32 weights: ${exportSummary(figures)}.
`;
}

async function weightBytes(files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.filter((file) => file.endsWith('.bin')).map(async (file) => (await fs.stat(file)).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * Saves `model` as model.json + weight shards + keras-topology.json in
 * `outDir`, its float32 weights stored as `quantize` says; returns the files.
 */
export async function saveLayersModel(model: tf.LayersModel, outDir: string, quantize?: Quantization): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const float32Data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const float32Specs = artifacts.weightSpecs ?? [];
      const { specs, data: weightData } =
        quantize === undefined
          ? { specs: float32Specs, data: new Uint8Array(float32Data) }
          : quantizeWeights(float32Specs, float32Data, quantize);
      const shards = Math.max(1, Math.ceil(weightData.byteLength / SHARD_BYTES));
      const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
      for (const [i, name] of paths.entries()) {
        const file = path.join(outDir, name);
        await writeFileAtomic(file, weightData.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
        written.push(file);
      }
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths, weights: specs }],
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
