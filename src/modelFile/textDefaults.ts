import type { TextSpec } from './modelSpec';

/** What `data.text` means where a key is left out (issue #15's contract). */
export const TEXT_DEFAULTS: Required<TextSpec> = { tokenizer: 'word', vocabSize: 10000, maxLength: 200, lowercase: true };
