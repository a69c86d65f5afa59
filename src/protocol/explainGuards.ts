import { isBackendChoice, isNumber, isObject, isOneOf, isOptional, isString, type Fields } from './primitiveGuards';
import { EXPLAIN_METHODS, type ExplainRequest, type ExplainResult } from './explainTypes';

/**
 * Type guards for explanations crossing the host ↔ trainer boundary: the
 * fields the receiver reads (the panel draws each of these), and no more.
 */

const isMethod = isOneOf(EXPLAIN_METHODS);

function isArrayOf(x: unknown, guard: (item: unknown) => boolean): x is unknown[] {
  return Array.isArray(x) && x.every(guard);
}

function isRow(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 0;
}

export function isExplainRequest(x: unknown): x is ExplainRequest {
  return (
    isObject(x) &&
    isString(x.runDir) &&
    isString(x.workspaceRoot) &&
    isOptional(x.method, isMethod) &&
    isOptional(x.rows, (rows) => isArrayOf(rows, isRow)) &&
    isOptional(x.data, isString) &&
    isOptional(x.featureMaps, (b) => typeof b === 'boolean') &&
    isOptional(x.backend, isBackendChoice)
  );
}

function isImage(x: unknown): boolean {
  return isObject(x) && isNumber(x.width) && isNumber(x.height) && (x.channels === 1 || x.channels === 3) && isString(x.pixels);
}

function isValue(x: unknown): boolean {
  return isString(x) || isNumber(x);
}

function isImageExplanation(x: Fields): boolean {
  return (
    isRow(x.row) &&
    isObject(x.source) &&
    isString(x.source.file) &&
    isValue(x.predicted) &&
    isValue(x.actual) &&
    isArrayOf(x.heatmap, (row) => isArrayOf(row, isNumber)) &&
    isImage(x.image)
  );
}

function isFeatureImportance(x: Fields): boolean {
  return isString(x.feature) && isNumber(x.importance) && isNumber(x.std);
}

function isFeatureMapLayer(x: unknown): boolean {
  return isObject(x) && isString(x.name) && isNumber(x.width) && isNumber(x.height) && isNumber(x.channels) && isArrayOf(x.maps, isString);
}

export function isExplainResult(x: unknown): x is ExplainResult {
  if (!isObject(x) || !isString(x.runId) || !isMethod(x.method) || !isString(x.dataset)) return false;
  const explains = x.method === 'importance' ? isFeatureImportance : isImageExplanation;
  return (
    isArrayOf(x.explanations, (e) => isObject(e) && explains(e)) &&
    isOptional(x.layer, isString) &&
    isOptional(x.featureMaps, (f) => isObject(f) && isRow(f.row) && isArrayOf(f.layers, isFeatureMapLayer)) &&
    isOptional(x.importance, (i) => isObject(i) && isString(i.metric) && isNumber(i.baseline) && isRow(i.repeats))
  );
}
