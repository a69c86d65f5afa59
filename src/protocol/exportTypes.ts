import type { BackendChoice } from './runTypes';

/** Everything the trainer needs to export a run's model (Export Model…, `model-studio export`). Paths are absolute. */
export interface ExportRequest {
  readonly runDir: string;
  /** Created when missing; files of the same names are replaced. */
  readonly outDir: string;
  /** For reading the run's test data (the parity check). */
  readonly workspaceRoot: string;
  readonly backend?: BackendChoice;
}

export interface ExportResult {
  readonly runId: string;
  readonly outDir: string;
  /** Absolute paths written: model.json, the weight shards, keras-topology.json (+ model-studio-layers.js and README.md, see loadNote). */
  readonly files: readonly string[];
  /** Predictions of the reloaded export against the run's own model on its test data. */
  readonly parity?: { readonly examples: number; readonly maxAbsDifference: number };
  /** Why there is no parity figure (e.g. no test data in the run's spec). */
  readonly parityNote?: string;
  /** Set when the model uses Model Studio's own layers: what to import before `tf.loadLayersModel`. */
  readonly loadNote?: string;
}
