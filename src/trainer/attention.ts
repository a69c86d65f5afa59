import * as tf from '@tensorflow/tfjs';
import type { AttentionLayer } from '../protocol/evaluationTypes';
import { TransformerEncoder } from './textLayers';

/**
 * The attention each token of one text receives in every
 * transformerEncoder layer of `model` (a chain of layers, as buildModel
 * makes): `ids` are the text's token ids (padded with 0 to the model's
 * length, or shorter); one entry per encoder, `heads[h][t]` = the
 * probability head h gives token t, averaged over the real (non-padding)
 * queries, for the real tokens only. Runs the layers before each encoder
 * as at inference, with the padding mask an embedding with maskZero makes.
 */
export function attentionReceived(model: tf.LayersModel, ids: readonly number[]): AttentionLayer[] {
  const real = ids.flatMap((id, t) => (id !== 0 ? [t] : []));
  const length = model.inputs[0].shape[1] ?? ids.length;
  const encoders = model.layers.filter((layer): layer is TransformerEncoder => layer instanceof TransformerEncoder);
  if (encoders.length === 0) return [];
  const found: AttentionLayer[] = [];
  tf.tidy(() => {
    const padded = [...ids.slice(0, length), ...Array<number>(Math.max(0, length - ids.length)).fill(0)];
    let value: tf.Tensor = tf.tensor2d([padded], [1, length], 'float32');
    let mask: tf.Tensor | null = null;
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      if (layer instanceof TransformerEncoder)
        found.push({ name: layer.name, heads: receivedPerHead(layer.attentionProbabilities(value, mask), real) });
      if (found.length === encoders.length) break;
      const output = layer.apply(value, mask === null ? {} : { mask }) as tf.Tensor;
      mask = layer.supportsMasking ? ((layer.computeMask(value, mask ?? undefined) as tf.Tensor | null) ?? null) : null;
      value = output;
    }
  });
  return found;
}

/** [1, heads, query, key] probabilities → per head, the mean over the real queries of what each real key receives. */
function receivedPerHead(probabilities: tf.Tensor, real: readonly number[]): number[][] {
  const heads = probabilities.shape[1] as number;
  if (real.length === 0) return Array.from({ length: heads }, () => []);
  const index = tf.tensor1d([...real], 'int32');
  const rows = tf.gather(tf.squeeze(probabilities, [0]), index, 1);
  const received = tf.gather(tf.mean(rows, 1), index, 1);
  return received.arraySync() as number[][];
}
