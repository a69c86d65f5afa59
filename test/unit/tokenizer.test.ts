import { strict as assert } from 'node:assert';
import { DEFAULT_TEXT, textSettings, tokenize } from '../../src/data/tokenizer';
import { buildVocabulary, isVocabularyFile, TokenEncoder } from '../../src/data/vocabulary';
import { DEFAULT_TEXT as FROM_MODEL_DEFAULTS } from '../../src/modelFile/modelDefaults';

const words = { tokenizer: 'word', lowercase: true } as const;
const chars = { tokenizer: 'char', lowercase: false } as const;

describe('tokenize', () => {
  it('word: splits on whitespace and punctuation, drops the punctuation, lowercases', () => {
    assert.deepEqual(tokenize("Don't  WIN $1,000 now!!!\n(Click-here)", words), ['don', 't', 'win', '1', '000', 'now', 'click', 'here']);
  });

  it('word: keeps case when lowercase is false', () => {
    assert.deepEqual(tokenize('Free FREE free', { tokenizer: 'word', lowercase: false }), ['Free', 'FREE', 'free']);
  });

  it('word: letters, marks and digits of any script make words; composed and decomposed accents are one token', () => {
    assert.deepEqual(tokenize('Café cafe\u0301 — Привет, 東京！ ٣٤', words), ['café', 'café', 'привет', '東京', '٣٤']);
  });

  it('char: one token per code point, punctuation kept, whitespace runs become one space', () => {
    assert.deepEqual(tokenize('  Hi,\t\n😀!  ', chars), ['H', 'i', ',', ' ', '😀', '!']);
  });

  it('empty and blank texts have no tokens', () => {
    assert.deepEqual(tokenize('', words), []);
    assert.deepEqual(tokenize(' \t\n', chars), []);
    assert.deepEqual(tokenize('?!…', words), []);
  });

  it('defaults: word, 10000, 200, lowercase — the same object the model file defaults name', () => {
    assert.deepEqual(textSettings(undefined), { tokenizer: 'word', vocabSize: 10000, maxLength: 200, lowercase: true });
    assert.deepEqual(textSettings({ tokenizer: 'char', maxLength: 5 }), {
      tokenizer: 'char',
      vocabSize: 10000,
      maxLength: 5,
      lowercase: true,
    });
    assert.equal(FROM_MODEL_DEFAULTS, DEFAULT_TEXT);
  });
});

describe('buildVocabulary', () => {
  const settings = { ...words, vocabSize: 5, maxLength: 4 };

  it('ids 0 and 1 are padding and unknown, then the most frequent tokens, ties in the order first seen', () => {
    const vocabulary = buildVocabulary(['b a c', 'c d a', 'e c'], settings);
    // c ×3, a ×2, then b, d, e once each: b came first.
    assert.deepEqual(vocabulary.tokens, ['<pad>', '<unk>', 'c', 'a', 'b']);
    assert.deepEqual(vocabulary, { tokenizer: 'word', lowercase: true, maxLength: 4, tokens: vocabulary.tokens });
    assert.ok(isVocabularyFile(vocabulary));
  });

  it('holds fewer ids than vocabSize when the texts have fewer tokens', () => {
    assert.deepEqual(buildVocabulary(['a a'], { ...settings, vocabSize: 100 }).tokens, ['<pad>', '<unk>', 'a']);
    assert.deepEqual(buildVocabulary([''], settings).tokens, ['<pad>', '<unk>']);
  });
});

describe('TokenEncoder', () => {
  const vocabulary = buildVocabulary(['the cat sat', 'the dog'], { ...words, vocabSize: 10, maxLength: 4 });
  const encoder = new TokenEncoder(vocabulary);
  const id = (token: string): number => vocabulary.tokens.indexOf(token);

  it('pads at the end with 0 to maxLength', () => {
    assert.deepEqual(Array.from(encoder.encode('The cat')), [id('the'), id('cat'), 0, 0]);
  });

  it('truncates after maxLength tokens', () => {
    assert.deepEqual(Array.from(encoder.encode('the the cat sat dog the')), [id('the'), id('the'), id('cat'), id('sat')]);
  });

  it('gives unknown tokens id 1, and an empty text all padding', () => {
    assert.deepEqual(Array.from(encoder.encode('the bird')), [id('the'), 1, 0, 0]);
    assert.deepEqual(Array.from(encoder.encode('')), [0, 0, 0, 0]);
  });

  it('never reads "<pad>" or "<unk>" in a text as ids 0 and 1', () => {
    const charEncoder = new TokenEncoder(buildVocabulary(['<pad>'], { ...chars, vocabSize: 10, maxLength: 2 }));
    assert.deepEqual(Array.from(charEncoder.encode('<p')), [2, 3]);
  });

  it('encodes many texts row after row', () => {
    assert.deepEqual(Array.from(encoder.encodeAll(['dog', 'cat sat'])), [id('dog'), 0, 0, 0, id('cat'), id('sat'), 0, 0]);
  });
});

describe('isVocabularyFile', () => {
  it('refuses what is not a vocabulary.json', () => {
    assert.equal(isVocabularyFile({ tokenizer: 'word', lowercase: true, maxLength: 0, tokens: ['<pad>', '<unk>'] }), false);
    assert.equal(isVocabularyFile({ tokenizer: 'bpe', lowercase: true, maxLength: 3, tokens: ['<pad>', '<unk>'] }), false);
    assert.equal(isVocabularyFile({ tokenizer: 'word', lowercase: true, maxLength: 3, tokens: [1, 2] }), false);
    assert.equal(isVocabularyFile(null), false);
  });
});
