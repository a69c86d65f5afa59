import * as tf from '@tensorflow/tfjs';
import { batchedAsSingleProducts } from './wasmBatchedMatMul';
import { replaceKernel } from './kernelRegistry';
import { wasmUnsortedSegmentSum } from './segmentSum';
import { filterGradientAsProduct, productIsFaster } from './wasmConvFilter';
import { disposeAll, runKernel, type WasmHeap } from './wasmHeap';
import { makeMaxPoolGrad } from './wasmPooling';
import { makeSum } from './wasmReduce';
import { registerWasmSmallOps } from './wasmSmallOps';

/**
 * Training kernels for the wasm backend of TF.js 4.22, composed from
 * kernels wasm does have (docs/decisions.md "Wasm convolution gradients"; bench/profileWasm.mjs
 * shows where the time goes):
 *
 * * `Conv2DBackpropFilter` is missing, so CNNs cannot train on wasm at all.
 *   Composed as an XNNPACK `Conv2D`, or where the filter is small beside its
 *   output channels (the first layer of an image CNN) as one product of
 *   image patches (wasmConvFilter.ts), which also splits across threads.
 * * The built-in stride-1 `Conv2DBackpropInput` is slow; the same gradient
 *   as an XNNPACK `Conv2D` with the flipped, transposed filter is about
 *   twice as fast.
 * * `BatchMatMul` is fast (XNNPACK) only without transposes; with
 *   `transposeA` or `transposeB`, which every Dense layer's gradients use
 *   (dW = xᵀ·dy, dx = dy·Wᵀ), it falls back to a loop about 15× slower.
 *   Transposing the operand first with wasm's `Transpose` and then
 *   multiplying plainly costs a copy and takes the MLP's weight gradient
 *   from ~100 ms to ~7 ms per batch of 128. A batch of products (attention)
 *   is fast only as single products (wasmBatchedMatMul.ts).
 * * `GatherV2` on axis 0 (how `model.fit` cuts each batch out of the
 *   epoch's data) took ~5 ms for 128 MNIST rows; copying the rows on the
 *   wasm heap takes a fraction of that.
 * * `UnsortedSegmentSum` (the gradient of an embedding's gather) is
 *   missing, so no model with an embedding can train (segmentSum.ts).
 * * Small element-wise ops (wasmSmallOps.ts) cost more in XNNPACK's set-up
 *   and thread pool than in arithmetic.
 * * `MaxPoolGrad` took a quarter of a CNN batch; the same scatter of dy to
 *   each window's first maximum, written as a loop over the wasm heap, is
 *   several times faster (wasmPooling.ts).
 * * `Sum` over all axes but the last (every conv or dense bias's gradient)
 *   transposes all of x first; a column sum on the heap skips that (wasmReduce.ts).
 * * `Identity` (the engine's clone of every tensor kept for the backward pass)
 *   copied; it shares the buffer instead.
 *
 * All are proven equal to the cpu backend in test/unit/wasmKernels.test.ts.
 */

type Backend = tf.KernelBackend;
type Attrs = tf.NamedAttrMap;
type Padding = [[number, number], [number, number], [number, number], [number, number]];

function assertChannelsLast(dataFormat: string, kernel: string): void {
  if (dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports only channelsLast data, got ${dataFormat}`);
  }
}

/**
 * dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[b, oh, ow, co]
 *
 * That is a convolution of x (as [ci, h, w, b]) with dy (as a filter
 * [oh, ow, b, co]) dilated by the forward stride: the batch becomes the
 * contracted channel and each input channel a separate image. The forward
 * padding becomes explicit padding of that convolution; a bottom/right pad
 * that would be negative (rows 'valid' never reads) is left at 0 and the
 * extra output rows sliced off.
 */
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: Backend; attrs?: Attrs }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const backend = args.backend;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast(attrs.dataFormat, 'Conv2DBackpropFilter');

  const xShape = x.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (productIsFaster(info)) {
    return filterGradientAsProduct(x, dy, info, backend);
  }
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, padInfo } = info;
  const [, inHeight, inWidth] = xShape;
  const padBottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top;
  const padRight = (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left;
  const padding: Padding = [
    [0, 0],
    [padInfo.top, Math.max(0, padBottom)],
    [padInfo.left, Math.max(0, padRight)],
    [0, 0],
  ];

  const intermediates: tf.TensorInfo[] = [];
  try {
    const imagesPerChannel = runKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
    intermediates.push(imagesPerChannel);
    const dyAsFilter = runKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
    intermediates.push(dyAsFilter);
    let product = runKernel(
      'Conv2D',
      backend,
      { x: imagesPerChannel, filter: dyAsFilter },
      {
        strides: [1, 1],
        pad: padding,
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      },
    );
    intermediates.push(product);
    if (product.shape[1] !== filterHeight || product.shape[2] !== filterWidth) {
      product = runKernel(
        'Slice',
        backend,
        { x: product },
        {
          begin: [0, 0, 0, 0],
          size: [-1, filterHeight, filterWidth, -1],
        },
      );
      intermediates.push(product);
    }
    return runKernel('Transpose', backend, { x: product }, { perm: [1, 2, 0, 3] });
  } finally {
    disposeAll(backend, intermediates);
  }
}

/**
 * For stride 1, dx = conv2d(dy, W') with W'[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co]
 * and padding K−1−pad on each side. Strided gradients, and paddings wider
 * than the filter, go to the built-in kernel.
 */
function makeConv2DBackpropInput(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const backend = args.backend as Backend;
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    const { filterHeight, filterWidth, padInfo } = info;
    const padding: Padding = [
      [0, 0],
      [filterHeight - 1 - padInfo.top, filterHeight - 1 - padInfo.bottom],
      [filterWidth - 1 - padInfo.left, filterWidth - 1 - padInfo.right],
      [0, 0],
    ];
    const usable =
      attrs.dataFormat === 'NHWC' &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      padding.every(([before, after]) => before >= 0 && after >= 0);
    if (!usable) {
      return builtIn(args);
    }
    const intermediates: tf.TensorInfo[] = [];
    try {
      const flipped = runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
      intermediates.push(flipped);
      const transposed = runKernel('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
      intermediates.push(transposed);
      return runKernel(
        'Conv2D',
        backend,
        { x: dy, filter: transposed },
        {
          strides: [1, 1],
          pad: padding,
          dataFormat: 'NHWC',
          dilations: [1, 1],
        },
      );
    } finally {
      disposeAll(backend, intermediates);
    }
  };
}

/** The permutation that swaps the last two axes of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/** BatchMatMul with transposes as Transpose + BatchMatMul without: the fast XNNPACK path. */
function makeBatchMatMul(builtIn: tf.KernelFunc): tf.KernelFunc {
  const plain = batchedAsSingleProducts(builtIn);
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const backend = args.backend as Backend;
    const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB) {
      return plain(args);
    }
    const intermediates: tf.TensorInfo[] = [];
    try {
      let left = a;
      let right = b;
      if (attrs.transposeA) {
        left = runKernel('Transpose', backend, { x: a }, { perm: swapLastTwo(a.shape.length) });
        intermediates.push(left);
      }
      if (attrs.transposeB) {
        right = runKernel('Transpose', backend, { x: b }, { perm: swapLastTwo(b.shape.length) });
        intermediates.push(right);
      }
      return plain({
        ...args,
        inputs: { a: left, b: right },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    } finally {
      disposeAll(backend, intermediates);
    }
  };
}

/**
 * GatherV2 on axis 0 without batch dims: whole rows copied with
 * TypedArray.set. Anything else (another axis, an index out of range: the
 * built-in kernel reports it) goes to the built-in kernel.
 */
function makeGatherV2(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.GatherV2Attrs;
    const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
    if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || indices.dtype !== 'int32' || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
      return builtIn(args);
    }
    const heap = args.backend as unknown as WasmHeap;
    const rows = x.shape[0];
    const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const index = Int32Array.from(heap.typedArrayFromHeap(indices) as Int32Array);
    if (index.some((i) => i < 0 || i >= rows)) {
      return builtIn(args);
    }
    const out = heap.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // Views taken after makeOutput: an allocation can grow (and move) the heap.
    const source = heap.typedArrayFromHeap(x);
    const target = heap.typedArrayFromHeap(out);
    for (let i = 0; i < index.length; i++) {
      target.set(source.subarray(index[i] * rowSize, (index[i] + 1) * rowSize), i * rowSize);
    }
    return out;
  };
}

/**
 * Identity shares x's buffer (one more reference) instead of copying it, as the cpu backend does: the engine
 * clones every tensor a gradient keeps for the backward pass, and wasm's copy of each took ~0.3 ms in a CNN batch.
 */
function makeIdentity(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') {
      return builtIn(args);
    }
    (args.backend as Backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

let registered = false;

/** Adds the kernels above to the wasm backend. Idempotent. */
export function registerWasmConvGradients(): void {
  if (registered) {
    return;
  }
  registerWasmSmallOps();
  const builtInInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  const builtInMatMul = tf.getKernel('BatchMatMul', 'wasm');
  const builtInGather = tf.getKernel('GatherV2', 'wasm');
  const builtInMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  const builtInSum = tf.getKernel('Sum', 'wasm');
  const builtInIdentity = tf.getKernel('Identity', 'wasm');
  if (
    builtInInput === undefined ||
    builtInMatMul === undefined ||
    builtInGather === undefined ||
    builtInMaxPoolGrad === undefined ||
    builtInSum === undefined ||
    builtInIdentity === undefined
  ) {
    throw new Error('the wasm backend is not loaded: @tensorflow/tfjs-backend-wasm must be imported first');
  }
  replaceKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: makeBatchMatMul(builtInMatMul.kernelFunc),
    setupFunc: builtInMatMul.setupFunc,
  });
  replaceKernel({
    kernelName: 'GatherV2',
    backendName: 'wasm',
    kernelFunc: makeGatherV2(builtInGather.kernelFunc),
    setupFunc: builtInGather.setupFunc,
  });
  replaceKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: makeMaxPoolGrad(builtInMaxPoolGrad.kernelFunc),
    setupFunc: builtInMaxPoolGrad.setupFunc,
  });
  replaceKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: makeIdentity(builtInIdentity.kernelFunc) });
  replaceKernel({ kernelName: 'Sum', backendName: 'wasm', kernelFunc: makeSum(builtInSum.kernelFunc), setupFunc: builtInSum.setupFunc });
  replaceKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: wasmUnsortedSegmentSum });
  replaceKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
  });
  replaceKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: makeConv2DBackpropInput(builtInInput.kernelFunc),
    setupFunc: builtInInput.setupFunc,
  });
  registered = true;
}
