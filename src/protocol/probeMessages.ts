import type { BackendName } from './runTypes';

/**
 * Backend probes (`Model Studio: Select Backend…`, `model-studio backends`):
 * one probe process (dist/probe.js) per backend loads it and trains a few
 * batches of the model. JSON-safe data only.
 */

/** How one backend fared on this machine for one model. */
export interface BackendReport {
  readonly backend: BackendName;
  /** `loaded`: it trained; `not installed`: an optional package or driver is missing; `failed`: it is there but did not load or train. */
  readonly status: 'loaded' | 'not installed' | 'failed';
  /** Why it is not loaded, for a person. */
  readonly reason?: string;
  /** Package versions, e.g. "@tensorflow/tfjs-backend-wasm 4.22.0". */
  readonly versions: readonly string[];
  /** The adapter, the binding's folder, "SIMD": what is worth showing beside the name. */
  readonly detail?: string;
  /** A software GPU (lavapipe): fine for correctness, never picked for speed. */
  readonly software?: boolean;
  /** Median samples/s over the timed batches (after one warm-up batch). */
  readonly samplesPerSecond?: number;
  readonly batchSize?: number;
  readonly batches?: number;
  /** Time to load the backend and the first (warm-up) batch, ms. */
  readonly warmUpMs?: number;
  /** The threads the wasm backend was granted and timed with. */
  readonly threads?: number;
}

/** What to probe. Paths are absolute. */
export interface ProbeRequest {
  readonly backend: BackendName;
  readonly modelFile: string;
  readonly workspaceRoot: string;
  /** How long to time batches for (after the warm-up batch). */
  readonly seconds: number;
  /** Threads for wasm (protocol/threads.ts); absent: 1. */
  readonly threads?: number;
}

/** Host → probe process. */
export type HostToProbe = { readonly type: 'probe'; readonly request: ProbeRequest };

/** Probe process → host: one report, then it exits. */
export type ProbeToHost = { readonly type: 'report'; readonly report: BackendReport };
