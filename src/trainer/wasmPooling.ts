import * as tf from '@tensorflow/tfjs';
import type { WasmHeap } from './wasmHeap';

/**
 * dx of a max pool: each dy value goes to the first maximum of its window
 * in x (strictly greater wins, as the cpu backend's maxPoolPositions; a
 * window of NaNs sends its value nowhere, as there), summed where windows
 * overlap. NHWC float32; anything else goes to the built-in kernel.
 *
 * One channel at a time per window, with the window's running maximum in
 * locals: the earlier form kept per-channel maxima in scratch arrays reset
 * for every window. The usual 2×2 pool of stride 2 over whole windows has
 * its own unrolled loop (the bench CNN's [64,26,26,32]: 7.1 → 5.7 ms, idle
 * machine). What is left is mostly mispredicted branches (which cell is the
 * maximum is random); branch-free selects measured slower in V8.
 */
export function makeMaxPoolGrad(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) {
      return builtIn(args);
    }
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const heap = args.backend as unknown as WasmHeap;
    const out = heap.makeOutput(input.shape, 'float32');
    // Views taken after makeOutput: an allocation can grow (and move) the heap.
    const dx = heap.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    const x = heap.typedArrayFromHeap(input) as Float32Array;
    const g = heap.typedArrayFromHeap(dy) as Float32Array;
    const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo, outHeight, outWidth, inHeight, inWidth } = info;
    const whole2x2 =
      filterHeight === 2 &&
      filterWidth === 2 &&
      strideHeight === 2 &&
      strideWidth === 2 &&
      padInfo.top === 0 &&
      padInfo.left === 0 &&
      2 * outHeight <= inHeight &&
      2 * outWidth <= inWidth;
    if (whole2x2) scatterToMaxima2x2(info, x, g, dx);
    else scatterToMaxima(info, x, g, dx);
    return out;
  };
}

function scatterToMaxima(info: tf.backend_util.Conv2DInfo, x: Float32Array, g: Float32Array, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const overlapping = strideHeight < filterHeight || strideWidth < filterWidth;
  const xRow = inWidth * inChannels;
  const xImage = inHeight * xRow;
  let gAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * xImage;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - padTop;
      const rMin = Math.max(0, rCorner);
      const rMax = Math.min(inHeight, rCorner + filterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - padLeft;
        const cMin = Math.max(0, cCorner);
        const cMax = Math.min(inWidth, cCorner + filterWidth);
        const first = xBase + rMin * xRow + cMin * inChannels;
        for (let d = 0; d < inChannels; d++, gAt++) {
          // Rows then columns, as cpu visits them, so ties go to the same cell.
          let max = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rMin, rowAt = first + d; r < rMax; r++, rowAt += xRow) {
            for (let c = cMin, i = rowAt; c < cMax; c++, i += inChannels) {
              const value = x[i];
              if (value > max) {
                max = value;
                at = i;
              }
            }
          }
          if (at < 0) continue;
          if (overlapping) dx[at] += g[gAt];
          else dx[at] = g[gAt];
        }
      }
    }
  }
}

/** scatterToMaxima for 2×2 windows of stride 2 that lie wholly inside x. */
function scatterToMaxima2x2(info: tf.backend_util.Conv2DInfo, x: Float32Array, g: Float32Array, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const xRow = inWidth * inChannels;
  let gAt = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      let corner = (b * inHeight + 2 * yR) * xRow;
      for (let yC = 0; yC < outWidth; yC++, corner += 2 * inChannels) {
        for (let i0 = corner, end = corner + inChannels; i0 < end; i0++, gAt++) {
          const i1 = i0 + inChannels;
          const i2 = i0 + xRow;
          const i3 = i2 + inChannels;
          // Starts as the general loop would after its first cell: -∞ and NaN win nothing.
          let max = x[i0];
          let at = i0;
          if (!(max > Number.NEGATIVE_INFINITY)) {
            max = Number.NEGATIVE_INFINITY;
            at = -1;
          }
          const v1 = x[i1];
          const v2 = x[i2];
          const v3 = x[i3];
          if (v1 > max) {
            max = v1;
            at = i1;
          }
          if (v2 > max) {
            max = v2;
            at = i2;
          }
          if (v3 > max) at = i3;
          if (at >= 0) dx[at] = g[gAt];
        }
      }
    }
  }
}
