import * as tf from '@tensorflow/tfjs';
import { textSettings } from '../data/tokenizer';
import type { LayerSpec, ModelSpec } from '../modelFile/modelSpec';
import { MaskedGlobalAveragePooling1D, MaskedGlobalMaxPooling1D } from './textLayers';

type LayerFactory = (config: Record<string, unknown>) => tf.layers.Layer;

/** Global 1-D poolings with a mask-aware stand-in, by model-file type (aliases included). */
const MASKED_POOLING: Readonly<Record<string, LayerFactory>> = {
  globalAveragePooling1d: (config) => new MaskedGlobalAveragePooling1D(config),
  globalMaxPooling1d: (config) => new MaskedGlobalMaxPooling1D(config),
  globalMaxPool1d: (config) => new MaskedGlobalMaxPooling1D(config),
};

/** Whether the layer makes a padding mask: an embedding with maskZero (the default for text data) or a masking layer. */
function makesMask(layer: LayerSpec, spec: ModelSpec): boolean {
  if (layer.type === 'masking') return true;
  return layer.type === 'embedding' && (layer.maskZero ?? spec.data.text !== undefined) === true;
}

/**
 * Config entries layer `index` gets unless the model file sets them: with
 * `data.text`, an embedding reads ids of the whole vocabulary and masks
 * padding (`inputDim` = vocabSize, `maskZero`), a positionEmbedding covers
 * `maxLength` positions.
 */
export function textLayerDefaults(spec: ModelSpec, index: number): Record<string, unknown> {
  if (spec.data.text === undefined) return {};
  const text = textSettings(spec.data.text);
  const type = spec.model.layers[index].type;
  if (type === 'embedding') return { inputDim: text.vocabSize, maskZero: true };
  if (type === 'positionEmbedding') return { sequenceLength: text.maxLength };
  return {};
}

/**
 * The mask-aware class for a global 1-D pooling layer that a mask reaches
 * (some layer before it, or of the `model.from` model, makes one), else undefined: TF.js's own pools
 * over the padding too. docs/decisions.md "Masked global pooling".
 */
export function maskedPoolingFactory(spec: ModelSpec, index: number, baseMakesMask = false): LayerFactory | undefined {
  const factory = MASKED_POOLING[spec.model.layers[index].type];
  if (factory === undefined) return undefined;
  return baseMakesMask || spec.model.layers.slice(0, index).some((layer) => makesMask(layer, spec)) ? factory : undefined;
}
