/**
 * Evaluation metrics over plain arrays (no TF.js): the trainer computes
 * predictions, these turn them into the numbers the CLI and the evaluation
 * panel show. Conventions follow scikit-learn, which ML users check against:
 * a ratio with a zero denominator is 0 (its `zero_division=0`), R² of a
 * constant target is 1 for a perfect fit and 0 otherwise.
 */

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Number of true examples of the class. */
  readonly support: number;
}

export interface AveragedMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface ClassificationReport {
  readonly accuracy: number;
  /** Rows are true classes, columns predicted classes. */
  readonly confusion: readonly (readonly number[])[];
  readonly perClass: readonly ClassMetrics[];
  readonly macro: AveragedMetrics;
  /** Averaged with each class weighted by its support. */
  readonly weighted: AveragedMetrics;
}

export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

export interface BinaryCurves {
  /** x = false-positive rate, y = true-positive rate, from (0,0) to (1,1). */
  readonly roc: readonly CurvePoint[];
  readonly rocAuc: number;
  /** x = recall, y = precision. */
  readonly pr: readonly CurvePoint[];
  /** Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ, as scikit-learn computes it. */
  readonly averagePrecision: number;
}

export interface RegressionReport {
  readonly mse: number;
  readonly rmse: number;
  readonly mae: number;
  readonly r2: number;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`expected as many predictions as labels, got ${b.length} and ${a.length}`);
  if (a.length === 0) throw new Error('cannot evaluate on an empty data set');
}

/** Confusion matrix of class indices in [0, numClasses). */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  checkSameLength(labels, predicted);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i];
    const guess = predicted[i];
    if (!(truth >= 0 && truth < numClasses && guess >= 0 && guess < numClasses)) {
      throw new Error(`class index out of range at example ${i}: label ${truth}, prediction ${guess} (${numClasses} classes)`);
    }
    matrix[truth][guess]++;
  }
  return matrix;
}

export function classificationReport(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): ClassificationReport {
  const confusion = confusionMatrix(labels, predicted, numClasses);
  let correct = 0;
  const perClass = confusion.map((row, c) => {
    const truePositives = row[c];
    correct += truePositives;
    const support = row.reduce((sum, n) => sum + n, 0);
    const predictedAsC = confusion.reduce((sum, r) => sum + r[c], 0);
    const precision = ratio(truePositives, predictedAsC);
    const recall = ratio(truePositives, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const total = labels.length;
  const average = (weight: (m: ClassMetrics) => number): AveragedMetrics => {
    const weights = perClass.map(weight);
    const sum = weights.reduce((a, b) => a + b, 0);
    const mean = (pick: (m: ClassMetrics) => number) =>
      ratio(
        perClass.reduce((acc, m, i) => acc + pick(m) * weights[i], 0),
        sum,
      );
    return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) };
  };
  return {
    accuracy: correct / total,
    confusion,
    perClass,
    macro: average(() => 1),
    weighted: average((m) => m.support),
  };
}

/** Index of the largest value in each row of a [count, numClasses] row-major array. */
export function argmaxRows(probabilities: ArrayLike<number>, numClasses: number): Int32Array {
  const count = probabilities.length / numClasses;
  const result = new Int32Array(count);
  for (let row = 0; row < count; row++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) {
      if (probabilities[row * numClasses + c] > probabilities[row * numClasses + best]) best = c;
    }
    result[row] = best;
  }
  return result;
}

/** Share of examples whose label is among the k highest-scored classes. */
export function topKAccuracy(labels: ArrayLike<number>, probabilities: ArrayLike<number>, numClasses: number, k: number): number {
  checkSameLength(labels, { length: probabilities.length / numClasses });
  let hits = 0;
  for (let row = 0; row < labels.length; row++) {
    const labelScore = probabilities[row * numClasses + labels[row]];
    // Rank = classes scored strictly higher; ties count in the label's favour.
    let higher = 0;
    for (let c = 0; c < numClasses; c++) if (probabilities[row * numClasses + c] > labelScore) higher++;
    if (higher < k) hits++;
  }
  return hits / labels.length;
}

/**
 * ROC and precision-recall curves of a binary classifier. `labels` are 0/1,
 * `scores` the predicted probability of class 1. Examples with equal scores
 * move together (one point per distinct threshold). Undefined when the
 * labels hold a single class: returns undefined then.
 */
export function binaryCurves(labels: ArrayLike<number>, scores: ArrayLike<number>): BinaryCurves | undefined {
  checkSameLength(labels, scores);
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const positives = order.reduce((n, i) => n + (labels[i] === 1 ? 1 : 0), 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return undefined;

  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [];
  let truePositives = 0;
  let falsePositives = 0;
  let rocAuc = 0;
  let averagePrecision = 0;
  let previousRecall = 0;
  for (let n = 0; n < order.length; n++) {
    if (labels[order[n]] === 1) truePositives++;
    else falsePositives++;
    const atThresholdEnd = n === order.length - 1 || scores[order[n + 1]] !== scores[order[n]];
    if (!atThresholdEnd) continue;
    const point = { x: falsePositives / negatives, y: truePositives / positives };
    const last = roc[roc.length - 1];
    rocAuc += ((point.x - last.x) * (point.y + last.y)) / 2;
    roc.push(point);
    const recall = truePositives / positives;
    const precision = truePositives / (truePositives + falsePositives);
    averagePrecision += (recall - previousRecall) * precision;
    previousRecall = recall;
    pr.push({ x: recall, y: precision });
  }
  return { roc, rocAuc, pr, averagePrecision };
}

export function regressionReport(targets: ArrayLike<number>, predicted: ArrayLike<number>): RegressionReport {
  checkSameLength(targets, predicted);
  const count = targets.length;
  let mean = 0;
  for (let i = 0; i < count; i++) mean += targets[i];
  mean /= count;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const error = predicted[i] - targets[i];
    squared += error * error;
    absolute += Math.abs(error);
    total += (targets[i] - mean) ** 2;
  }
  const mse = squared / count;
  const r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total;
  return { mse, rmse: Math.sqrt(mse), mae: absolute / count, r2 };
}

export interface Histogram {
  /** Lower edge of each bin; the last bin includes its upper edge. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** Equal-width histogram of the values (all in one bin when they are equal). */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  if (values.length === 0) return { edges: [], counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const width = (max - min) / bins;
  if (width === 0) return { edges: [min], counts: [values.length] };
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  return { edges: counts.map((_, b) => min + b * width), counts };
}
