/**
 * One backend's probe for Select Backend…: load it, build the model file's
 * model on its real data, and time training batches. Runs in a probe process
 * (dist/probe.js, one per backend): a native binding that crashes, or a GPU
 * driver that hangs, takes only that process with it, and the extension
 * host never loads TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { BackendReport, ProbeRequest } from '../protocol/probeMessages';
import type { BackendName } from '../protocol/runTypes';
import { BackendUnavailableError, loadBackend, type BackendDetail, type LoadedBackend } from './backend';
import { disposeModel, outputUnits } from './buildModel';
import { installedNativeVariants, installedVersion, NATIVE_DIR_ENV, NATIVE_PACKAGES } from '../protocol/nativeLayout';
import { setUpRun } from './runSetup';
import { labelEncoding, splitTensors } from './trainingData';
import { userMessage } from './userMessage';

/** A full batch slower than this is timed with smaller batches: cpu needs about a minute for one CNN batch of 64. */
const SMALL_BATCH = 8;

function packageVersion(name: string): string | undefined {
  try {
    const require = createRequire(__filename);
    return (require(`${name}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The packages that make up `backend`, with their versions, where they can be found. */
export function backendVersions(backend: BackendName, detail: string | undefined): string[] {
  const versions = [`@tensorflow/tfjs-core ${tf.version_core}`];
  const add = (name: string, version: string | undefined): void => {
    if (version !== undefined) versions.push(`${name} ${version}`);
  };
  switch (backend) {
    case 'tensorflow': {
      const nativeDir = process.env[NATIVE_DIR_ENV];
      const variant = nativeDir && detail?.includes(nativeDir) ? installedNativeVariants(nativeDir)[0] : undefined;
      if (nativeDir && variant) add(NATIVE_PACKAGES[variant], installedVersion(nativeDir, variant));
      else for (const name of Object.values(NATIVE_PACKAGES)) add(name, packageVersion(name));
      break;
    }
    case 'webgpu':
      add('@tensorflow/tfjs-backend-webgpu', packageVersion('@tensorflow/tfjs-backend-webgpu'));
      add('webgpu (Dawn)', packageVersion('webgpu'));
      break;
    case 'wasm':
      add('@tensorflow/tfjs-backend-wasm', packageVersion('@tensorflow/tfjs-backend-wasm'));
      break;
    case 'cpu':
      add('@tensorflow/tfjs-backend-cpu', packageVersion('@tensorflow/tfjs-backend-cpu'));
      break;
  }
  return versions;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Not installed (an optional package, a driver) versus there but broken. */
function statusOf(reason: string): 'not installed' | 'failed' {
  return /not installed|no Vulkan loader|no WebGPU adapter/.test(reason) ? 'not installed' : 'failed';
}

/**
 * Loads `request.backend` (an explicit choice: a software GPU is measured
 * too, and flagged), prepares the model file's data and model as a run
 * would, then trains: one warm-up batch (shader compilation, wasm
 * set-up), then batches of the model's batch size until `seconds` have
 * passed. Never throws: every problem becomes a report.
 */
export async function probeBackend(request: ProbeRequest): Promise<BackendReport> {
  const started = performance.now();
  let loaded: LoadedBackend & BackendDetail;
  try {
    loaded = await loadBackend(request.backend, request.threads === undefined ? {} : { threads: request.threads });
  } catch (error) {
    const reason = error instanceof BackendUnavailableError ? error.reason : userMessage(error, request.modelFile);
    return { backend: request.backend, status: statusOf(reason), reason, versions: [] };
  }
  const base = {
    backend: request.backend,
    versions: backendVersions(request.backend, loaded.detail),
    ...(loaded.detail ? { detail: loaded.detail } : {}),
    ...(loaded.softwareGpu ? { software: true } : {}),
    ...(loaded.threads === undefined ? {} : { threads: loaded.threads }),
  };
  try {
    const setup = await setUpRun(
      {
        modelFile: request.modelFile,
        workspaceRoot: request.workspaceRoot,
        runsDir: path.dirname(request.modelFile),
        backend: request.backend,
      },
      loaded,
      () => undefined,
    );
    try {
      const encoding = labelEncoding(setup.spec, setup.data, outputUnits(setup.model));
      const data = splitTensors(setup.data.train, setup.data.featureShape, encoding);
      try {
        return {
          ...base,
          status: 'loaded',
          ...(await timeBatches(setup.model, data.x, data.y, data.count, setup.batchSize, request.seconds, started)),
        };
      } finally {
        tf.dispose([data.x, data.y]);
      }
    } finally {
      disposeModel(setup.model);
    }
  } catch (error) {
    return { ...base, status: 'failed', reason: userMessage(error, request.modelFile) };
  }
}

async function trainOne(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, start: number, size: number): Promise<number> {
  const t0 = performance.now();
  const [xb, yb] = tf.tidy(() => [x.slice(start, size), y.slice(start, size)]);
  try {
    await model.trainOnBatch(xb, yb);
  } finally {
    tf.dispose([xb, yb]);
  }
  return performance.now() - t0;
}

async function timeBatches(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  count: number,
  batchSize: number,
  seconds: number,
  started: number,
): Promise<Pick<BackendReport, 'samplesPerSecond' | 'batchSize' | 'batches' | 'warmUpMs'>> {
  // Warm-up on a small batch first: a backend that needs a minute for a full batch is measured on small ones.
  const small = Math.min(SMALL_BATCH, count, batchSize);
  const smallMs = await trainOne(model, x, y, 0, small);
  let size = Math.min(batchSize, count);
  const budgetMs = seconds * 1000;
  if ((smallMs / small) * size > budgetMs / 2) {
    size = small;
  } else if (size !== small) {
    await trainOne(model, x, y, 0, size);
  }
  const warmUpMs = performance.now() - started;
  const times: number[] = [];
  const deadline = performance.now() + budgetMs;
  let offset = 0;
  while (performance.now() < deadline || times.length < 2) {
    if (offset + size > count) offset = 0;
    times.push(await trainOne(model, x, y, offset, size));
    offset += size;
  }
  return { samplesPerSecond: (size * 1000) / median(times), batchSize: size, batches: times.length, warmUpMs: Math.round(warmUpMs) };
}
