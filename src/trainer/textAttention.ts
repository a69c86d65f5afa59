import type { AttentionLayer, TextAttention, WorstPrediction } from '../protocol/evaluationTypes';

/*
 * The attention the evaluation panel shows for a text model's worst
 * predictions. Only those few examples are run through the encoder layers
 * again (attentionReceived in ./attention, passed in as `attentionOf` so this
 * stays free of TF.js and testable with a stand-in).
 */

/** Padding id: texts are padded at the end with it, and attention leaves it out. */
const PADDING = 0;
const UNKNOWN = '<unk>';

/** What attention each encoder layer's heads give the non-padding tokens of `ids` (none for a model without encoder layers). */
export type AttentionOf = (ids: readonly number[]) => readonly AttentionLayer[];

/** The tokens the model read: the vocabulary's token for each id, padding left out, `<unk>` for an id beyond the vocabulary. */
export function tokensRead(ids: readonly number[], vocabulary: readonly string[]): string[] {
  return ids.filter((id) => id !== PADDING).map((id) => vocabulary[id] ?? UNKNOWN);
}

/**
 * The attention of one example (its `maxLength` ids), or undefined when the
 * model has no encoder layers, or when a head does not cover exactly the
 * tokens read: a view that put weights on the wrong tokens would mislead.
 */
export function textAttention(ids: ArrayLike<number>, vocabulary: readonly string[], attentionOf: AttentionOf): TextAttention | undefined {
  // The ids travel as float32 in the prepared data.
  const whole = Array.from(ids, (id) => Math.round(id));
  const tokens = tokensRead(whole, vocabulary);
  const layers = attentionOf(whole);
  if (layers.length === 0) return undefined;
  const fits = layers.every((layer) => layer.heads.length > 0 && layer.heads.every((head) => head.length === tokens.length));
  if (!fits) return undefined;
  return { tokens, layers: layers.map((layer) => ({ name: layer.name, heads: layer.heads.map((head) => Array.from(head)) })) };
}

/** The worst predictions with their attention added: `rows[i]` is the example of `worst[i]`, `idsOf(row)` its token ids. */
export function withAttention(
  worst: readonly WorstPrediction[],
  rows: readonly number[],
  idsOf: (row: number) => ArrayLike<number>,
  vocabulary: readonly string[],
  attentionOf: AttentionOf,
): WorstPrediction[] {
  return worst.map((w, i) => {
    const attention = textAttention(idsOf(rows[i]), vocabulary, attentionOf);
    return attention ? { ...w, attention } : w;
  });
}
