import * as tf from '@tensorflow/tfjs';

/**
 * Convolution gradients for the wasm backend of TF.js 4.22, composed from
 * kernels wasm does have (BACKENDS.md "wasm holes"):
 *
 * * `Conv2DBackpropFilter` is missing, so CNNs cannot train on wasm at all.
 * * The built-in stride-1 `Conv2DBackpropInput` is slow; the same gradient
 *   as an XNNPACK `Conv2D` with the flipped, transposed filter is about
 *   twice as fast.
 *
 * Both are proven equal to the cpu backend in test/unit/wasmKernels.test.ts.
 */

type Backend = tf.KernelBackend;
type Attrs = tf.NamedAttrMap;
type Padding = [[number, number], [number, number], [number, number], [number, number]];

/** Runs one registered wasm kernel on tensor infos the caller owns. */
function runKernel(
  name: string,
  backend: Backend,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Attrs,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) {
    throw new Error(`wasm kernel ${name} is not registered`);
  }
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

function disposeAll(backend: Backend, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) {
    backend.disposeData(info.dataId);
  }
}

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
    xShape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, padInfo } = info;
  const [, inHeight, inWidth] = xShape;
  const padBottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top;
  const padRight = (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left;
  const padding: Padding = [[0, 0], [padInfo.top, Math.max(0, padBottom)], [padInfo.left, Math.max(0, padRight)], [0, 0]];

  const intermediates: tf.TensorInfo[] = [];
  try {
    const imagesPerChannel = runKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
    intermediates.push(imagesPerChannel);
    const dyAsFilter = runKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
    intermediates.push(dyAsFilter);
    let product = runKernel('Conv2D', backend, { x: imagesPerChannel, filter: dyAsFilter }, {
      strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [strideHeight, strideWidth],
    });
    intermediates.push(product);
    if (product.shape[1] !== filterHeight || product.shape[2] !== filterWidth) {
      product = runKernel('Slice', backend, { x: product }, {
        begin: [0, 0, 0, 0], size: [-1, filterHeight, filterWidth, -1],
      });
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
      attrs.inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    const { filterHeight, filterWidth, padInfo } = info;
    const padding: Padding = [
      [0, 0],
      [filterHeight - 1 - padInfo.top, filterHeight - 1 - padInfo.bottom],
      [filterWidth - 1 - padInfo.left, filterWidth - 1 - padInfo.right],
      [0, 0],
    ];
    const usable = attrs.dataFormat === 'NHWC' && info.strideHeight === 1 && info.strideWidth === 1
      && padding.every(([before, after]) => before >= 0 && after >= 0);
    if (!usable) {
      return builtIn(args);
    }
    const intermediates: tf.TensorInfo[] = [];
    try {
      const flipped = runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
      intermediates.push(flipped);
      const transposed = runKernel('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
      intermediates.push(transposed);
      return runKernel('Conv2D', backend, { x: dy, filter: transposed }, {
        strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [1, 1],
      });
    } finally {
      disposeAll(backend, intermediates);
    }
  };
}

/** Replaces a kernel without the "already registered" warning TF.js logs. */
function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

let registered = false;

/** Adds the convolution gradients above to the wasm backend. Idempotent. */
export function registerWasmConvGradients(): void {
  if (registered) {
    return;
  }
  const builtInInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (builtInInput === undefined) {
    throw new Error('the wasm backend is not loaded: @tensorflow/tfjs-backend-wasm must be imported first');
  }
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
