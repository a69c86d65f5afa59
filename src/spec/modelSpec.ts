/**
 * The model file (`*.model.json` / `*.model.yaml`) as typed data, after
 * parsing and validation. Keys are fixed by ARCHITECTURE §4: extend, never
 * rename.
 */

export type Task = 'classification' | 'regression';
export type Normalize = 'none' | 'scale' | 'minmax' | 'standard';

/** A tabular file: CSV with a header row, JSON array of records, or JSON Lines. */
export interface TableSource {
  readonly path: string;
  readonly label: string;
  /** Overrides the format guessed from the file extension. */
  readonly format?: 'csv' | 'json' | 'jsonl';
}

/** MNIST-style IDX files, gzipped or not. */
export interface IdxSource {
  readonly images: string;
  readonly labels: string;
}

/** One sub-folder per class of PNG / JPEG images. */
export interface ImageFolderSource {
  readonly path: string;
  readonly format: 'images';
}

export type DataSource = TableSource | IdxSource | ImageFolderSource;

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

export function isIdxSource(source: DataSource): source is IdxSource {
  return 'images' in source;
}

export function isImageFolderSource(source: DataSource): source is ImageFolderSource {
  return 'format' in source && source.format === 'images';
}
