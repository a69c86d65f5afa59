import type { TextAttention } from '../../src/protocol/evaluationTypes';

/*
 * The attention view's arithmetic, apart from the DOM so it can be tested:
 * which weights a choice of layer and head means, how strongly each token's
 * chip is shaded, and the summary line a screen reader reads.
 */

/** `average`: the mean over the layer's heads; a number: one head (0-based). */
export type HeadChoice = 'average' | number;

/** The weight each token receives in `layer` from `head`, or the mean over its heads. Tokens a head has no value for count as 0. */
export function headWeights(attention: TextAttention, layer: number, head: HeadChoice): number[] {
  const heads = attention.layers[layer]?.heads ?? [];
  const count = attention.tokens.length;
  const value = (row: readonly number[] | undefined, t: number): number => {
    const w = row?.[t];
    return typeof w === 'number' && Number.isFinite(w) ? w : 0;
  };
  if (head !== 'average') return Array.from({ length: count }, (_, t) => value(heads[head], t));
  if (heads.length === 0) return new Array<number>(count).fill(0);
  return Array.from({ length: count }, (_, t) => heads.reduce((sum, row) => sum + value(row, t), 0) / heads.length);
}

/**
 * How many times an even share (1 / tokens) the largest weight must be to
 * get the full shade: attention spread evenly over the tokens picks none
 * out, so it shows faint (a third of the shade), not strong.
 */
export const STANDOUT = 3;

/**
 * Each weight over the largest in view, so the most attended token is fully
 * shaded however many tokens share the attention; but over at least
 * STANDOUT even shares (at most 1), so a nearly even spread stays faint.
 * All zero when no weight is positive.
 */
export function relativeWeights(weights: readonly number[]): number[] {
  const max = weights.reduce((m, w) => Math.max(m, w), 0);
  const scale = Math.max(max, Math.min(1, STANDOUT / Math.max(1, weights.length)));
  return weights.map((w) => Math.max(0, w) / scale);
}

/** The strongest shade, in percent of the theme colour: the text on it stays readable. */
export const MAX_SHADE = 85;

/** Percent of the theme colour mixed into a chip (0–MAX_SHADE) for a relative weight. */
export function shade(relative: number): number {
  return Math.round(Math.min(1, Math.max(0, relative)) * MAX_SHADE);
}

/** `12%` from 10 % up, `3.4%` below, `<0.1%` for the faintest: the sum over all tokens is 100 %. */
export function weightPercent(weight: number): string {
  const p = weight * 100;
  if (p >= 10) return `${Math.round(p)}%`;
  if (p > 0 && p < 0.05) return '<0.1%';
  return `${p.toFixed(1)}%`;
}

/** How a token is written on its chip: whitespace (character tokens) made visible. */
export function tokenLabel(token: string): string {
  if (token === ' ') return '␣';
  if (token === '\n') return '⏎';
  if (token === '\t') return '⇥';
  return token;
}

/** Positions of the `k` highest weights, highest first (ties: the earlier token first). */
export function topPositions(weights: readonly number[], k: number): number[] {
  return weights
    .map((w, t) => [w, t] as const)
    .sort(([a, i], [b, j]) => b - a || i - j)
    .slice(0, k)
    .map(([, t]) => t);
}

/** `The model attended most to: free (12%), win (9%), now (7%)`: the summary read out with the chips. */
export function attendedLine(tokens: readonly string[], weights: readonly number[], k = 3): string {
  if (tokens.length === 0) return 'The model read no tokens of this example.';
  const top = topPositions(weights, k).map((t) => `${tokenLabel(tokens[t])} (${weightPercent(weights[t])})`);
  return `The model attended most to: ${top.join(', ')}`;
}
