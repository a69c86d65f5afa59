import type * as tf from '@tensorflow/tfjs';
import type { Quantization } from '../protocol/exportTypes';

/**
 * Weights stored smaller, in the weights manifest's `quantization` entries
 * that tfjs's loader (io_utils decodeWeights) reads back: uint8 / uint16
 * affine (value = min + scale · q, one min and scale per weight) or IEEE
 * float16. TF.js's own encodeWeights cannot write them ("TODO: Support
 * quantization"), so this does, as tfjs-converter's `--quantize_*` does.
 */

export interface EncodedWeights {
  readonly specs: tf.io.WeightsManifestEntry[];
  readonly data: Uint8Array;
}

const LEVELS: Readonly<Record<'uint8' | 'uint16', number>> = { uint8: 255, uint16: 65535 };
const FLOAT16_MAX = 65504;

/**
 * `data` (the float32 / int32 / bool values `specs` describe, in order, as
 * model.save hands them over) rewritten with every float32 weight stored as
 * `quantization`. Int32 and bool weights stay as they are: they are small
 * (counters, indices) and must stay exact.
 */
export function quantizeWeights(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  quantization: Quantization,
): EncodedWeights {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((product, d) => product * d, 1);
    const byteLength = size * (spec.dtype === 'bool' ? 1 : 4);
    const bytes = new Uint8Array(data.slice(offset, offset + byteLength));
    offset += byteLength;
    if (spec.dtype !== 'float32') {
      out.push(spec);
      parts.push(bytes);
      continue;
    }
    const values = new Float32Array(bytes.buffer);
    const encoded = quantization === 'float16' ? float16Weight(values) : affineWeight(spec.name, values, quantization);
    out.push({ ...spec, quantization: encoded.quantization });
    parts.push(encoded.bytes);
  }
  if (offset !== data.byteLength) throw new Error(`the weight data holds ${data.byteLength} bytes, the weight specs describe ${offset}`);
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.byteLength;
  }
  return { specs: out, data: joined };
}

type Encoded = { readonly quantization: NonNullable<tf.io.WeightsManifestEntry['quantization']>; readonly bytes: Uint8Array };

/**
 * Affine quantization over the weight's range widened to hold 0, with min
 * moved (by under half a step) so that 0 is one of the levels: zero biases
 * and pruned weights stay exactly zero, as with tfjs-converter. Every value
 * is then within scale / 2 of what the loader computes.
 */
export function affineWeight(name: string, values: Float32Array, dtype: 'uint8' | 'uint16'): Encoded {
  let low = 0;
  let high = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`cannot quantize weight "${name}": it holds ${v} (the run's model has diverged)`);
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const levels = LEVELS[dtype];
  // An all-zero (or empty) weight has no range: any scale decodes q = 0 to min = 0; 1 avoids dividing by zero.
  const scale = high > low ? (high - low) / levels : 1;
  const zeroPoint = Math.round(-low / scale);
  const min = -zeroPoint * scale;
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.min(levels, Math.max(0, Math.round((values[i] - min) / scale)));
  return { quantization: { dtype, min, scale }, bytes: new Uint8Array(q.buffer) };
}

function float16Weight(values: Float32Array): Encoded {
  const halves = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) halves[i] = toFloat16(values[i]);
  return { quantization: { dtype: 'float16' }, bytes: new Uint8Array(halves.buffer) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * IEEE 754 half-precision bits of `value`, rounded to nearest even (as
 * numpy's astype(float16)); beyond ±65504 clamped to it rather than
 * becoming infinite, so a large weight stays a large weight.
 */
export function toFloat16(value: number): number {
  f32[0] = Number.isNaN(value) ? value : Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, value));
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7e00; // NaN (infinities were clamped above)
  const halfExponent = exponent - 127 + 15;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): the implicit 1 joins the mantissa, shifted right.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(full, shift);
  }
  // A carry out of the mantissa bumps the exponent, as it should; the clamp keeps it below infinity's.
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** `value >> shift`, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** Bytes the weights `specs` describe take unquantized (float32 and int32: 4 each, bool: 1). */
export function unquantizedBytes(specs: readonly { readonly shape: readonly number[]; readonly dtype: string }[]): number {
  return specs.reduce((sum, spec) => sum + spec.shape.reduce((size, d) => size * d, 1) * (spec.dtype === 'bool' ? 1 : 4), 0);
}
