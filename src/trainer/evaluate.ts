import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { invertNormalization } from '../data/normalize';
import type { PreparedData } from '../data/preparedData';
import type {
  ClassificationResult,
  EvaluateRequest,
  Evaluation,
  EvaluationProgress,
  ExampleImage,
  RegressionResult,
  WorstPrediction,
} from '../protocol/evaluationTypes';
import { loadBackend } from './backend';
import { compileModel, disposeModel, outputUnits } from './buildModel';
import { loadEvaluationExamples, type EvaluationExamples } from './evaluationData';
import { argmaxRows, binaryCurves, classificationReport, histogram, regressionReport, topKAccuracy } from './metrics';
import { loadModel } from './modelIO';
import { appendEvaluation } from '../runFolder/evaluationFile';
import { readRunArtifacts, type RunArtifacts } from './runArtifacts';
import { labelEncoding, splitTensors } from './trainingData';
import { attentionReceived } from './attention';
import { withAttention } from './textAttention';

/** Examples per predict call when the spec sets no batch size. */
const DEFAULT_BATCH_SIZE = 256;
/** Rows in the worst-predictions table (and the examples `explain` takes when given none). */
export const WORST_COUNT = 20;
/** Points of the predicted-vs-actual scatter kept in evaluation.json. */
const SCATTER_POINTS = 2000;
const RESIDUAL_BINS = 30;
/** Keras's epsilon: probabilities are clipped to it before the log, as TF.js's crossentropy does. */
const EPSILON = 1e-7;
const TOP_K = [2, 3, 5];

/** Thrown when the signal aborts an evaluation; nothing is written. */
export class EvaluationCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
    this.name = 'EvaluationCancelled';
  }
}

export interface EvaluateEvents {
  onProgress?(progress: EvaluationProgress): void;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `yyyymmdd-hhmmss-xxxx` in local time, like run folder names. */
function evaluationId(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}-${randomBytes(2).toString('hex')}`;
}

/**
 * Evaluates a run's final model on its test data or on another file, and
 * appends the result to `<run>/evaluation.json`. The CLI (`evaluate`) and
 * the editor (through the trainer process) both call this, so they show the
 * same numbers. Loads the TF.js backend itself (`request.backend`, default
 * auto). Throws DataError / RunFolderError / ModelBuildError for problems
 * in the user's files, EvaluationCancelled when `signal` aborts.
 */
export async function evaluateRun(
  request: EvaluateRequest,
  events: EvaluateEvents = {},
  signal: AbortSignal = new AbortController().signal,
): Promise<Evaluation> {
  const started = Date.now();
  events.onProgress?.({ phase: 'loading', done: 0, total: 0 });
  const artifacts = await readRunArtifacts(request.runDir);
  const loaded = await loadBackend(request.backend ?? 'auto');
  const examples = await loadEvaluationExamples(artifacts, {
    workspaceRoot: request.workspaceRoot,
    ...(request.data === undefined ? {} : { data: request.data }),
  });
  if (signal.aborted) throw new EvaluationCancelled();
  const model = await loadModel(artifacts.modelDir);
  let outcome: Omit<Evaluation, 'durationMs'>;
  try {
    outcome = await evaluateModel(model, artifacts, examples, loaded.backend, events, signal);
  } finally {
    disposeModel(model);
  }
  events.onProgress?.({ phase: 'writing', done: examples.count, total: examples.count });
  const evaluation: Evaluation = { ...outcome, durationMs: Date.now() - started };
  await appendEvaluation(artifacts.runDir, evaluation);
  return evaluation;
}

/** Predictions of the whole set in batches, the loss as TF.js computes it in training, then the report. */
async function evaluateModel(
  model: tf.LayersModel,
  artifacts: RunArtifacts,
  examples: EvaluationExamples,
  backend: Evaluation['backend'],
  events: EvaluateEvents,
  signal: AbortSignal,
): Promise<Omit<Evaluation, 'durationMs'>> {
  const { spec, normalization, run } = artifacts;
  // compile() only to have TF.js compute `training.loss` exactly as training did.
  compileModel(model, spec.training);
  const units = outputUnits(model);
  const encoding = labelEncoding(spec, { classes: normalization.classes } as PreparedData, units);
  const batchSize = spec.training.batchSize ?? DEFAULT_BATCH_SIZE;
  const { count } = examples;
  const width = examples.x.length / count;
  // Regression trains on normalised targets: the loss is computed on them too, as in run.json's test loss.
  const lossTargets = spec.task === 'regression' ? normalizedTargets(examples.y, artifacts) : examples.y;
  const outputs = new Float32Array(count * units);
  let lossSum = 0;
  for (let start = 0; start < count; start += batchSize) {
    if (signal.aborted) throw new EvaluationCancelled();
    const end = Math.min(count, start + batchSize);
    const batch = splitTensors(
      { x: examples.x.subarray(start * width, end * width), y: lossTargets.subarray(start, end), count: end - start },
      normalization.featureShape,
      encoding,
    );
    try {
      const predicted = model.predict(batch.x) as tf.Tensor;
      outputs.set(await predicted.data(), start * units);
      predicted.dispose();
      const result = model.evaluate(batch.x, batch.y, { batchSize: end - start });
      const scalars = Array.isArray(result) ? result : [result];
      lossSum += (await scalars[0].data())[0] * (end - start);
      tf.dispose(scalars);
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
    events.onProgress?.({ phase: 'predicting', done: end, total: count });
    await yieldToEventLoop();
  }

  const scored = scoreOutputs(outputs, units, artifacts, examples.y);
  const worstRows = worstExamples(scored.losses, WORST_COUNT);
  const sources = await examples.sources(worstRows);
  const described: WorstPrediction[] = worstRows.map((row, i) => ({
    source: sources[i],
    example: row,
    ...scored.describe(row),
    loss: scored.losses[row],
    ...(examples.imageShape === undefined ? {} : { image: imageOf(examples, row) }),
    ...(examples.texts === undefined ? {} : { text: examples.texts[row] }),
  }));
  // A text model: what its encoder layers attended to, for these few examples only.
  const vocabulary = artifacts.vocabulary;
  const worst = vocabulary
    ? withAttention(
        described,
        worstRows,
        (row) => examples.x.subarray(row * width, (row + 1) * width),
        vocabulary.tokens,
        (ids) => attentionReceived(model, ids),
      )
    : described;
  const createdAt = new Date();
  return {
    id: evaluationId(createdAt),
    runId: run.id,
    runDir: artifacts.runDir,
    modelName: spec.name,
    modelFile: run.modelFile,
    createdAt: createdAt.toISOString(),
    backend,
    dataset: examples.dataset,
    count,
    lossName: spec.training.loss,
    loss: Number.isFinite(lossSum / count) ? lossSum / count : null,
    result: scored.result,
    worst,
  };
}

function normalizedTargets(y: Float32Array, artifacts: RunArtifacts): Float32Array {
  const stats = artifacts.normalization.target;
  const out = new Float32Array(y.length);
  const [offset] = stats.offset;
  const [divisor] = stats.divisor;
  for (let i = 0; i < y.length; i++) out[i] = stats.method === 'none' ? y[i] : (y[i] - offset) / divisor;
  return out;
}

export interface Scored<R> {
  readonly result: R;
  /** Per-example loss used to rank the worst predictions. */
  readonly losses: Float64Array;
  describe(row: number): Pick<WorstPrediction, 'actual' | 'predicted' | 'confidence' | 'trueClassProbability'>;
}

/** The report, per-example losses and descriptions of a model's outputs ([count, units]) on examples with targets `y`. */
export function scoreOutputs(
  outputs: Float32Array,
  units: number,
  artifacts: RunArtifacts,
  y: Float32Array,
): Scored<ClassificationResult | RegressionResult> {
  return artifacts.spec.task === 'classification'
    ? classificationOutcome(outputs, units, artifacts.normalization.classes ?? [], y)
    : regressionOutcome(outputs, artifacts, y);
}

/**
 * Class probabilities as [count, classes]: a one-unit (sigmoid) output is
 * the probability of class 1, so it becomes the pair [1 − p, p].
 */
export function classProbabilities(outputs: Float32Array, units: number): { probabilities: Float32Array; classCount: number } {
  if (units !== 1) return { probabilities: outputs, classCount: units };
  const probabilities = new Float32Array(outputs.length * 2);
  outputs.forEach((p, i) => {
    probabilities[2 * i] = 1 - p;
    probabilities[2 * i + 1] = p;
  });
  return { probabilities, classCount: 2 };
}

function classificationOutcome(
  outputs: Float32Array,
  units: number,
  classes: readonly string[],
  labels: Float32Array,
): Scored<ClassificationResult> {
  const { probabilities, classCount } = classProbabilities(outputs, units);
  const numClasses = Math.max(classCount, classes.length);
  const names = Array.from({ length: numClasses }, (_, c) => classes[c] ?? String(c));
  const predicted = argmaxRows(probabilities, classCount);
  const report = classificationReport(labels, predicted, numClasses);
  const count = labels.length;
  const losses = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const p = probabilities[i * classCount + labels[i]];
    losses[i] = -Math.log(Math.min(1, Math.max(EPSILON, p)));
  }
  const topK = TOP_K.filter((k) => k < numClasses).map((k) => ({ k, accuracy: topKAccuracy(labels, probabilities, classCount, k) }));
  let binary: ClassificationResult['binary'];
  if (numClasses === 2) {
    const scores = new Float32Array(count);
    for (let i = 0; i < count; i++) scores[i] = probabilities[i * classCount + 1];
    const curves = binaryCurves(labels, scores);
    if (curves)
      binary = {
        positiveClass: names[1],
        roc: curves.roc,
        rocAuc: curves.rocAuc,
        pr: curves.pr,
        averagePrecision: curves.averagePrecision,
      };
  }
  return {
    result: {
      kind: 'classification',
      classes: names,
      accuracy: report.accuracy,
      confusion: report.confusion,
      perClass: report.perClass,
      macro: report.macro,
      weighted: report.weighted,
      topK,
      ...(binary ? { binary } : {}),
    },
    losses,
    describe: (row) => ({
      actual: names[labels[row]],
      predicted: names[predicted[row]],
      confidence: probabilities[row * classCount + predicted[row]],
      trueClassProbability: probabilities[row * classCount + labels[row]],
    }),
  };
}

function regressionOutcome(outputs: Float32Array, artifacts: RunArtifacts, targets: Float32Array): Scored<RegressionResult> {
  const predicted = invertNormalization(Float32Array.from(outputs), artifacts.normalization.target);
  const report = regressionReport(targets, predicted);
  const count = targets.length;
  const residuals = new Float64Array(count);
  const losses = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    residuals[i] = predicted[i] - targets[i];
    losses[i] = residuals[i] ** 2;
  }
  const step = Math.max(1, count / SCATTER_POINTS);
  const scatter = [];
  for (let k = 0; k < Math.min(count, SCATTER_POINTS); k++) {
    const i = Math.floor(k * step);
    scatter.push({ x: targets[i], y: predicted[i] });
  }
  const bins = histogram(residuals, RESIDUAL_BINS);
  return {
    result: { kind: 'regression', ...report, scatter, residuals: { edges: [...bins.edges], counts: [...bins.counts] } },
    losses,
    describe: (row) => ({ actual: targets[row], predicted: predicted[row] }),
  };
}

/** Indices of the `n` highest losses, highest first (ties: earlier example first). */
export function worstExamples(losses: ArrayLike<number>, n: number): number[] {
  const order = Array.from({ length: losses.length }, (_, i) => i);
  order.sort((a, b) => losses[b] - losses[a] || a - b);
  return order.slice(0, n);
}

/** An image example's raw pixels, for drawing it. */
export function imageOf(examples: EvaluationExamples, row: number): ExampleImage {
  const [height, width, channels] = examples.imageShape as [number, number, 1 | 3];
  const size = height * width * channels;
  const bytes = new Uint8Array(size);
  const values = examples.raw.subarray(row * size, (row + 1) * size);
  for (let i = 0; i < size; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(values[i])));
  return { width, height, channels, pixels: Buffer.from(bytes).toString('base64') };
}
