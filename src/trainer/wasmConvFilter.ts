import * as tf from '@tensorflow/tfjs';
import { disposeAll, runKernel, type WasmHeap } from './wasmHeap';

/**
 * Where the product below beats the convolution formulation (wasmKernels.ts): both repack an operand of
 * b·oh·ow rows on every call, dy's co columns there, the kh·kw·ci columns of the patches here (plus a
 * transpose of dy). Measured on the bench CNN's first layer, 3×3×1 → 32: 6.7 → 4.2 ms at 1 thread,
 * 8.4 → 5.3 ms at 2; 3×3×3 → 32 (27 columns against 32) was even, so it is left to the convolution.
 */
export function productIsFaster(info: tf.backend_util.Conv2DInfo): boolean {
  return 2 * info.filterHeight * info.filterWidth * info.inChannels <= info.outChannels;
}

/**
 * dW of a convolution as one product: dWᵀ[co, kh·kw·ci] = dyᵀ[co, b·oh·ow] · patches[b·oh·ow, kh·kw·ci],
 * the patches (im2col) written by a loop over the wasm heap. The product is
 * XNNPACK's fully-connected operator, which the threaded build splits across
 * threads. It repacks its right operand on every call (a serial copy of it),
 * so that operand is the patches, small for few input channels, rather than
 * dy (packing the CNN's first dy took ~4 ms, as long as the product).
 */
export function filterGradientAsProduct(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  backend: tf.KernelBackend,
): tf.TensorInfo {
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const depth = filterHeight * filterWidth * inChannels;
  const positions = batchSize * outHeight * outWidth;
  const heap = backend as unknown as WasmHeap;
  const intermediates: tf.TensorInfo[] = [];
  try {
    const patches = heap.makeOutput([positions, depth], 'float32');
    intermediates.push(patches);
    // Views taken after makeOutput: an allocation can grow (and move) the heap.
    writePatches(heap.typedArrayFromHeap(x) as Float32Array, info, heap.typedArrayFromHeap(patches) as Float32Array);
    const dyRows = runKernel('Reshape', backend, { x: dy }, { shape: [positions, outChannels] });
    intermediates.push(dyRows);
    const dyColumns = runKernel('Transpose', backend, { x: dyRows }, { perm: [1, 0] });
    intermediates.push(dyColumns);
    const product = runKernel('BatchMatMul', backend, { a: dyColumns, b: patches }, { transposeA: false, transposeB: false });
    intermediates.push(product);
    const gradient = runKernel('Transpose', backend, { x: product }, { perm: [1, 0] });
    intermediates.push(gradient);
    return runKernel('Reshape', backend, { x: gradient }, { shape: [filterHeight, filterWidth, inChannels, outChannels] });
  } finally {
    disposeAll(backend, intermediates);
  }
}

/** patches[(b, oh, ow), (kh, kw, ci)] = x[b, oh·s + kh − padTop, ow·s + kw − padLeft, ci], 0 in the padding. */
function writePatches(x: Float32Array, info: tf.backend_util.Conv2DInfo, patches: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const xRow = inWidth * inChannels;
  const rowLength = filterWidth * inChannels;
  // Cells in the padding stay 0: cleared once when there are any, not run by run (a call per run cost more than the copy).
  const padded =
    padTop > 0 ||
    padLeft > 0 ||
    (outHeight - 1) * strideHeight + filterHeight - padTop > inHeight ||
    (outWidth - 1) * strideWidth + filterWidth - padLeft > inWidth;
  if (padded) patches.fill(0);
  let at = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * strideHeight - padTop;
      for (let ow = 0; ow < outWidth; ow++) {
        const left = ow * strideWidth - padLeft;
        // The filter's columns that fall inside x, as a run of whole pixels.
        const kwMin = Math.max(0, -left);
        const run = (Math.min(filterWidth, inWidth - left) - kwMin) * inChannels;
        for (let kh = 0; kh < filterHeight; kh++, at += rowLength) {
          const ih = top + kh;
          if (ih < 0 || ih >= inHeight) continue;
          const source = (b * inHeight + ih) * xRow + (left + kwMin) * inChannels;
          for (let i = 0, to = at + kwMin * inChannels; i < run; i++) {
            patches[to + i] = x[source + i];
          }
        }
      }
    }
  }
}
