import type { FeatureImportance } from '../../src/protocol/explainTypes';

/* What the Feature importance chart draws, without Chart.js or the DOM. */

/** The bars to draw: most important first, each with its mean and the mean ± std whisker's ends. */
export interface ImportanceBars {
  readonly labels: string[];
  readonly means: number[];
  readonly lows: number[];
  readonly highs: number[];
}

export function importanceBars(items: readonly FeatureImportance[]): ImportanceBars {
  const sorted = [...items].sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature));
  return {
    labels: sorted.map((i) => i.feature),
    means: sorted.map((i) => i.importance),
    lows: sorted.map((i) => i.importance - Math.abs(i.std)),
    highs: sorted.map((i) => i.importance + Math.abs(i.std)),
  };
}

/** The x-axis title: what a bar's length means. */
export function importanceAxisTitle(metric: string, repeats: number): string {
  const change = metric === 'mse' || /loss|error/i.test(metric) ? 'rise' : 'drop';
  return `${change} in ${metric} when the column is shuffled (mean ± std over ${repeats} repeat${repeats === 1 ? '' : 's'})`;
}
