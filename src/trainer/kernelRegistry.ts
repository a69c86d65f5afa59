import * as tf from '@tensorflow/tfjs';

/** Replaces a backend's kernel without the "already registered" warning TF.js logs. */
export function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}
