import type * as tf from '@tensorflow/tfjs';

/** The wasm backend's heap views; typed arrays over its memory, valid until the next allocation. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * UnsortedSegmentSum, which the wasm backend of TF.js 4.22 lacks: the
 * gradient of a gather (every embedding layer's) sums the rows of dy that
 * went to the same id with it, so no model with an embedding could train on
 * wasm. Rows of `x` (one per segment id) are added into row `id` of the
 * output; ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export const unsortedSegmentSum: tf.KernelFunc = (args) => {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const heap = args.backend as unknown as WasmHeap;
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const ids = Int32Array.from(heap.typedArrayFromHeap(segmentIds));
  const out = heap.makeOutput([numSegments, ...rowShape], x.dtype);
  // Views taken after makeOutput: an allocation can grow (and move) the heap.
  const source = heap.typedArrayFromHeap(x);
  const target = heap.typedArrayFromHeap(out);
  target.fill(0);
  for (let row = 0; row < rows; row++) {
    const id = ids[row];
    if (id < 0 || id >= numSegments) continue;
    const from = row * rowSize;
    const to = id * rowSize;
    for (let i = 0; i < rowSize; i++) target[to + i] += source[from + i];
  }
  return out;
};
