// Attention for a text model's worst predictions (src/trainer/textAttention): the tokens read
// from the run's vocabulary and the ids given to the encoder layers, with a stand-in for
// attentionReceived (src/trainer/attention) that gives each token its share by position.
import * as assert from 'node:assert/strict';
import type { AttentionLayer, WorstPrediction } from '../../src/protocol/evaluationTypes';
import { textAttention, tokensRead, withAttention, type AttentionOf } from '../../src/trainer/textAttention';

const vocabulary = ['<pad>', '<unk>', 'free', 'money', 'now', 'hello'];

/** Two heads: one attends in proportion to the position (1, 2, 3 …), one uniformly; over the non-padding tokens, as attentionReceived. */
function positional(calls: number[][]): AttentionOf {
  return (ids) => {
    calls.push([...ids]);
    const n = ids.filter((id) => id !== 0).length;
    const total = (n * (n + 1)) / 2;
    const layer: AttentionLayer = {
      name: 'transformerEncoder_1',
      heads: [Array.from({ length: n }, (_, t) => (t + 1) / total), Array.from({ length: n }, () => 1 / n)],
    };
    return [layer];
  };
}

function worstOf(loss: number): WorstPrediction {
  return { source: { file: '/w/data/spam.csv', line: 2 + loss, index: loss }, actual: 'spam', predicted: 'ham', loss };
}

describe('text attention of the worst predictions', () => {
  it('reads tokens from the vocabulary, leaving the padding out and naming unknown ids <unk>', () => {
    assert.deepEqual(tokensRead([2, 3, 1, 4, 0, 0], vocabulary), ['free', 'money', '<unk>', 'now']);
    assert.deepEqual(tokensRead([2, 99, 0], vocabulary), ['free', '<unk>']);
    assert.deepEqual(tokensRead([0, 0], vocabulary), []);
  });

  it('gives the encoder the whole id row as whole numbers and keeps its weights per layer and head', () => {
    const calls: number[][] = [];
    const attention = textAttention(Float32Array.from([5, 2, 4, 0, 0]), vocabulary, positional(calls));
    assert.deepEqual(calls, [[5, 2, 4, 0, 0]]);
    assert.deepEqual(attention?.tokens, ['hello', 'free', 'now']);
    assert.equal(attention?.layers[0].name, 'transformerEncoder_1');
    assert.deepEqual(attention?.layers[0].heads[0], [1 / 6, 2 / 6, 3 / 6]);
    assert.deepEqual(attention?.layers[0].heads[1], [1 / 3, 1 / 3, 1 / 3]);
  });

  it('gives none for a model without encoder layers (an LSTM on text)', () => {
    assert.equal(
      textAttention([2, 3, 0], vocabulary, () => []),
      undefined,
    );
  });

  it('gives none when a head does not cover exactly the tokens read, rather than weights on the wrong tokens', () => {
    const padded: AttentionOf = () => [{ name: 'e', heads: [[0.25, 0.25, 0.25, 0.25]] }];
    assert.equal(textAttention([2, 3, 0, 0], vocabulary, padded), undefined);
    assert.equal(
      textAttention([2, 3, 0], vocabulary, () => [{ name: 'e', heads: [] }]),
      undefined,
    );
  });

  it('adds attention to each worst prediction from its own example row, the rest unchanged', () => {
    const ids = [
      [2, 3, 0, 0],
      [4, 0, 0, 0],
      [5, 5, 2, 3],
    ];
    const calls: number[][] = [];
    const worst = [worstOf(3), worstOf(1)];
    const result = withAttention(worst, [2, 0], (row) => ids[row], vocabulary, positional(calls));
    assert.deepEqual(calls, [ids[2], ids[0]]);
    assert.deepEqual(
      result.map((w) => w.attention?.tokens),
      [
        ['hello', 'hello', 'free', 'money'],
        ['free', 'money'],
      ],
    );
    assert.deepEqual(
      result.map(({ attention: _, ...rest }) => rest),
      worst,
    );
    assert.deepEqual(
      withAttention(
        worst,
        [2, 0],
        (row) => ids[row],
        vocabulary,
        () => [],
      ),
      worst,
    );
  });
});
