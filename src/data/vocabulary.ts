import { tokenize, type TextSettings, type TokenizerSettings } from './tokenizer';

/** Id 0: the padding after a text shorter than `maxLength`. */
export const PAD_ID = 0;
/** Id 1: a token the training split did not have among its `vocabSize − 2` most frequent. */
export const UNKNOWN_ID = 1;
export const PAD_TOKEN = '<pad>';
export const UNKNOWN_TOKEN = '<unk>';

/**
 * Contents of a run's `vocabulary.json`: how to tokenize, how long a
 * sequence is, and the token of each id (`tokens[0]` padding, `tokens[1]`
 * unknown). Evaluation and prediction encode raw text with it, so the ids
 * a model reads never shift after training.
 */
export interface VocabularyFile extends TokenizerSettings {
  readonly maxLength: number;
  readonly tokens: readonly string[];
}

/**
 * The vocabulary of `texts` (the training split only: tokens of held-out
 * rows must stay unknown to the model): the `vocabSize − 2` most frequent
 * tokens, ties in the order first seen, after the padding and unknown ids.
 */
export function buildVocabulary(texts: Iterable<string>, settings: TextSettings): VocabularyFile {
  // A Map keeps insertion order, so a stable sort by count leaves ties in the order first seen.
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const token of tokenize(text, settings)) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const kept = ranked.slice(0, Math.max(0, settings.vocabSize - 2)).map(([token]) => token);
  return {
    tokenizer: settings.tokenizer,
    lowercase: settings.lowercase,
    maxLength: settings.maxLength,
    tokens: [PAD_TOKEN, UNKNOWN_TOKEN, ...kept],
  };
}

/** Encodes texts with one vocabulary: ids by token, built once. */
export class TokenEncoder {
  private readonly ids: ReadonlyMap<string, number>;

  constructor(readonly vocabulary: VocabularyFile) {
    this.ids = new Map(vocabulary.tokens.map((token, id) => [token, id] as const).slice(2));
  }

  /**
   * The ids of one text, exactly `maxLength` of them: cut after the first
   * `maxLength` tokens, or padded at the end with {@link PAD_ID}. Written
   * into `out` at `offset` when given (a row of a batch).
   */
  encode(text: string, out = new Float32Array(this.vocabulary.maxLength), offset = 0): Float32Array {
    const tokens = tokenize(text, this.vocabulary);
    const { maxLength } = this.vocabulary;
    const length = Math.min(tokens.length, maxLength);
    for (let i = 0; i < length; i++) out[offset + i] = this.ids.get(tokens[i]) ?? UNKNOWN_ID;
    out.fill(PAD_ID, offset + length, offset + maxLength);
    return out;
  }

  /** All texts, one row of `maxLength` ids each, row-major. */
  encodeAll(texts: readonly string[]): Float32Array {
    const { maxLength } = this.vocabulary;
    const out = new Float32Array(texts.length * maxLength);
    texts.forEach((text, row) => this.encode(text, out, row * maxLength));
    return out;
  }
}

/** True for the contents of a `vocabulary.json` (checked on reading a run folder). */
export function isVocabularyFile(x: unknown): x is VocabularyFile {
  if (typeof x !== 'object' || x === null) return false;
  const v = x as Record<string, unknown>;
  return (
    (v.tokenizer === 'word' || v.tokenizer === 'char') &&
    typeof v.lowercase === 'boolean' &&
    typeof v.maxLength === 'number' &&
    Number.isInteger(v.maxLength) &&
    v.maxLength > 0 &&
    Array.isArray(v.tokens) &&
    v.tokens.length >= 2 &&
    v.tokens.every((t) => typeof t === 'string')
  );
}
