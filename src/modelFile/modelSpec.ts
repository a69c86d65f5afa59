/**
 * The model file (`*.model.json` / `*.model.yaml`) as typed data, after
 * parsing and validation. Its keys are a fixed interface (tests and other
 * tools rely on them): extend, never rename.
 */
import type { DataSource } from '../data/dataSource';

export type { DataSource, IdxSource, ImageFolderSource, TableSource } from '../data/dataSource';
export { isIdxSource, isImageFolderSource } from '../data/dataSource';

export type Task = 'classification' | 'regression';
export type Normalize = 'none' | 'scale' | 'minmax' | 'standard';

export interface Normalization {
  readonly normalize?: Normalize;
  /** Divisor for `normalize: "scale"`. */
  readonly scale?: number;
}

export interface FeatureSpec extends Normalization {
  /** Shape of one example, e.g. [28, 28, 1] for a CNN. */
  readonly shape?: readonly number[];
}

export interface DataSpec {
  readonly train: DataSource;
  readonly test?: DataSource;
  /** Fraction held out as the test set when `test` is absent. */
  readonly testSplit?: number;
  readonly validationSplit?: number;
  readonly features?: FeatureSpec;
  /** Regression only: normalisation of the target column. */
  readonly target?: Normalization;
}

/** A `tf.layers` factory name plus the config passed to it unchanged. */
export interface LayerSpec {
  readonly type: string;
  readonly [config: string]: unknown;
}

export interface EarlyStoppingSpec {
  readonly monitor?: string;
  readonly patience?: number;
  readonly minDelta?: number;
  readonly restoreBestWeights?: boolean;
}

export interface TrainingSpec {
  readonly optimizer: string;
  readonly learningRate?: number;
  readonly loss: string;
  readonly metrics?: readonly string[];
  readonly batchSize?: number;
  readonly epochs: number;
  readonly seed?: number;
  readonly earlyStopping?: EarlyStoppingSpec;
}

/** The network: `layers`, appended to the layers of an existing TF.js model when `from` names one. */
export interface ModelArchitecture {
  readonly layers: readonly LayerSpec[];
  /** A TF.js layers model (`model.json` + weights) to start from, relative to the model file (fine-tuning). */
  readonly from?: string;
  /** Which layers of `from` train: all (true, the default), none (false), or those named. */
  readonly trainable?: boolean | readonly string[];
}

export interface ModelSpec {
  readonly name: string;
  readonly task: Task;
  readonly data: DataSpec;
  readonly model: ModelArchitecture;
  readonly training: TrainingSpec;
}
