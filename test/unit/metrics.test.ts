import { strict as assert } from 'node:assert';
import {
  argmaxRows,
  binaryCurves,
  classificationReport,
  confusionMatrix,
  histogram,
  regressionReport,
  topKAccuracy,
} from '../../src/trainer/metrics';

// Expected values are worked out by hand in the comments and agree with
// scikit-learn's classification_report, roc_auc_score and
// average_precision_score on the same inputs.
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe('metrics', () => {
  describe('classification', () => {
    // Class 2 is never predicted: its precision is 0/0, reported as 0.
    const labels = [0, 0, 1, 1, 2, 2];
    const predicted = [0, 1, 1, 1, 0, 0];

    it('counts the confusion matrix with true classes as rows', () => {
      assert.deepEqual(confusionMatrix(labels, predicted, 3), [
        [1, 1, 0],
        [0, 2, 0],
        [2, 0, 0],
      ]);
    });

    it('computes per-class precision, recall, F1 and support', () => {
      const report = classificationReport(labels, predicted, 3);
      close(report.accuracy, 0.5);
      // class 0: tp 1, predicted 3 times, 2 true → P 1/3, R 1/2, F1 0.4
      close(report.perClass[0].precision, 1 / 3);
      close(report.perClass[0].recall, 0.5);
      close(report.perClass[0].f1, 0.4);
      // class 1: tp 2, predicted 3 times, 2 true → P 2/3, R 1, F1 0.8
      close(report.perClass[1].precision, 2 / 3);
      close(report.perClass[1].recall, 1);
      close(report.perClass[1].f1, 0.8);
      assert.deepEqual(report.perClass[2], { precision: 0, recall: 0, f1: 0, support: 2 });
      close(report.macro.precision, 1 / 3);
      close(report.macro.recall, 0.5);
      close(report.macro.f1, 0.4);
    });

    it('weights the weighted average by support', () => {
      // class 0 (support 3): P 1, R 2/3, F1 0.8; class 1 (support 1): P 1/2, R 1, F1 2/3
      const report = classificationReport([0, 0, 0, 1], [0, 0, 1, 1], 2);
      close(report.weighted.precision, (3 * 1 + 0.5) / 4);
      close(report.weighted.recall, (3 * (2 / 3) + 1) / 4);
      close(report.weighted.f1, (3 * 0.8 + 2 / 3) / 4);
      close(report.macro.precision, 0.75);
    });

    it('handles a single class', () => {
      const report = classificationReport([0, 0, 0], [0, 0, 0], 1);
      assert.equal(report.accuracy, 1);
      assert.deepEqual(report.perClass, [{ precision: 1, recall: 1, f1: 1, support: 3 }]);
    });

    it('rejects class indices out of range and mismatched lengths', () => {
      assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /out of range at example 1/);
      assert.throws(() => confusionMatrix([0, 1], [0], 2), /as many predictions as labels/);
    });

    it('takes the arg-max of each row and the top-k accuracy', () => {
      const probabilities = [0.5, 0.3, 0.2, 0.2, 0.3, 0.5, 0.1, 0.8, 0.1];
      assert.deepEqual(Array.from(argmaxRows(probabilities, 3)), [0, 2, 1]);
      const labels3 = [1, 0, 1];
      close(topKAccuracy(labels3, probabilities, 3, 1), 1 / 3);
      close(topKAccuracy(labels3, probabilities, 3, 2), 2 / 3);
      close(topKAccuracy(labels3, probabilities, 3, 3), 1);
    });
  });

  describe('binary curves', () => {
    it('matches the known ROC AUC and average precision', () => {
      const curves = binaryCurves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
      assert.ok(curves);
      close(curves.rocAuc, 0.75);
      close(curves.averagePrecision, 0.5 + 0.5 * (2 / 3));
      assert.deepEqual(curves.roc, [
        { x: 0, y: 0 },
        { x: 0, y: 0.5 },
        { x: 0.5, y: 0.5 },
        { x: 0.5, y: 1 },
        { x: 1, y: 1 },
      ]);
    });

    it('moves tied scores together and gives 0.5 for an uninformative scorer', () => {
      const curves = binaryCurves([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]);
      assert.ok(curves);
      assert.deepEqual(curves.roc, [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ]);
      close(curves.rocAuc, 0.5);
    });

    it('is undefined when only one class is present', () => {
      assert.equal(binaryCurves([1, 1], [0.2, 0.9]), undefined);
    });
  });

  describe('regression', () => {
    it('computes MSE, RMSE, MAE and R²', () => {
      const report = regressionReport([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);
      close(report.mse, 0.375);
      close(report.rmse, Math.sqrt(0.375));
      close(report.mae, 0.5);
      // SS_tot = 29.1875, SS_res = 1.5
      close(report.r2, 1 - 1.5 / 29.1875);
    });

    it('gives R² 1 for a perfect fit of a constant target and 0 otherwise', () => {
      assert.equal(regressionReport([2, 2], [2, 2]).r2, 1);
      assert.equal(regressionReport([2, 2], [2, 3]).r2, 0);
    });

    it('bins values into an equal-width histogram', () => {
      assert.deepEqual(histogram([0, 1, 2, 3, 4], 2), { edges: [0, 2], counts: [2, 3] });
      assert.deepEqual(histogram([1, 1], 5), { edges: [1], counts: [2] });
    });
  });
});
