import type { BackendChoice, BackendName } from './runTypes';

/**
 * What `evaluation.json` in a run folder holds (docs/architecture.md "The
 * run folder"): every evaluation of the run's model, oldest first. The CLI's
 * `evaluate --json` prints one entry; the evaluation panel draws one or two.
 * JSON-safe data only; webviews import this file with `import type`.
 */
export interface EvaluationFile {
  readonly evaluations: readonly Evaluation[];
}

/** Everything the trainer needs to evaluate a run's model. Paths are absolute. */
export interface EvaluateRequest {
  /** The run folder whose `model/` is evaluated. */
  readonly runDir: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
  /**
   * A CSV / JSON / JSON Lines file with the training file's columns, or an
   * IDX images file (its labels file is found by name); absent: the run's
   * own test data (`data.test`, or the `testSplit` rows of `data.train`).
   */
  readonly data?: string;
  readonly backend?: BackendChoice;
}

/** Which examples were evaluated. */
export interface EvaluationDataset {
  /**
   * `testSource`: the spec's `data.test`; `testSplit`: the spec's held-out
   * rows of `data.train` (same seed, same rows as training); `file`: another file.
   */
  readonly kind: 'testSource' | 'testSplit' | 'file';
  /** Short description for people, e.g. `data/iris.csv (testSplit 0.2: 30 rows)`. */
  readonly description: string;
  /** Absolute paths of the files read (IDX: images, then labels). */
  readonly files: readonly string[];
  /** SHA-256 (hex) of the files' bytes, in order. */
  readonly sha256: string;
  readonly count: number;
}

/** Where an example came from, so a click can open it. */
export interface ExampleSource {
  /** Absolute path: the table, the IDX images file, or the image itself (image folders). */
  readonly file: string;
  /** 1-based line of the record (CSV, JSON, JSON Lines). */
  readonly line?: number;
  /** 0-based position in the file (IDX), or of the record among the data rows (tables). */
  readonly index: number;
}

/** Pixels of an image example, for drawing the worst predictions. */
export interface ExampleImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** Row-major 0–255 values, base64. */
  readonly pixels: string;
}

/** One badly predicted example. */
export interface WorstPrediction {
  readonly source: ExampleSource;
  /** 0-based position among the evaluated examples: what `explain --rows` and the panel's Explain take (absent in older evaluations). */
  readonly example?: number;
  /** Class name (classification) or target value in the data's units (regression). */
  readonly actual: string | number;
  readonly predicted: string | number;
  /** Classification: the model's probability of the predicted class and of the true class. */
  readonly confidence?: number;
  readonly trueClassProbability?: number;
  /**
   * This example's loss: crossentropy −ln p(true class) (probabilities
   * clipped to [1e-7, 1]) for classification, squared error in the data's
   * units for regression. The table is sorted by it, highest first.
   */
  readonly loss: number;
  readonly image?: ExampleImage;
  /** Text examples (`data.train.text`): the raw text as read from the file. */
  readonly text?: string;
  /** Text examples of a model with `transformerEncoder` layers: what each head attended to. */
  readonly attention?: TextAttention;
}

/**
 * The attention a text example's tokens receive, for the evaluation panel's
 * attention view: per encoder layer and head, the attention weight each
 * token receives, averaged over the non-padding query positions.
 */
export interface TextAttention {
  /** The tokens the model read, padding left out (after truncation to `maxLength`; `<unk>` for out-of-vocabulary). */
  readonly tokens: readonly string[];
  readonly layers: readonly AttentionLayer[];
}

export interface AttentionLayer {
  /** The layer's name, e.g. `transformerEncoder_3`. */
  readonly name: string;
  /** `heads[h][t]`: the attention token `t` receives from head `h`; each row sums to 1 over the tokens. */
  readonly heads: readonly (readonly number[])[];
}

export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface AveragedScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface ClassificationResult {
  readonly kind: 'classification';
  /** Class names; the position is the class index (rows and columns of `confusion`). */
  readonly classes: readonly string[];
  readonly accuracy: number;
  /** Rows are true classes, columns predicted classes; sums to `count`. */
  readonly confusion: readonly (readonly number[])[];
  readonly perClass: readonly ClassScores[];
  readonly macro: AveragedScores;
  /** Each class weighted by its support. */
  readonly weighted: AveragedScores;
  /** Top-k accuracy for each k with 1 < k < number of classes (k = 2, 3, 5). */
  readonly topK: readonly { readonly k: number; readonly accuracy: number }[];
  /** Two classes only: curves of the score of `classes[1]` (absent when the data holds one class). */
  readonly binary?: {
    readonly positiveClass: string;
    /** x = false-positive rate, y = true-positive rate. */
    readonly roc: readonly Point[];
    readonly rocAuc: number;
    /** x = recall, y = precision. */
    readonly pr: readonly Point[];
    readonly averagePrecision: number;
  };
}

export interface RegressionResult {
  readonly kind: 'regression';
  /** In the target's own units (normalisation undone). */
  readonly mse: number;
  readonly rmse: number;
  readonly mae: number;
  readonly r2: number;
  /** Predicted vs actual, at most 2,000 examples (evenly spaced when there are more). */
  readonly scatter: readonly Point[];
  /** Residuals (predicted − actual): lower bin edges and counts. */
  readonly residuals: { readonly edges: readonly number[]; readonly counts: readonly number[] };
}

/** One evaluation of a run's model on one data set. */
export interface Evaluation {
  /** Unique within the run folder: `<yyyymmdd-hhmmss>-<4 hex>`. */
  readonly id: string;
  readonly runId: string;
  readonly runDir: string;
  readonly modelName: string;
  readonly modelFile: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly durationMs: number;
  readonly backend: BackendName;
  readonly dataset: EvaluationDataset;
  readonly count: number;
  /** `training.loss` of the run's spec, computed by TF.js as in training (regression: on normalised targets, as in run.json). */
  readonly lossName: string;
  /** Null when it is not a number (a diverged model): JSON has no NaN. */
  readonly loss: number | null;
  readonly result: ClassificationResult | RegressionResult;
  /** Highest per-example loss first; at most 20. */
  readonly worst: readonly WorstPrediction[];
}

/** Progress of an evaluation: `done` of `total` examples predicted (0 of 0 while loading). */
export interface EvaluationProgress {
  readonly phase: 'loading' | 'predicting' | 'writing';
  readonly done: number;
  readonly total: number;
}
