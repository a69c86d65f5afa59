import * as tf from '@tensorflow/tfjs';
import type { FeatureMapLayer } from '../../protocol/explainTypes';
import { isConvolution } from './forward';

/** Maps per layer: enough to see what a layer picks up, few enough for a grid in the panel. */
export const MAX_FEATURE_MAPS = 64;

/** The activations of each convolution layer for one example ([1, ...featureShape]), first layer first. */
export async function featureMaps(model: tf.LayersModel, example: tf.Tensor): Promise<FeatureMapLayer[]> {
  const captured = tf.tidy(() => {
    const out: { name: string; activations: tf.Tensor }[] = [];
    let x = example;
    for (const layer of model.layers) {
      x = layer.apply(x, { training: false }) as tf.Tensor;
      if (isConvolution(layer)) out.push({ name: layer.name, activations: x });
    }
    return out.map((c) => c.activations);
  });
  const names = model.layers.filter(isConvolution).map((layer) => layer.name);
  try {
    const layers: FeatureMapLayer[] = [];
    for (const [i, activations] of captured.entries()) {
      const [, height, width, channels] = activations.shape as [number, number, number, number];
      layers.push({ name: names[i], height, width, channels, maps: channelMaps(await activations.data(), height * width, channels) });
    }
    return layers;
  } finally {
    tf.dispose(captured);
  }
}

/** Each of the first channels of [h, w, c] values as its own h × w map, scaled to its min–max as 0–255, base64. */
function channelMaps(values: ArrayLike<number>, size: number, channels: number): string[] {
  const maps: string[] = [];
  for (let c = 0; c < Math.min(channels, MAX_FEATURE_MAPS); c++) {
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < size; p++) {
      const v = values[p * channels + c];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min;
    const bytes = new Uint8Array(size);
    for (let p = 0; p < size; p++) bytes[p] = range > 0 ? Math.round(((values[p * channels + c] - min) / range) * 255) : 0;
    maps.push(Buffer.from(bytes).toString('base64'));
  }
  return maps;
}
