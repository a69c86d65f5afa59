import { seededPermutation } from './random';
import { quote } from './showText';

/**
 * k-fold cross-validation: which fold each example validates in.
 * Classification is stratified: every class is dealt round-robin over the
 * folds, so each fold holds a share of each class. Regression deals the
 * examples in a seeded order. Pure: the same inputs give the same folds on
 * every machine.
 */

export interface FoldRequest {
  /** Number of examples to assign (those left after the test split). */
  readonly count: number;
  readonly folds: number;
  readonly seed: number;
  /** Classification: each example's class index; stratifies the folds. */
  readonly classes?: ArrayLike<number>;
  /** Class names by index, for messages. */
  readonly classNames?: readonly string[];
}

/** Why `request` cannot be split into its folds (each fold needs an example of each class), or undefined. */
export function whyNoFolds(request: FoldRequest): string | undefined {
  const { count, folds, classes, classNames } = request;
  if (count < folds) {
    return `${folds} folds need at least ${folds} examples, but ${count} are left after the test split; lower the number of folds`;
  }
  if (classes === undefined) return undefined;
  const counts = classCounts(classes);
  for (const [index, n] of counts) {
    if (n < folds) {
      const name = classNames?.[index] ?? String(index);
      return (
        `class ${quote(name)} has ${n} example${n === 1 ? '' : 's'} after the test split, fewer than the ${folds} folds ` +
        `(stratified folds need one of each class in every fold); lower the number of folds or add examples of that class`
      );
    }
  }
  return undefined;
}

/**
 * The fold (0-based) of each of `count` examples. Classification: the
 * examples are grouped by class (in a seeded order within each class) and
 * dealt to folds 0, 1, …, k-1, 0, … with the deal running on from one class
 * to the next, so each fold's count of each class differs from another
 * fold's by at most one and fold sizes differ by at most one. Throws what
 * {@link whyNoFolds} says.
 */
export function assignFolds(request: FoldRequest): Uint8Array {
  const problem = whyNoFolds(request);
  if (problem !== undefined) throw new Error(problem);
  const { count, folds, seed, classes } = request;
  const order = seededPermutation(count, seed ^ 0x2c1b3c6d);
  const fold = new Uint8Array(count);
  if (classes === undefined) {
    for (let p = 0; p < count; p++) fold[order[p]] = p % folds;
    return fold;
  }
  // Stable: within a class, rows stay in the seeded order.
  const grouped = Array.from(order).sort((a, b) => classes[a] - classes[b]);
  for (let p = 0; p < count; p++) fold[grouped[p]] = p % folds;
  return fold;
}

function classCounts(classes: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < classes.length; i++) counts.set(classes[i], (counts.get(classes[i]) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => a - b));
}
