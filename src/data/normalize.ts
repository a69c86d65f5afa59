import type { Normalization } from '../modelFile/modelSpec';
import type { NormalizationStats } from './preparedData';

/** Leaves values as they are (classification targets, `normalize: "none"`). */
export const IDENTITY: NormalizationStats = { method: 'none', offset: [0], divisor: [1] };

/**
 * Statistics for `spec.normalize` over `x` ([count, featureCount] row-major),
 * which must be the training split only: using validation or test rows would
 * leak them into training. `scale` divides by `spec.scale` (default 1);
 * `minmax` maps each feature to [0, 1]; `standard` to mean 0, deviation 1.
 * A constant feature gets divisor 1 rather than a division by zero.
 */
export function computeNormalization(x: Float32Array, featureCount: number, spec: Normalization | undefined): NormalizationStats {
  const method = spec?.normalize ?? 'none';
  switch (method) {
    case 'none':
      return IDENTITY;
    case 'scale':
      return { method, offset: [0], divisor: [spec?.scale ?? 1] };
    case 'minmax': {
      const min = new Float64Array(featureCount).fill(Infinity);
      const max = new Float64Array(featureCount).fill(-Infinity);
      for (let k = 0, j = 0; k < x.length; k++) {
        const v = x[k];
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
        if (++j === featureCount) j = 0;
      }
      const offset = Array.from(min, (v) => (Number.isFinite(v) ? v : 0));
      return { method, offset, divisor: offset.map((lo, j) => nonZero(max[j] - lo)) };
    }
    case 'standard': {
      const count = x.length / featureCount;
      const sum = new Float64Array(featureCount);
      for (let k = 0, j = 0; k < x.length; k++) {
        sum[j] += x[k];
        if (++j === featureCount) j = 0;
      }
      const mean = Array.from(sum, (s) => (count > 0 ? s / count : 0));
      const squares = new Float64Array(featureCount);
      for (let k = 0, j = 0; k < x.length; k++) {
        const d = x[k] - mean[j];
        squares[j] += d * d;
        if (++j === featureCount) j = 0;
      }
      return { method, offset: mean, divisor: Array.from(squares, (s) => nonZero(count > 0 ? Math.sqrt(s / count) : 0)) };
    }
  }
}

function nonZero(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 1;
}

/**
 * `(x - offset) / divisor` per feature, written to `out` (by default in
 * place, to spare a copy of large image sets). `x` is [count, features]
 * row-major; stats with one value apply to every feature.
 */
export function applyNormalization(x: Float32Array, stats: NormalizationStats, out: Float32Array = x): Float32Array {
  return transform(x, stats, out, false);
}

/** Undoes {@link applyNormalization}: `x * divisor + offset`, e.g. for predicted regression targets. */
export function invertNormalization(x: Float32Array, stats: NormalizationStats, out: Float32Array = x): Float32Array {
  return transform(x, stats, out, true);
}

function transform(x: Float32Array, stats: NormalizationStats, out: Float32Array, invert: boolean): Float32Array {
  if (out.length !== x.length) throw new RangeError(`output holds ${out.length} values, input ${x.length}`);
  const width = stats.offset.length;
  if (width !== stats.divisor.length) throw new RangeError('normalisation offset and divisor differ in length');
  if (x.length % width !== 0) throw new RangeError(`${x.length} values do not split into rows of ${width} features`);
  if (stats.method === 'none') {
    if (out !== x) out.set(x);
    return out;
  }
  if (width === 1) {
    // One shared value (scale, or a single regression target): the hot path for image sets.
    const [offset] = stats.offset;
    const [divisor] = stats.divisor;
    if (invert) for (let k = 0; k < x.length; k++) out[k] = x[k] * divisor + offset;
    else for (let k = 0; k < x.length; k++) out[k] = (x[k] - offset) / divisor;
    return out;
  }
  const offset = Float64Array.from(stats.offset);
  const divisor = Float64Array.from(stats.divisor);
  for (let k = 0, j = 0; k < x.length; k++) {
    out[k] = invert ? x[k] * divisor[j] + offset[j] : (x[k] - offset[j]) / divisor[j];
    if (++j === width) j = 0;
  }
  return out;
}
