import type * as tf from '@tensorflow/tfjs';
import { replaceKernel } from './kernelRegistry';
import type { WasmHeap } from './wasmHeap';

/** The cpu backend's storage: each tensor's values in a JS typed array. */
interface CpuStorage {
  data: { get(dataId: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): tf.TensorInfo;
}

/**
 * Adds row `row` of `source` into row `ids[row]` of `target` (zeroed by the
 * caller); ids outside [0, numSegments) are dropped, as in TensorFlow. One
 * pass over the rows: an embedding's gradient is a few thousand rows into a
 * table of tens of thousands.
 */
function addRowsBySegment(
  source: ArrayLike<number>,
  ids: ArrayLike<number>,
  rowSize: number,
  numSegments: number,
  target: Float32Array | Int32Array | Uint8Array,
): void {
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row];
    if (id < 0 || id >= numSegments) continue;
    const from = row * rowSize;
    const to = id * rowSize;
    for (let i = 0; i < rowSize; i++) target[to + i] += source[from + i];
  }
}

function shapes(args: Parameters<tf.KernelFunc>[0]): {
  x: tf.TensorInfo;
  segmentIds: tf.TensorInfo;
  numSegments: number;
  outShape: number[];
  rowSize: number;
} {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const rowShape = x.shape.slice(segmentIds.shape.length);
  return { x, segmentIds, numSegments, outShape: [numSegments, ...rowShape], rowSize: rowShape.reduce((a, b) => a * b, 1) };
}

/**
 * UnsortedSegmentSum for wasm, which TF.js 4.22 lacks: the gradient of a
 * gather (every embedding layer's) sums the rows of dy that went to the
 * same id, so without it no model with an embedding could train on wasm.
 */
export const wasmUnsortedSegmentSum: tf.KernelFunc = (args) => {
  const { x, segmentIds, numSegments, outShape, rowSize } = shapes(args);
  const heap = args.backend as unknown as WasmHeap;
  const ids = Int32Array.from(heap.typedArrayFromHeap(segmentIds));
  const out = heap.makeOutput(outShape, x.dtype);
  // Views taken after makeOutput: an allocation can grow (and move) the heap.
  const target = heap.typedArrayFromHeap(out);
  target.fill(0);
  addRowsBySegment(heap.typedArrayFromHeap(x), ids, rowSize, numSegments, target);
  return out;
};

/**
 * UnsortedSegmentSum for cpu: TF.js's own builds one mask per segment, a
 * pass over the whole gradient for each of the vocabulary's ids (18.5 s per
 * batch with 10,000 ids), so a text model on the cpu backend did not train
 * in practice.
 */
export const cpuUnsortedSegmentSum: tf.KernelFunc = (args) => {
  const { x, segmentIds, numSegments, outShape, rowSize } = shapes(args);
  const storage = args.backend as unknown as CpuStorage;
  const target = x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
  addRowsBySegment(storage.data.get(x.dataId).values, storage.data.get(segmentIds.dataId).values, rowSize, numSegments, target);
  return storage.makeTensorInfo(outShape, x.dtype, target);
};

/** Puts cpuUnsortedSegmentSum in place of TF.js's. Idempotent. */
export function registerCpuSegmentSum(): void {
  replaceKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: cpuUnsortedSegmentSum });
}
