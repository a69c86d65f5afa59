/**
 * Model Studio's own TF.js layers. Importing this module registers them
 * with TF.js's serialization, which tf.loadLayersModel needs to read a
 * model.json that names them: every module that builds or loads models
 * imports it (buildModel.ts, modelIO.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { MaskedGlobalAveragePooling1D, MaskedGlobalMaxPooling1D } from './maskedPooling';
import { PositionEmbedding, type PositionEmbeddingArgs } from './positionEmbedding';
import { TransformerEncoder, type TransformerEncoderArgs } from './transformerEncoder';

export { MaskedGlobalAveragePooling1D, MaskedGlobalMaxPooling1D, PositionEmbedding, TransformerEncoder };

/** The model-file layer types these layers stand for, as tf.layers-style factories. */
export const MODEL_STUDIO_LAYER_FACTORIES: ReadonlyMap<string, (config: Record<string, unknown>) => tf.layers.Layer> = new Map<
  string,
  (config: Record<string, unknown>) => tf.layers.Layer
>([
  ['positionEmbedding', (config: Record<string, unknown>) => new PositionEmbedding(config as unknown as PositionEmbeddingArgs)],
  ['transformerEncoder', (config: Record<string, unknown>) => new TransformerEncoder(config as unknown as TransformerEncoderArgs)],
]);

/** The class names a saved model.json uses for them: a model naming any needs these classes to load. */
export const MODEL_STUDIO_CLASS_NAMES: readonly string[] = [
  PositionEmbedding.className,
  TransformerEncoder.className,
  MaskedGlobalAveragePooling1D.className,
  MaskedGlobalMaxPooling1D.className,
];
