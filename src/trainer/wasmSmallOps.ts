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

/**
 * out[o + i] = x[xAt + i·xStep] op y[yAt + i·yStep] for i < n; a step of 0 repeats one value. One loop per op,
 * written out: a shared loop calling the op through a function would be megamorphic, 10–30× slower.
 */
type BinaryRun = (
  x: Float32Array,
  xAt: number,
  xStep: number,
  y: Float32Array,
  yAt: number,
  yStep: number,
  out: Float32Array,
  o: number,
  n: number,
) => void;

const BINARY: Readonly<Record<string, BinaryRun>> = {
  Add: (x, xAt, xStep, y, yAt, yStep, out, o, n) => {
    for (let i = 0; i < n; i++, xAt += xStep, yAt += yStep) out[o + i] = x[xAt] + y[yAt];
  },
  Sub: (x, xAt, xStep, y, yAt, yStep, out, o, n) => {
    for (let i = 0; i < n; i++, xAt += xStep, yAt += yStep) out[o + i] = x[xAt] - y[yAt];
  },
  Multiply: (x, xAt, xStep, y, yAt, yStep, out, o, n) => {
    for (let i = 0; i < n; i++, xAt += xStep, yAt += yStep) out[o + i] = x[xAt] * y[yAt];
  },
  RealDiv: (x, xAt, xStep, y, yAt, yStep, out, o, n) => {
    for (let i = 0; i < n; i++, xAt += xStep, yAt += yStep) out[o + i] = x[xAt] / y[yAt];
  },
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

/** The broadcast product, one run of the last axis at a time, walking the outer axes in order. */
function broadcastRuns(
  run: BinaryRun,
  x: Float32Array,
  xShape: number[],
  y: Float32Array,
  yShape: number[],
  out: Float32Array,
  outShape: number[],
): void {
  const xStrides = broadcastStrides(xShape, outShape);
  const yStrides = broadcastStrides(yShape, outShape);
  const last = outShape.length - 1;
  const width = outShape[last];
  const index = new Array<number>(last).fill(0);
  let xAt = 0;
  let yAt = 0;
  for (let o = 0; o < out.length; o += width) {
    run(x, xAt, xStrides[last], y, yAt, yStrides[last], out, o, width);
    for (let axis = last - 1; axis >= 0; axis--) {
      xAt += xStrides[axis];
      yAt += yStrides[axis];
      if (++index[axis] < outShape[axis]) break;
      xAt -= xStrides[axis] * outShape[axis];
      yAt -= yStrides[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
}

function smallBinary(name: string, builtIn: tf.KernelFunc): tf.KernelFunc {
  const run = BINARY[name];
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return builtIn(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (tf.util.sizeFromShape(outShape) > SMALL_OP_ELEMENTS) return builtIn(args);
    const heap = args.backend as unknown as WasmHeap;
    const info = heap.makeOutput(outShape, 'float32');
    // Views after makeOutput: an allocation can grow (and move) the heap.
    const out = heap.typedArrayFromHeap(info) as Float32Array;
    const x = heap.typedArrayFromHeap(a) as Float32Array;
    const y = heap.typedArrayFromHeap(b) as Float32Array;
    if ((x.length === out.length || x.length === 1) && (y.length === out.length || y.length === 1)) {
      run(x, 0, x.length === 1 ? 0 : 1, y, 0, y.length === 1 ? 0 : 1, out, 0, out.length);
    } else {
      broadcastRuns(run, x, a.shape, y, b.shape, out, outShape);
    }
    return info;
  };
}

/** Per kernel, given its attributes, the loop of out[i] = f(x[i]); written out per kernel for the reason BINARY's are. */
const UNARY: Readonly<Record<string, (attrs: tf.NamedAttrMap) => (x: Float32Array, out: Float32Array) => void>> = {
  Square: () => (x, out) => {
    for (let i = 0; i < out.length; i++) out[i] = x[i] * x[i];
  },
  Sqrt: () => (x, out) => {
    for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(x[i]);
  },
  Neg: () => (x, out) => {
    for (let i = 0; i < out.length; i++) out[i] = -x[i];
  },
  ClipByValue: (attrs) => {
    const { clipValueMin: low, clipValueMax: high } = attrs as unknown as tf.ClipByValueAttrs;
    return (x, out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(x[i], low), high);
    };
  },
};

function smallUnary(name: string, builtIn: tf.KernelFunc): tf.KernelFunc {
  const loop = UNARY[name];
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) > SMALL_OP_ELEMENTS) return builtIn(args);
    const heap = args.backend as unknown as WasmHeap;
    const info = heap.makeOutput([...x.shape], 'float32');
    const out = heap.typedArrayFromHeap(info) as Float32Array;
    loop(args.attrs ?? {})(heap.typedArrayFromHeap(x) as Float32Array, out);
    return info;
  };
}

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
  for (const name of Object.keys(UNARY)) wrap(name, (builtIn) => smallUnary(name, builtIn));
  registered = true;
}
