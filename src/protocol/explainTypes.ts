import type { ExampleImage, ExampleSource } from './evaluationTypes';
import type { BackendChoice } from './runTypes';

/**
 * Explanations of a run's model (`model-studio explain`, the evaluation
 * panel's Explain and Feature importance), computed in a trainer process.
 * JSON-safe data only; webviews import this file with `import type`.
 */
export type ExplainMethod = 'saliency' | 'gradcam' | 'importance';
export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['saliency', 'gradcam', 'importance'];

/** Everything the trainer needs to explain a run's model. Paths are absolute. */
export interface ExplainRequest {
  readonly runDir: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
  /** Absent: `saliency` for image models, `importance` for tables. */
  readonly method?: ExplainMethod;
  /**
   * Images: which examples, as 0-based positions among the evaluated examples
   * (WorstPrediction.example); absent: the worst predictions. Ignored by `importance`.
   */
  readonly rows?: readonly number[];
  /** Another data file, as EvaluateRequest.data; absent: the run's own test data. */
  readonly data?: string;
  /** Images: also return each convolution layer's activations for the (first) example. */
  readonly featureMaps?: boolean;
  readonly backend?: BackendChoice;
}

/** One image example explained by saliency or Grad-CAM. */
export interface ImageExplanation {
  /** 0-based position among the evaluated examples. */
  readonly row: number;
  readonly source: ExampleSource;
  /** Class names (classification) or values in the target's units (regression). */
  readonly predicted: string | number;
  readonly actual: string | number;
  /** height × width of the input image, normalized to [0, 1] (max 1 unless all zero). */
  readonly heatmap: readonly (readonly number[])[];
  readonly image: ExampleImage;
}

/** The activations of one convolution layer for one example, as a grid of maps. */
export interface FeatureMapLayer {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** One map per channel (at most 64): row-major 0–255 values, each map scaled to its own min–max, base64. */
  readonly maps: readonly string[];
  /** Channels the layer has (maps may show fewer). */
  readonly channels: number;
}

/** Permutation importance of one feature column: how much the test metric drops when the column is shuffled. */
export interface FeatureImportance {
  /** The column name as in the data file. */
  readonly feature: string;
  /** Mean drop over the repeats (higher: the model relies on it more); for `mse`, the rise. */
  readonly importance: number;
  readonly std: number;
}

export interface ExplainResult {
  readonly runId: string;
  readonly method: ExplainMethod;
  /** Short description of the data, e.g. `data/iris.csv (testSplit 0.2: 30 rows)`. */
  readonly dataset: string;
  /** saliency / gradcam: one per row; importance: one per feature column, most important first. */
  readonly explanations: readonly (ImageExplanation | FeatureImportance)[];
  /** gradcam: the convolution layer whose activations were weighed. */
  readonly layer?: string;
  /** featureMaps requested: the example's activations, first convolution layer first. */
  readonly featureMaps?: { readonly row: number; readonly layers: readonly FeatureMapLayer[] };
  /** importance: the metric, its value on the unshuffled data, and the repeats per column. */
  readonly importance?: { readonly metric: string; readonly baseline: number; readonly repeats: number };
}
