import type { TextSpec } from '../modelFile/modelSpec';

/** Text data (`data.text`) when the file leaves a key out: words, lowercased, 10,000 ids, 200 tokens a text. */
export const DEFAULT_TEXT = { tokenizer: 'word', vocabSize: 10000, maxLength: 200, lowercase: true } as const;

/** How texts become tokens: `data.text` with its defaults filled in. */
export interface TokenizerSettings {
  readonly tokenizer: 'word' | 'char';
  readonly lowercase: boolean;
}

/** `data.text` with every default applied. */
export interface TextSettings extends TokenizerSettings {
  readonly vocabSize: number;
  readonly maxLength: number;
}

export function textSettings(spec: TextSpec | undefined): TextSettings {
  return {
    tokenizer: spec?.tokenizer ?? DEFAULT_TEXT.tokenizer,
    vocabSize: spec?.vocabSize ?? DEFAULT_TEXT.vocabSize,
    maxLength: spec?.maxLength ?? DEFAULT_TEXT.maxLength,
    lowercase: spec?.lowercase ?? DEFAULT_TEXT.lowercase,
  };
}

/**
 * A word: a run of letters, combining marks and digits in any script.
 * Everything else (spaces, punctuation, symbols) separates words and is
 * dropped, as Keras's Tokenizer filters punctuation: "Don't!" → don, t.
 */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const WHITESPACE = /\s+/gu;

/**
 * The tokens of one text. NFC first, so that "é" typed as one code point
 * or as e + accent is the same token. `word`: see {@link WORD}. `char`:
 * one token per code point (an emoji is one token, not two UTF-16 halves),
 * punctuation kept, each run of whitespace one space, none at the ends.
 */
export function tokenize(text: string, settings: TokenizerSettings): string[] {
  let normal = text.normalize('NFC');
  if (settings.lowercase) normal = normal.toLowerCase();
  if (settings.tokenizer === 'word') return normal.match(WORD) ?? [];
  return Array.from(normal.replace(WHITESPACE, ' ').trim());
}
