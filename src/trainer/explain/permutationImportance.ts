import { mulberry32, shuffleInPlace } from '../../data/random';
import type { ExplainResult, FeatureImportance } from '../../protocol/explainTypes';
import { headlineMetric, headlineMetricName } from '../modelOutputs';
import type { RunArtifacts } from '../runArtifacts';

/** Shuffles per column: enough for a stable mean and a std that says how much it varies. */
export const IMPORTANCE_REPEATS = 5;

export interface ImportanceInput {
  /** [count, features] row-major, normalised as in training. */
  readonly x: Float32Array;
  readonly count: number;
  /** Class indices or targets in the data's units. */
  readonly y: Float32Array;
  readonly featureNames: readonly string[];
  /** Output units of the model. */
  readonly units: number;
  /** The model's outputs [count, units] for examples laid out as `x`. */
  predict(x: Float32Array): Promise<Float32Array>;
}

/**
 * Permutation importance (Breiman 2001): how much the test metric gets worse
 * when one feature column is shuffled, breaking its link to the target while
 * keeping its distribution. Accuracy for classification (its drop), mean
 * squared error in the target's units for regression (its rise); mean and
 * std over `repeats` shuffles drawn from `seed`. Most important first.
 */
export async function permutationImportance(
  input: ImportanceInput,
  artifacts: RunArtifacts,
  seed: number,
  repeats = IMPORTANCE_REPEATS,
): Promise<{ features: FeatureImportance[]; summary: NonNullable<ExplainResult['importance']> }> {
  const { x, count, y, featureNames, units } = input;
  const width = featureNames.length;
  const metricName = headlineMetricName(artifacts);
  const metric = (outputs: Float32Array): number => headlineMetric(outputs, units, artifacts, y);
  const baseline = metric(await input.predict(x));
  const random = mulberry32(seed);
  const shuffled = new Float32Array(x.length);
  const column = new Float32Array(count);
  const features: FeatureImportance[] = [];
  for (let j = 0; j < width; j++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      shuffled.set(x);
      for (let i = 0; i < count; i++) column[i] = x[i * width + j];
      shuffleInPlace(column, random);
      for (let i = 0; i < count; i++) shuffled[i * width + j] = column[i];
      const value = metric(await input.predict(shuffled));
      drops.push(metricName === 'accuracy' ? baseline - value : value - baseline);
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / repeats);
    features.push({ feature: featureNames[j], importance: mean, std });
  }
  features.sort((a, b) => b.importance - a.importance);
  return { features, summary: { metric: metricName, baseline, repeats } };
}
