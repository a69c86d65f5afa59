import type { BackendChoice } from './runTypes';

/** Everything the trainer needs to export a run's model (Export Model…, `model-studio export`). Paths are absolute. */
export interface ExportRequest {
  readonly runDir: string;
  /** Created when missing; files of the same names are replaced. */
  readonly outDir: string;
  /** For reading the run's test data (the parity check). */
  readonly workspaceRoot: string;
  readonly backend?: BackendChoice;
  /** Store the weights quantized (`--quantize`); absent: float32. */
  readonly quantize?: Quantization;
}

/**
 * How the exported weights are stored: float16, or affine uint16 / uint8
 * (per weight, value ≈ min + scale · q), in the weights manifest's
 * `quantization` entries that tfjs's loader dequantizes.
 */
export type Quantization = 'float16' | 'uint16' | 'uint8';
export const QUANTIZATIONS: readonly Quantization[] = ['float16', 'uint16', 'uint8'];

/** The exported model against the run's float32 model on the run's test data. */
export interface ExportComparison {
  readonly examples: number;
  /** The metric compared: `accuracy` (classification) or `mse` (regression, in the target's units). */
  readonly metric: string;
  readonly float32: number;
  readonly exported: number;
  /** Largest |float32 − exported| over all model outputs. */
  readonly maxAbsDifference: number;
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
  readonly quantize?: Quantization;
  /** Bytes of the exported weight files. */
  readonly bytes: number;
  /** Bytes the same weights take as float32. */
  readonly bytesFloat32: number;
  /** Test-set metric of the exported model next to the float32 one; absent with parityNote. */
  readonly comparison?: ExportComparison;
  /** Set when the model uses Model Studio's own layers: what to import before `tf.loadLayersModel`. */
  readonly loadNote?: string;
}
