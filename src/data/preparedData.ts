import type { Normalize } from '../modelFile/modelSpec';
import type { VocabularyFile } from './vocabulary';

/** Examples of one split, row-major. */
export interface Split {
  /** [count, ...featureShape] flattened. */
  readonly x: Float32Array;
  /** [count] class indices (classification) or target values (regression). */
  readonly y: Float32Array;
  readonly count: number;
}

/**
 * Per-feature statistics from the training split only, saved with the run so
 * evaluation and prediction transform inputs exactly as training did.
 */
export interface NormalizationStats {
  readonly method: Normalize;
  /** Subtracted from each feature (length 1 when shared by all features). */
  readonly offset: readonly number[];
  /** Each feature is divided by this after the offset (never 0). */
  readonly divisor: readonly number[];
}

export interface PreparedData {
  /** Shape of one example, e.g. [784] or [28, 28, 1]. */
  readonly featureShape: readonly number[];
  readonly train: Split;
  readonly validation?: Split;
  readonly test?: Split;
  /** Classification: class names, the index is the label id. */
  readonly classes?: readonly string[];
  readonly features: NormalizationStats;
  /** Regression target normalisation (identity for classification). */
  readonly target: NormalizationStats;
  /** Table sources: the feature columns in order, so prediction can read new files the same way. */
  readonly featureNames?: readonly string[];
  /** Text data: the vocabulary the ids come from (built from the training split), saved with the run as vocabulary.json. */
  readonly vocabulary?: VocabularyFile;
}
