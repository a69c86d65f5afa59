import * as tf from '@tensorflow/tfjs';

/** The wasm backend's heap views; typed arrays over its memory, valid until the next allocation. */
export interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Runs one registered wasm kernel on tensor infos the caller owns. */
export function runKernel(
  name: string,
  backend: tf.KernelBackend,
  inputs: Record<string, tf.TensorInfo>,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) {
    throw new Error(`wasm kernel ${name} is not registered`);
  }
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

export function disposeAll(backend: tf.KernelBackend, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) {
    backend.disposeData(info.dataId);
  }
}
