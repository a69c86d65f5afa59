import { isExplainResult } from '../../src/protocol/explainGuards';
import type { ExplainResult, FeatureMapLayer } from '../../src/protocol/explainTypes';
import { isObject, isString } from '../../src/protocol/primitiveGuards';

/*
 * What the Explanation section needs beyond the protocol's guard: a heatmap
 * whose rows differ in length, or a feature map with fewer bytes than its
 * size says, would draw garbage.
 */

function isRectangular(heatmap: readonly (readonly number[])[]): boolean {
  const width = heatmap[0]?.length ?? 0;
  return width > 0 && heatmap.every((row) => row.length === width);
}

/** base64 of exactly width × height bytes. */
function isMap(x: string, width: number, height: number): boolean {
  return Math.floor((x.replace(/=+$/, '').length * 3) / 4) === width * height;
}

export function isFeatureMapLayer(x: unknown): x is FeatureMapLayer {
  return (
    isObject(x) &&
    isString(x.name) &&
    Number.isInteger(x.width) &&
    Number.isInteger(x.height) &&
    Number.isInteger(x.channels) &&
    Array.isArray(x.maps) &&
    x.maps.every((m) => isString(m) && isMap(m, x.width as number, x.height as number))
  );
}

/** An explanation the panel can draw. */
export function isDrawableExplainResult(x: unknown): x is ExplainResult {
  return (
    isExplainResult(x) &&
    x.explanations.every((e) => !('heatmap' in e) || isRectangular(e.heatmap)) &&
    (x.featureMaps === undefined || x.featureMaps.layers.every(isFeatureMapLayer))
  );
}
