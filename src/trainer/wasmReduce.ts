import * as tf from '@tensorflow/tfjs';
import type { WasmHeap } from './wasmHeap';

/**
 * Sum over every axis but the last (a bias's gradient: [64,26,26,32] → [32]):
 * one pass down the columns of x on the heap. The built-in kernel transposes
 * x first (a strided serial copy of all of it) and then sums rows; this is
 * several times faster. Accumulates in float64 in the order cpu does, so the
 * result is cpu's. Any other reduction goes to the built-in kernel.
 */
export function makeSum(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((axis, i) => axis === i);
    if (!leading || x.dtype !== 'float32') {
      return builtIn(args);
    }
    const columns = x.shape[rank - 1];
    const heap = args.backend as unknown as WasmHeap;
    const out = heap.makeOutput(attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), columns] : [columns], 'float32');
    const sums = new Float64Array(columns);
    const values = heap.typedArrayFromHeap(x) as Float32Array;
    for (let start = 0; start < values.length; start += columns) {
      for (let c = 0; c < columns; c++) {
        sums[c] += values[start + c];
      }
    }
    (heap.typedArrayFromHeap(out) as Float32Array).set(sums);
    return out;
  };
}
