import { isArrayOf, isBackendChoice, isNumber, isObject, isOptional, isString, type Fields } from './primitiveGuards';
import type { EvaluateRequest, Evaluation, EvaluationFile, EvaluationProgress } from './evaluationTypes';

/**
 * Type guards for evaluations: what the trainer sends over IPC and what
 * `evaluation.json` holds are untrusted until checked. They check the
 * fields readers use (the panel draws every one of these), and no more.
 */

/** A finite number or null: JSON turns NaN (a diverged model's loss) into null, which is let through. */
function isNumberOrNull(x: unknown): boolean {
  return x === null || isNumber(x);
}

function isPoint(x: unknown): boolean {
  return isObject(x) && isNumberOrNull(x.x) && isNumberOrNull(x.y);
}

function isScores(x: unknown): boolean {
  return isObject(x) && isNumber(x.precision) && isNumber(x.recall) && isNumber(x.f1);
}

function isClassification(x: Fields): boolean {
  const classes = x.classes;
  if (!isArrayOf(classes, isString)) return false;
  const n = classes.length;
  return (
    isNumber(x.accuracy) &&
    isArrayOf(x.confusion, (row) => isArrayOf(row, isNumber) && row.length === n) &&
    (x.confusion as unknown[]).length === n &&
    isArrayOf(x.perClass, (c) => isScores(c) && isNumber((c as Fields).support)) &&
    (x.perClass as unknown[]).length === n &&
    isScores(x.macro) &&
    isScores(x.weighted) &&
    isArrayOf(x.topK, (t) => isObject(t) && isNumber(t.k) && isNumber(t.accuracy)) &&
    (x.binary === undefined ||
      (isObject(x.binary) &&
        isString(x.binary.positiveClass) &&
        isArrayOf(x.binary.roc, isPoint) &&
        isNumber(x.binary.rocAuc) &&
        isArrayOf(x.binary.pr, isPoint) &&
        isNumber(x.binary.averagePrecision)))
  );
}

function isRegression(x: Fields): boolean {
  return (
    isNumberOrNull(x.mse) &&
    isNumberOrNull(x.rmse) &&
    isNumberOrNull(x.mae) &&
    isNumberOrNull(x.r2) &&
    isArrayOf(x.scatter, isPoint) &&
    isObject(x.residuals) &&
    isArrayOf(x.residuals.edges, isNumber) &&
    isArrayOf(x.residuals.counts, isNumber)
  );
}

function isWorst(x: unknown): boolean {
  if (!isObject(x) || !isObject(x.source)) return false;
  const { source, image } = x;
  return (
    isString(source.file) &&
    isNumber(source.index) &&
    (x.example === undefined || isNumber(x.example)) &&
    (source.line === undefined || isNumber(source.line)) &&
    (isString(x.actual) || isNumber(x.actual)) &&
    (isString(x.predicted) || isNumberOrNull(x.predicted)) &&
    isNumberOrNull(x.loss) &&
    (x.confidence === undefined || isNumber(x.confidence)) &&
    (x.trueClassProbability === undefined || isNumber(x.trueClassProbability)) &&
    (image === undefined ||
      (isObject(image) &&
        isNumber(image.width) &&
        isNumber(image.height) &&
        (image.channels === 1 || image.channels === 3) &&
        isString(image.pixels))) &&
    (x.text === undefined || isString(x.text)) &&
    (x.attention === undefined || isTextAttention(x.attention))
  );
}

function isTextAttention(x: unknown): boolean {
  return (
    isObject(x) &&
    isArrayOf(x.tokens, isString) &&
    isArrayOf(x.layers, (layer) => isObject(layer) && isString(layer.name) && isArrayOf(layer.heads, (head) => isArrayOf(head, isNumber)))
  );
}

export function isEvaluation(x: unknown): x is Evaluation {
  if (!isObject(x) || !isObject(x.dataset) || !isObject(x.result)) return false;
  const { dataset, result } = x;
  return (
    isString(x.id) &&
    isString(x.runId) &&
    isString(x.runDir) &&
    isString(x.modelName) &&
    isString(x.modelFile) &&
    isString(x.createdAt) &&
    isNumber(x.durationMs) &&
    isString(x.backend) &&
    (dataset.kind === 'testSource' || dataset.kind === 'testSplit' || dataset.kind === 'file') &&
    isString(dataset.description) &&
    isArrayOf(dataset.files, isString) &&
    isString(dataset.sha256) &&
    isNumber(dataset.count) &&
    isNumber(x.count) &&
    isString(x.lossName) &&
    isNumberOrNull(x.loss) &&
    (result.kind === 'classification' ? isClassification(result) : result.kind === 'regression' && isRegression(result)) &&
    isArrayOf(x.worst, isWorst)
  );
}

export function isEvaluationFile(x: unknown): x is EvaluationFile {
  return isObject(x) && isArrayOf(x.evaluations, isEvaluation);
}

export function isEvaluateRequest(x: unknown): x is EvaluateRequest {
  return (
    isObject(x) &&
    isString(x.runDir) &&
    isString(x.workspaceRoot) &&
    (x.data === undefined || isString(x.data)) &&
    isOptional(x.backend, isBackendChoice)
  );
}

export function isEvaluationProgress(x: unknown): x is EvaluationProgress {
  return (
    isObject(x) && (x.phase === 'loading' || x.phase === 'predicting' || x.phase === 'writing') && isNumber(x.done) && isNumber(x.total)
  );
}
