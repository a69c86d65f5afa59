import * as tf from '@tensorflow/tfjs';
import { replaceKernel } from './kernelRegistry';
import type { WasmHeap } from './wasmHeap';

/**
 * Element-wise kernels for small float32 tensors on wasm, as JS loops over
 * the wasm heap (docs/wasm-threads.md "Small element-wise ops").
 *
 * TF.js runs these through XNNPACK, which creates an operator per call
 * (~15–100 µs for a [128,10] product with broadcasting) and, on the
 * threaded build, hands even 1,280 values to the thread pool: waking the
 * other thread costs ~90 µs an op on an idle machine and ~500 µs on a busy
 * one. A dense head's loss and gradients and an optimizer's small weights
 * make dozens of such ops a batch. A loop takes a few µs.
 *
 * Results are the same bits as XNNPACK's: +, −, ×, ÷ and √ of float32
 * values computed in float64 and rounded to float32 are correctly rounded,
 * as wasm's f32 instructions are; min / max and squares alike. Anything
 * larger than SMALL_OP_ELEMENTS, of another dtype, or with another
 * activation goes to TF.js's kernel.
 */
export const SMALL_OP_ELEMENTS = 16_384;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const BINARY: Readonly<Record<string, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Multiply: (a, b) => a * b,
  RealDiv: (a, b) => a / b,
};

/** Per output axis, how far one step moves in `shape` (right-aligned, 0 where it broadcasts). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const outAxis = axis + outShape.length - shape.length;
    strides[outAxis] = shape[axis] === 1 ? 0 : stride;
    stride *= shape[axis];
  }
  return strides;
}

/** out[i] = op(a[·], b[·]) over the broadcast shape, walking the output in order with one offset per input. */
function broadcastLoop(
  op: (a: number, b: number) => number,
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  out: Float32Array,
  outShape: readonly number[],
): void {
  const rank = outShape.length;
  const index = new Array<number>(rank).fill(0);
  let aAt = 0;
  let bAt = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = op(a[aAt], b[bAt]);
    for (let axis = rank - 1; axis >= 0; axis--) {
      aAt += aStrides[axis];
      bAt += bStrides[axis];
      if (++index[axis] < outShape[axis]) break;
      aAt -= aStrides[axis] * outShape[axis];
      bAt -= bStrides[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
}

function smallBinary(name: string, builtIn: tf.KernelFunc): tf.KernelFunc {
  const op = BINARY[name];
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return builtIn(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (size(outShape) > SMALL_OP_ELEMENTS) return builtIn(args);
    const heap = args.backend as unknown as WasmHeap;
    const info = heap.makeOutput(outShape, 'float32');
    // Views after makeOutput: an allocation can grow (and move) the heap.
    const out = heap.typedArrayFromHeap(info) as Float32Array;
    const x = heap.typedArrayFromHeap(a) as Float32Array;
    const y = heap.typedArrayFromHeap(b) as Float32Array;
    if (x.length === out.length && y.length === out.length) {
      for (let i = 0; i < out.length; i++) out[i] = op(x[i], y[i]);
    } else if (y.length === 1) {
      const scalar = y[0];
      for (let i = 0; i < out.length; i++) out[i] = op(x[i], scalar);
    } else {
      broadcastLoop(op, x, broadcastStrides(a.shape, outShape), y, broadcastStrides(b.shape, outShape), out, outShape);
    }
    return info;
  };
}

function smallUnary(map: (attrs: tf.NamedAttrMap) => (value: number) => number, builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32' || size(x.shape) > SMALL_OP_ELEMENTS) return builtIn(args);
    const heap = args.backend as unknown as WasmHeap;
    const info = heap.makeOutput([...x.shape], 'float32');
    const out = heap.typedArrayFromHeap(info) as Float32Array;
    const input = heap.typedArrayFromHeap(x) as Float32Array;
    const f = map(args.attrs ?? {});
    for (let i = 0; i < out.length; i++) out[i] = f(input[i]);
    return info;
  };
}

/** Per kernel, the function of one value (given the kernel's attributes). */
const UNARY: Readonly<Record<string, (attrs: tf.NamedAttrMap) => (value: number) => number>> = {
  Square: () => (v) => v * v,
  Sqrt: () => Math.sqrt,
  Neg: () => (v) => -v,
  ClipByValue: (attrs) => {
    const { clipValueMin: low, clipValueMax: high } = attrs as unknown as tf.ClipByValueAttrs;
    return (v) => Math.min(Math.max(v, low), high);
  },
};

let registered = false;

/** Puts the loops above in front of wasm's own kernels. Idempotent; the wasm backend must be loaded. */
export function registerWasmSmallOps(): void {
  if (registered) return;
  const wrap = (name: string, make: (builtIn: tf.KernelFunc) => tf.KernelFunc): void => {
    const builtIn = tf.getKernel(name, 'wasm');
    if (builtIn === undefined) throw new Error(`wasm kernel ${name} is not registered`);
    replaceKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(builtIn.kernelFunc), setupFunc: builtIn.setupFunc });
  };
  for (const name of Object.keys(BINARY)) wrap(name, (builtIn) => smallBinary(name, builtIn));
  for (const [name, map] of Object.entries(UNARY)) wrap(name, (builtIn) => smallUnary(map, builtIn));
  registered = true;
}
