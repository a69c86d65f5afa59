import * as assert from 'node:assert/strict';
import { ashaDecision, bestSoFar, isRung, medianDecision, pruneDecision, type TrialCurve } from '../../src/sweep/pruning';

/** Made-up validation losses per epoch (minimize) and accuracies (maximize). */
const losses: TrialCurve[] = [
  { index: 0, values: [1.0, 0.8, 0.6, 0.5, 0.4] },
  { index: 1, values: [1.0, 0.7, 0.5, 0.45, 0.4] },
  { index: 2, values: [1.1, 0.9, 0.7, 0.6] },
];

describe('sweep pruning', () => {
  it('best so far follows the goal and skips NaN epochs', () => {
    assert.equal(bestSoFar([1, 0.5, 0.7], 3, 'minimize'), 0.5);
    assert.equal(bestSoFar([0.2, 0.5, 0.4], 3, 'maximize'), 0.5);
    assert.equal(bestSoFar([NaN, 0.5], 2, 'minimize'), 0.5);
    assert.equal(bestSoFar([1, 0.5], 3, 'minimize'), undefined, 'not reached yet');
  });

  describe('median', () => {
    const bad: TrialCurve = { index: 3, values: [1.2, 1.1, 1.0] };
    const good: TrialCurve = { index: 4, values: [0.9, 0.6, 0.45] };

    it('prunes a trial whose best so far is worse than the median of the others at that epoch', () => {
      const decision = medianDecision(bad, losses, 3, 'minimize', 3);
      assert.equal(decision.prune, true);
      // Others' best by epoch 3: 0.6, 0.5, 0.7 → median 0.6.
      assert.match(decision.prune ? decision.reason : '', /best 1 by epoch 3 is worse than the median 0\.6 of 3 other trials/);
    });

    it('keeps a trial at or better than the median', () => {
      assert.equal(medianDecision(good, losses, 3, 'minimize', 3).prune, false);
      assert.equal(medianDecision({ index: 5, values: [1, 1, 0.6] }, losses, 3, 'minimize', 3).prune, false, 'equal to the median');
    });

    it('waits for afterEpochs', () => {
      assert.equal(medianDecision(bad, losses, 2, 'minimize', 3).prune, false);
      assert.equal(medianDecision(bad, losses, 2, 'minimize', 2).prune, true);
    });

    it('needs two other trials at the epoch', () => {
      assert.equal(medianDecision(bad, losses.slice(0, 1), 3, 'minimize', 1).prune, false);
      // Trial 2 has not reached epoch 5: only trials 0 and 1 count there.
      const late: TrialCurve = { index: 6, values: [2, 2, 2, 2, 2] };
      assert.equal(medianDecision(late, [losses[0], losses[2]], 5, 'minimize', 1).prune, false);
      assert.equal(medianDecision(late, losses, 5, 'minimize', 1).prune, true);
    });

    it('ignores the trial itself among the others', () => {
      assert.equal(medianDecision(bad, [bad, losses[0]], 3, 'minimize', 1).prune, false);
    });

    it('maximize: lower is worse', () => {
      const accuracies: TrialCurve[] = [
        { index: 0, values: [0.5, 0.7, 0.8] },
        { index: 1, values: [0.6, 0.75, 0.85] },
      ];
      assert.equal(medianDecision({ index: 2, values: [0.4, 0.5, 0.6] }, accuracies, 3, 'maximize', 1).prune, true);
      assert.equal(medianDecision({ index: 2, values: [0.9, 0.9, 0.9] }, accuracies, 3, 'maximize', 1).prune, false);
    });

    it('uses the best so far, not the last value: a trial that was good and got worse is judged by its best', () => {
      const dipped: TrialCurve = { index: 7, values: [0.5, 0.9, 0.95] };
      assert.equal(medianDecision(dipped, losses, 3, 'minimize', 1).prune, false);
    });
  });

  describe('ASHA', () => {
    it('rungs at minEpochs·reduction^k', () => {
      assert.deepEqual(
        Array.from({ length: 30 }, (_, i) => i + 1).filter((e) => isRung(e, 1, 3)),
        [1, 3, 9, 27],
      );
      assert.deepEqual(
        Array.from({ length: 20 }, (_, i) => i + 1).filter((e) => isRung(e, 2, 2)),
        [2, 4, 8, 16],
      );
    });

    it('decides only at a rung', () => {
      const worst: TrialCurve = { index: 9, values: [5, 5] };
      assert.equal(ashaDecision(worst, losses, 2, 'minimize', 1, 3).prune, false);
      assert.equal(ashaDecision(worst, losses, 1, 'minimize', 1, 3).prune, true);
    });

    it('the first trial at a rung goes on; later ones only in the top 1/reduction of those that reached it', () => {
      const first: TrialCurve = { index: 0, values: [0.9] };
      assert.equal(ashaDecision(first, [], 1, 'minimize', 1, 2).prune, false);
      // Two at the rung, reduction 2: the cut-off is halfway; the worse one stops.
      assert.equal(ashaDecision({ index: 1, values: [1.0] }, [first], 1, 'minimize', 1, 2).prune, true);
      assert.equal(ashaDecision({ index: 1, values: [0.8] }, [first], 1, 'minimize', 1, 2).prune, false);
    });

    it('keeps the top third of nine trials at rung 3 (reduction 3, maximize)', () => {
      const curves: TrialCurve[] = Array.from({ length: 9 }, (_, i) => ({ index: i, values: [0.1, 0.2, i / 10] }));
      const kept = curves.filter((c) => !ashaDecision(c, curves, 3, 'maximize', 1, 3).prune).map((c) => c.index);
      assert.deepEqual(kept, [6, 7, 8]);
      const decision = ashaDecision(curves[0], curves, 3, 'maximize', 1, 3);
      assert.match(decision.prune ? decision.reason : '', /outside the top 1\/3 of 9 trials/);
    });
  });

  it('pruneDecision: no prune block, never; otherwise the named pruner with its defaults', () => {
    const bad: TrialCurve = { index: 3, values: [1.2, 1.1, 1.0] };
    assert.equal(pruneDecision(undefined, bad, losses, 3, 'minimize').prune, false);
    assert.equal(pruneDecision({ type: 'median' }, bad, losses, 2, 'minimize').prune, false, 'afterEpochs defaults to 3');
    assert.equal(pruneDecision({ type: 'median' }, bad, losses, 3, 'minimize').prune, true);
    assert.equal(pruneDecision({ type: 'asha' }, bad, losses, 3, 'minimize').prune, true, 'rung 3 with minEpochs 1, reduction 3');
    assert.equal(pruneDecision({ type: 'asha' }, bad, losses, 2, 'minimize').prune, false);
  });
});
