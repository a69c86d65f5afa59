import { isArrayOf, isBackendChoice, isNumber, isObject, isOneOf, isOptional, isString, type Fields } from './primitiveGuards';
import { EXPLAIN_METHODS, type ExplainRequest, type ExplainResult, type FeatureMapLayer } from './explainTypes';

/**
 * Type guards for explanations crossing the host ↔ trainer and host ↔
 * panel boundaries: the fields the receiver reads, and that what the panel
 * draws is drawable (a ragged heatmap, or a feature map with fewer bytes
 * than its size says, would draw garbage).
 */

const isMethod = isOneOf(EXPLAIN_METHODS);

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
    isRectangular(x.heatmap as number[][]) &&
    isImage(x.image)
  );
}

function isFeatureImportance(x: Fields): boolean {
  return isString(x.feature) && isNumber(x.importance) && isNumber(x.std);
}

function isRectangular(heatmap: readonly (readonly number[])[]): boolean {
  const width = heatmap[0]?.length ?? 0;
  return width > 0 && heatmap.every((row) => row.length === width);
}

/** base64 of exactly width × height bytes. */
function isMap(x: unknown, width: number, height: number): boolean {
  return isString(x) && Math.floor((x.replace(/=+$/, '').length * 3) / 4) === width * height;
}

export function isFeatureMapLayer(x: unknown): x is FeatureMapLayer {
  return (
    isObject(x) &&
    isString(x.name) &&
    Number.isInteger(x.width) &&
    Number.isInteger(x.height) &&
    Number.isInteger(x.channels) &&
    isArrayOf(x.maps, (m) => isMap(m, x.width as number, x.height as number))
  );
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
