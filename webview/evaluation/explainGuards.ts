import type { ExplainResult, FeatureMapLayer } from '../../src/protocol/explainTypes';
import { isNumber, isObject, isString, type Fields } from '../../src/protocol/primitiveGuards';

/*
 * Checks of the explanations the host relays from the trainer, on the
 * fields the Explanation section draws: a heatmap whose rows do not match,
 * or a feature map with fewer bytes than its size says, would draw garbage.
 */

function isLabel(x: unknown): boolean {
  return isString(x) || isNumber(x);
}

function isHeatmap(x: unknown): boolean {
  if (!Array.isArray(x) || x.length === 0 || !Array.isArray(x[0])) return false;
  const width = (x[0] as unknown[]).length;
  return width > 0 && x.every((row) => Array.isArray(row) && row.length === width && row.every((v) => typeof v === 'number'));
}

function isImage(x: unknown): boolean {
  return (
    isObject(x) &&
    Number.isInteger(x.width) &&
    Number.isInteger(x.height) &&
    (x.channels === 1 || x.channels === 3) &&
    isString(x.pixels) &&
    (x.width as number) > 0 &&
    (x.height as number) > 0
  );
}

function isExplanation(x: unknown): boolean {
  if (!isObject(x)) return false;
  if ('heatmap' in x) {
    return Number.isInteger(x.row) && isLabel(x.predicted) && isLabel(x.actual) && isHeatmap(x.heatmap) && isImage(x.image);
  }
  return isString(x.feature) && isNumber(x.importance) && isNumber(x.std);
}

/** base64 of exactly width × height bytes (padding included). */
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
    Array.isArray(x.maps) &&
    x.maps.every((m) => isMap(m, x.width as number, x.height as number))
  );
}

function isFeatureMaps(x: unknown): boolean {
  return isObject(x) && Number.isInteger(x.row) && Array.isArray(x.layers) && x.layers.every(isFeatureMapLayer);
}

function isImportanceInfo(x: Fields): boolean {
  return isString(x.metric) && isNumber(x.baseline) && isNumber(x.repeats);
}

export function isExplainResult(x: unknown): x is ExplainResult {
  return (
    isObject(x) &&
    isString(x.runId) &&
    (x.method === 'saliency' || x.method === 'gradcam' || x.method === 'importance') &&
    isString(x.dataset) &&
    Array.isArray(x.explanations) &&
    x.explanations.every(isExplanation) &&
    (x.layer === undefined || isString(x.layer)) &&
    (x.featureMaps === undefined || isFeatureMaps(x.featureMaps)) &&
    (x.importance === undefined || (isObject(x.importance) && isImportanceInfo(x.importance)))
  );
}
