import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { ExplainMethod, ExplainRequest, ExplainResult, FeatureMapLayer, ImageExplanation } from '../../protocol/explainTypes';
import { loadBackend } from '../backend';
import { disposeModel, outputUnits } from '../buildModel';
import { classProbabilities, imageOf, scoreOutputs, worstExamples, WORST_COUNT } from '../evaluate';
import { loadEvaluationExamples, type EvaluationExamples } from '../evaluationData';
import { argmaxRows } from '../metrics';
import { loadModel } from '../modelIO';
import { predictOutputs } from '../modelOutputs';
import { readRunArtifacts, type RunArtifacts } from '../runArtifacts';
import { RUN_FILES } from '../../runFolder/runFiles';
import { featureMaps } from './featureMaps';
import { gradCamMaps, lastConvolution, saliencyMaps } from './heatmaps';
import { permutationImportance } from './permutationImportance';

/** Examples per gradient pass: the memory of a batch of activations and their gradients stays small. */
const HEATMAP_BATCH = 32;

/** Why a run's model cannot be explained the way asked, in one line naming the run and what to do instead. */
export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

/**
 * Explains a run's final model on its test data (or `request.data`):
 * saliency or Grad-CAM heatmaps of image examples (by default the worst
 * predictions, as the evaluation ranks them), each convolution layer's
 * feature maps for the first one, or permutation importance of a table's
 * columns. Loads the TF.js backend itself; the CLI (`explain`) and the
 * trainer process (for the evaluation panel) both call it.
 */
export async function explainRun(request: ExplainRequest): Promise<ExplainResult> {
  const artifacts = await readRunArtifacts(request.runDir);
  if (artifacts.vocabulary !== undefined) {
    throw new ExplainError(
      `run ${artifacts.run.id} (${artifacts.runDir}) is a text model: saliency, Grad-CAM and feature importance explain image and table models; ` +
        "see what a text model's transformer layers attend to in its evaluation (the attention view of each worst prediction)",
    );
  }
  await loadBackend(request.backend ?? 'auto');
  const examples = await loadEvaluationExamples(artifacts, {
    workspaceRoot: request.workspaceRoot,
    ...(request.data === undefined ? {} : { data: request.data }),
  });
  const method: ExplainMethod = request.method ?? (examples.imageShape === undefined ? 'importance' : 'saliency');
  checkMethod(method, artifacts, examples);
  const model = await loadModel(artifacts.modelDir);
  try {
    const base = { runId: artifacts.run.id, method, dataset: examples.dataset.description };
    if (method === 'importance') return { ...base, ...(await importance(model, artifacts, examples)) };
    return { ...base, ...(await imageExplanations(model, method, artifacts, examples, request)) };
  } finally {
    disposeModel(model);
  }
}

function checkMethod(method: ExplainMethod, artifacts: RunArtifacts, examples: EvaluationExamples): void {
  const run = `run ${artifacts.run.id} (${artifacts.runDir})`;
  const images = examples.imageShape !== undefined;
  if (method === 'importance' && images) {
    throw new ExplainError(
      `${run} was trained on images: feature importance shuffles the columns of a table; explain an image model with saliency or gradcam`,
    );
  }
  if (method !== 'importance' && !images) {
    throw new ExplainError(
      `${run} was trained on a table (${examples.dataset.description}): ${method} draws a heatmap over an image; explain a table model with importance`,
    );
  }
}

async function importance(
  model: tf.LayersModel,
  artifacts: RunArtifacts,
  examples: EvaluationExamples,
): Promise<Omit<ExplainResult, 'runId' | 'method' | 'dataset'>> {
  const { featureShape, featureNames } = artifacts.normalization;
  const width = featureShape.reduce((a, b) => a * b, 1);
  const names = Array.from({ length: width }, (_, j) => featureNames?.[j] ?? `feature ${j + 1}`);
  const units = outputUnits(model);
  const { features, summary } = await permutationImportance(
    {
      x: examples.x,
      count: examples.count,
      y: examples.y,
      featureNames: names,
      units,
      predict: (x) => predictOutputs(model, x, featureShape, examples.count),
    },
    artifacts,
    artifacts.run.seed,
  );
  return { explanations: features, importance: summary };
}

async function imageExplanations(
  model: tf.LayersModel,
  method: Exclude<ExplainMethod, 'importance'>,
  artifacts: RunArtifacts,
  examples: EvaluationExamples,
  request: ExplainRequest,
): Promise<Omit<ExplainResult, 'runId' | 'method' | 'dataset'>> {
  const layer = lastConvolution(model);
  if (method === 'gradcam' && layer < 0) {
    throw new ExplainError(
      `run ${artifacts.run.id} (${path.join(artifacts.runDir, RUN_FILES.spec)}): model.layers has no convolution layer (conv2d) for Grad-CAM to weigh; use saliency`,
    );
  }
  const { featureShape } = artifacts.normalization;
  const units = outputUnits(model);
  const outputs = await predictOutputs(model, examples.x, featureShape, examples.count);
  const scored = scoreOutputs(outputs, units, artifacts, examples.y);
  const rows = request.rows === undefined ? worstExamples(scored.losses, WORST_COUNT) : checkedRows(request.rows, examples);
  // Classification explains the predicted class; regression the one output.
  const { probabilities, classCount } = classProbabilities(outputs, units);
  const predictedClasses = artifacts.spec.task === 'classification' ? argmaxRows(probabilities, classCount) : undefined;
  const imageShape = examples.imageShape as [number, number, number];
  const heatmaps: number[][][] = [];
  for (let start = 0; start < rows.length; start += HEATMAP_BATCH) {
    const chunk = rows.slice(start, start + HEATMAP_BATCH);
    const x = examplesTensor(examples, chunk, featureShape);
    try {
      const target = { x, imageShape, classes: chunk.map((row) => predictedClasses?.[row]) };
      heatmaps.push(...(method === 'saliency' ? await saliencyMaps(model, target) : await gradCamMaps(model, target, layer)));
    } finally {
      x.dispose();
    }
  }
  const sources = await examples.sources(rows);
  const explanations: ImageExplanation[] = rows.map((row, i) => {
    const { predicted, actual } = scored.describe(row);
    return { row, source: sources[i], predicted, actual, heatmap: heatmaps[i].map(roundRow), image: imageOf(examples, row) };
  });
  const maps =
    request.featureMaps === true && rows.length > 0
      ? { featureMaps: { row: rows[0], layers: await exampleMaps(model, examples, rows[0], featureShape) } }
      : {};
  return { explanations, ...(method === 'gradcam' ? { layer: model.layers[layer].name } : {}), ...maps };
}

/** The given examples as a batch [rows, ...featureShape]. */
function examplesTensor(examples: EvaluationExamples, rows: readonly number[], featureShape: readonly number[]): tf.Tensor {
  const width = examples.x.length / examples.count;
  const picked = new Float32Array(rows.length * width);
  rows.forEach((row, i) => picked.set(examples.x.subarray(row * width, (row + 1) * width), i * width));
  return tf.tensor(picked, [rows.length, ...featureShape]);
}

async function exampleMaps(
  model: tf.LayersModel,
  examples: EvaluationExamples,
  row: number,
  featureShape: readonly number[],
): Promise<FeatureMapLayer[]> {
  const x = examplesTensor(examples, [row], featureShape);
  try {
    return await featureMaps(model, x);
  } finally {
    x.dispose();
  }
}

function checkedRows(rows: readonly number[], examples: EvaluationExamples): number[] {
  const bad = rows.find((row) => !Number.isInteger(row) || row < 0 || row >= examples.count);
  if (bad !== undefined) {
    throw new ExplainError(
      `rows: ${bad} is not an example of ${examples.dataset.description}: rows are 0-based positions among its examples, 0 to ${examples.count - 1}`,
    );
  }
  return [...rows];
}

/** 4 decimals: plenty for a heatmap, a quarter of the JSON. */
function roundRow(values: readonly number[]): number[] {
  return values.map((v) => Math.round(v * 1e4) / 1e4);
}
