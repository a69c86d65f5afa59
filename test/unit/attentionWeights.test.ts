// The evaluation panel's attention view, its pure part (webview/evaluation/attentionWeights):
// which weights a layer and head choice means, the chips' shading and the summary line.
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import type { TextAttention } from '../../src/protocol/evaluationTypes';
import {
  attendedLine,
  headWeights,
  MAX_SHADE,
  relativeWeights,
  shade,
  STANDOUT,
  tokenLabel,
  topPositions,
  weightPercent,
} from '../../webview/evaluation/attentionWeights';

const attention: TextAttention = {
  tokens: ['win', 'free', 'money', 'now'],
  layers: [
    {
      name: 'transformerEncoder_1',
      heads: [
        [0.1, 0.6, 0.2, 0.1],
        [0.5, 0.2, 0.2, 0.1],
      ],
    },
    { name: 'transformerEncoder_2', heads: [[0.25, 0.25, 0.25, 0.25]] },
  ],
};

describe('attention view: weights', () => {
  it('a head is its row; the average is the mean over the layer’s heads', () => {
    assert.deepEqual(headWeights(attention, 0, 1), [0.5, 0.2, 0.2, 0.1]);
    const average = headWeights(attention, 0, 'average');
    [0.3, 0.4, 0.2, 0.1].forEach((expected, t) => assert.ok(Math.abs(average[t] - expected) < 1e-12, `token ${t}: ${average[t]}`));
    assert.deepEqual(headWeights(attention, 1, 'average'), [0.25, 0.25, 0.25, 0.25]);
  });

  it('a missing layer, head or value, or a non-finite one, counts as no attention', () => {
    assert.deepEqual(headWeights(attention, 5, 'average'), [0, 0, 0, 0]);
    assert.deepEqual(headWeights(attention, 0, 7), [0, 0, 0, 0]);
    const ragged: TextAttention = { tokens: ['a', 'b', 'c'], layers: [{ name: 'e', heads: [[0.5, Number.NaN]] }] };
    assert.deepEqual(headWeights(ragged, 0, 0), [0.5, 0, 0]);
  });

  it('the average of rows that sum to 1 sums to 1', () => {
    const rows = fc.array(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(rows, (raw) => {
        const heads = raw.map((row) => row.map((w) => w / row.reduce((a, b) => a + b, 0)));
        const a: TextAttention = { tokens: ['a', 'b', 'c', 'd', 'e'], layers: [{ name: 'e', heads }] };
        const sum = headWeights(a, 0, 'average').reduce((x, y) => x + y, 0);
        return Math.abs(sum - 1) < 1e-9;
      }),
    );
  });

  it('shades relative to the most attended token: it gets the full shade, the others in proportion', () => {
    const peaked = [0.5, 0.25, ...new Array<number>(8).fill(0.03125)];
    assert.deepEqual(relativeWeights(peaked), [1, 0.5, ...new Array<number>(8).fill(0.0625)]);
    assert.deepEqual(relativeWeights([0, 0]), [0, 0]);
    assert.deepEqual(relativeWeights([]), []);
    assert.deepEqual([0, 0.5, 1].map(shade), [0, Math.round(MAX_SHADE / 2), MAX_SHADE]);
    assert.equal(shade(2), MAX_SHADE);
    assert.equal(shade(-1), 0);
  });

  it('an even spread, or one close to it, stays faint: no token stands out', () => {
    fc.assert(
      fc.property(fc.integer({ min: STANDOUT, max: 500 }), (n) =>
        relativeWeights(new Array<number>(n).fill(1 / n)).every((r) => Math.abs(r - 1 / STANDOUT) < 1e-9),
      ),
    );
    // 32 tokens, the largest 1.2 times an even share: at most 0.4 of the shade.
    const nearlyEven = [1.2 / 32, ...new Array<number>(31).fill((1 - 1.2 / 32) / 31)];
    assert.ok(Math.max(...relativeWeights(nearlyEven)) <= 0.4);
  });

  it('a text of one or two tokens is shaded by its raw weights', () => {
    assert.deepEqual(relativeWeights([0.7, 0.3]), [0.7, 0.3]);
    assert.deepEqual(relativeWeights([1]), [1]);
  });
});

describe('attention view: what is read out', () => {
  it('writes weights as percent: whole from 10 %, one decimal below, <0.1% for the faintest', () => {
    assert.deepEqual([0.123, 0.1, 0.094, 0.0042, 0.0004, 0].map(weightPercent), ['12%', '10%', '9.4%', '0.4%', '<0.1%', '0.0%']);
  });

  it('ranks positions by weight, ties to the earlier token', () => {
    assert.deepEqual(topPositions([0.2, 0.5, 0.2, 0.1], 3), [1, 0, 2]);
    assert.deepEqual(topPositions([0.7, 0.3], 3), [0, 1]);
  });

  it('names the three most attended tokens with their share', () => {
    assert.equal(
      attendedLine(attention.tokens, headWeights(attention, 0, 'average')),
      'The model attended most to: free (40%), win (30%), money (20%)',
    );
    assert.equal(attendedLine(['a', ' '], [0.05, 0.95]), 'The model attended most to: ␣ (95%), a (5.0%)');
    assert.equal(attendedLine([], []), 'The model read no tokens of this example.');
  });

  it('makes whitespace tokens (character tokenizer) visible', () => {
    assert.deepEqual([' ', '\n', '\t', 'a'].map(tokenLabel), ['␣', '⏎', '⇥', 'a']);
  });
});
