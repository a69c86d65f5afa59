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
  /** How the `text` column of a table source becomes token ids; required with `data.train.text`. */
  readonly text?: TextSpec;
  /** Images only: random changes to each training batch (never validation or test), seeded from `training.seed`. */
  readonly augment?: AugmentSpec;
}

/**
 * Image augmentation, applied per training batch. Each entry is off when
 * absent or 0 / false; magnitudes are the largest change, drawn uniformly.
 */
export interface AugmentSpec {
  readonly flipHorizontal?: boolean;
  readonly flipVertical?: boolean;
  /** Degrees: rotation uniform in [−rotate, rotate]. */
  readonly rotate?: number;
  /** Fraction of width / height: translation uniform in [−shift, shift]. */
  readonly shift?: number;
  /** Fraction: scale uniform in [1 − zoom, 1 + zoom]. */
  readonly zoom?: number;
  /** Fraction of the pixel range added, uniform in [−brightness, brightness]. */
  readonly brightness?: number;
  /** Fraction: contrast factor uniform in [1 − contrast, 1 + contrast] around each image's mean. */
  readonly contrast?: number;
  /** Standard deviation of Gaussian noise, as a fraction of the pixel range. */
  readonly noise?: number;
}

/**
 * Tokenizing text data. Ids: 0 is padding, 1 out-of-vocabulary, then the
 * training split's most frequent tokens; `vocabSize` counts all of them.
 * Each text becomes `maxLength` ids (truncated, or padded at the end).
 */
export interface TextSpec {
  readonly tokenizer?: 'word' | 'char';
  readonly vocabSize?: number;
  readonly maxLength?: number;
  readonly lowercase?: boolean;
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

/** How the learning rate changes from epoch to epoch; `learningRate` (or the optimizer's default) is where it starts. */
export type LearningRateSchedule =
  /** Linear warm-up over `warmupEpochs`, then half a cosine down to `minLearningRate` at the last epoch. */
  | { readonly type: 'cosine'; readonly warmupEpochs?: number; readonly minLearningRate?: number }
  /** Multiplied by `factor` every `every` epochs. */
  | { readonly type: 'step'; readonly every: number; readonly factor: number }
  /** Multiplied by `factor` every epoch. */
  | { readonly type: 'exponential'; readonly factor: number }
  /** Multiplied by `factor` when `monitor` has not improved for `patience` epochs, down to `minLearningRate`. */
  | {
      readonly type: 'plateau';
      readonly monitor?: string;
      readonly factor?: number;
      readonly patience?: number;
      readonly minLearningRate?: number;
    };

/** k-fold cross-validation: k runs, each validated on one fold (stratified for classification). */
export interface CrossValidationSpec {
  readonly folds: number;
}

export interface TrainingSpec {
  readonly optimizer: string;
  readonly learningRate?: number;
  readonly learningRateSchedule?: LearningRateSchedule;
  readonly crossValidation?: CrossValidationSpec;
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

/**
 * One searched parameter of a sweep, keyed by its path in the model file
 * (`training.learningRate`, `model.layers[0].units`): a list of `values`,
 * or a range from `min` to `max` (uniform, or log-uniform with `scale: "log"`;
 * whole numbers with `type: "int"`).
 */
export type SearchParameter =
  | { readonly values: readonly (number | string | boolean)[] }
  | { readonly min: number; readonly max: number; readonly scale?: 'linear' | 'log'; readonly type?: 'float' | 'int' };

/** When a sweep stops trials that are doing worse than the others. */
export type PruneSpec =
  /** Optuna's median pruner: after `afterEpochs`, stop a trial whose best metric so far is worse than the median of the other trials at that epoch. */
  | { readonly type: 'median'; readonly afterEpochs?: number }
  /** Asynchronous successive halving (Ray Tune's ASHA): at rungs minEpochs·reduction^k, keep the top 1/reduction. */
  | { readonly type: 'asha'; readonly minEpochs?: number; readonly reduction?: number };

/** A hyperparameter sweep over this model file (`Run Sweep`, `model-studio sweep`). */
export interface SearchSpec {
  readonly method?: 'grid' | 'random';
  /** The epoch metric compared, e.g. `val_accuracy` (default `val_loss`, or `loss` without validation). */
  readonly metric?: string;
  readonly goal?: 'minimize' | 'maximize';
  readonly trials?: number;
  /** Trainer processes at once (default: the cores, within the memory budget). */
  readonly parallel?: number;
  readonly parameters: Readonly<Record<string, SearchParameter>>;
  readonly prune?: PruneSpec;
}

export interface ModelSpec {
  readonly name: string;
  readonly task: Task;
  readonly data: DataSpec;
  readonly model: ModelArchitecture;
  readonly training: TrainingSpec;
  readonly search?: SearchSpec;
}
