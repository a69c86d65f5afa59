import type * as tf from '@tensorflow/tfjs';

import type { WasmHeap } from './wasmHeap';

/** The heap, and disposal of the per-product tensors. */
type Heap = WasmHeap & { disposeData(dataId: tf.DataId): void };

/**
 * BatchMatMul of many products, without transposes, as one product per
 * batch entry. The wasm backend's kernel takes XNNPACK's fast path only
 * for a batch of one; a batch of 128 products [200, 16] · [16, 200] (the
 * attention scores of 32 texts × 4 heads) ran its plain loop, 10–20×
 * slower than 128 single products. Inputs whose batch axes differ
 * (broadcasting) or a batch of one go to `single` as they are.
 */
export function batchedAsSingleProducts(single: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const rank = a.shape.length;
    const batchShape = a.shape.slice(0, -2);
    const batch = batchShape.reduce((x, y) => x * y, 1);
    const sameBatch = b.shape.length === rank && batchShape.every((d, i) => d === b.shape[i]);
    if (rank < 3 || batch < 2 || !sameBatch || a.dtype !== 'float32' || b.dtype !== 'float32') return single(args);
    const heap = args.backend as unknown as Heap;
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[rank - 1];
    const out = heap.makeOutput([...batchShape, m, n], 'float32');
    for (let i = 0; i < batch; i++) {
      // Fresh operands each time: the wasm kernel caches XNNPACK's packed right operand by tensor id.
      const left = heap.makeOutput([1, m, k], 'float32');
      const right = heap.makeOutput([1, k, n], 'float32');
      try {
        // Views taken again after each allocation: one can grow (and move) the heap.
        (heap.typedArrayFromHeap(left) as Float32Array).set(heap.typedArrayFromHeap(a).subarray(i * m * k, (i + 1) * m * k));
        (heap.typedArrayFromHeap(right) as Float32Array).set(heap.typedArrayFromHeap(b).subarray(i * k * n, (i + 1) * k * n));
        const product = single({ ...args, inputs: { a: left, b: right } }) as tf.TensorInfo;
        (heap.typedArrayFromHeap(out) as Float32Array).set(heap.typedArrayFromHeap(product), i * m * n);
        heap.disposeData(product.dataId);
      } finally {
        heap.disposeData(left.dataId);
        heap.disposeData(right.dataId);
      }
    }
    return out;
  };
}
