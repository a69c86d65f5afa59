import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { assertNever } from '../protocol/assertNever';
import { BACKEND_NAMES, type BackendChoice, type BackendName, type BackendSkip } from '../protocol/runTypes';
import {
  installedNativeVariants,
  installedVersion,
  NATIVE_DIR_ENV,
  NATIVE_PACKAGES as NATIVE_PACKAGES_BY_VARIANT,
  nativePackageDir,
} from '../protocol/nativeLayout';
import { registerCpuSegmentSum } from './segmentSum';
import { registerWasmConvGradients } from './wasmKernels';
import { threadsFallback, useWasmThreads, wasmThreadsCount } from './wasmThreads';
import { setUpWebGpu } from './webgpuBackend';

/**
 * Order of preference (BACKEND_NAMES): the first that loads wins. `auto`
 * takes webgpu only on a hardware adapter: on a software one (lavapipe) it
 * ties wasm on an MLP and is 4× slower on a CNN (docs/decisions.md
 * "webgpu: taken by `auto` only on a hardware adapter").
 */

export interface LoadedBackend {
  readonly backend: BackendName;
  /** Backends before the chosen one in the order, and why each was not used. */
  readonly skipped: readonly BackendSkip[];
  /** wasm: the threads XNNPACK was granted (wasmThreads.ts). */
  readonly threads?: number;
}

/** A backend that could not be loaded, with why; the message is shown to users. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(`backend ${backend} is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

/** Where to look for a native binding installed by `Install Native Backend…`, and how `auto` treats a software GPU. */
export interface BackendOptions {
  /** `<globalStorage>/native` (nativeBackend.ts layout); default: the MODEL_STUDIO_NATIVE_DIR environment variable. */
  readonly nativeDir?: string;
  /**
   * XNNPACK threads for wasm (1…8, wasmThreads.ts); above 1 the threaded
   * SIMD build is loaded. Default: 1, the single-threaded build.
   */
  readonly threads?: number;
}

/** Details of the loaded backend worth a log line (the adapter, the binding's folder). */
export interface BackendDetail {
  readonly detail?: string;
  /** webgpu on a software adapter (lavapipe): correct, but no faster than wasm. */
  readonly softwareGpu?: boolean;
}

/** The native bindings in node_modules, GPU build first; both are optional dependencies. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function isMissingModule(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/**
 * Requiring a binding registers the `tensorflow` backend. A binding from
 * the native folder brings its own copy of tfjs-core; tfjs-core keeps its
 * engine and kernel registry on the global object, so every copy of the
 * same version shares them and our `tf.setBackend('tensorflow')` finds the
 * backend. A different version is refused rather than mixed. A missing
 * package throws synchronously, so a try/catch is the whole
 * fallback. Returns where the binding came from, or why none loaded.
 */
function requireNativeBinding(nativeDir: string | undefined): { loaded: string } | { reason: string } {
  // libtensorflow's C++ logging ("This TensorFlow binary is optimized…") would land in the CLI's output.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  let reason: string | undefined;
  if (nativeDir !== undefined) {
    for (const variant of installedNativeVariants(nativeDir)) {
      const core = installedVersion(nativeDir, variant, '@tensorflow/tfjs-core');
      if (core !== undefined && core !== tf.version_core) {
        reason ??= `the native ${variant} backend in ${nativeDir} is for TF.js ${core}, this build uses ${tf.version_core}: install it again`;
        continue;
      }
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- installed on demand, outside node_modules
        require(nativePackageDir(nativeDir, variant));
        return { loaded: `${NATIVE_PACKAGES_BY_VARIANT[variant]} from ${path.join(nativeDir, variant)}` };
      } catch (error) {
        reason ??= `the native ${variant} backend failed to load: ${firstLine(error)}`;
      }
    }
  }
  for (const name of NATIVE_PACKAGES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency, loaded only if present
      require(name);
      return { loaded: name };
    } catch (error) {
      // The GPU build is rarely installed; only the CPU build's failure is worth reporting.
      if (name === '@tensorflow/tfjs-node') {
        reason ??= isMissingModule(error, name)
          ? `${name} is not installed (optional dependency; Model Studio: Install Native Backend… installs it)`
          : `${name} failed to load: ${firstLine(error)}`;
      }
    }
  }
  return { reason: reason ?? 'no native binding' };
}

/** Makes `name` the active backend, or returns why it cannot be. `auto` passes over a software GPU. */
async function activate(
  name: BackendName,
  options: BackendOptions,
  auto: boolean,
): Promise<{ reason: string } | (BackendDetail & { threads?: number })> {
  let detail: string | undefined;
  let threads: number | undefined;
  let softwareGpu = false;
  switch (name) {
    case 'tensorflow': {
      const native = requireNativeBinding(options.nativeDir ?? process.env[NATIVE_DIR_ENV]);
      if ('reason' in native) {
        return native;
      }
      detail = native.loaded;
      break;
    }
    case 'webgpu': {
      const gpu = await setUpWebGpu();
      if (gpu.kind === 'unavailable') {
        return { reason: gpu.reason };
      }
      const adapter = `${gpu.adapter.description}${gpu.adapter.software ? ', a software adapter' : ''}`;
      if (auto && gpu.adapter.software) {
        return { reason: `only a software adapter (${gpu.adapter.description}): fine for correctness tests, not for speed` };
      }
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency; must load after setUpWebGpu
        require('@tensorflow/tfjs-backend-webgpu');
      } catch (error) {
        return {
          reason: isMissingModule(error, '@tensorflow/tfjs-backend-webgpu')
            ? '@tensorflow/tfjs-backend-webgpu is not installed (optional dependency)'
            : `@tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(error)}`,
        };
      }
      detail = adapter;
      softwareGpu = gpu.adapter.software;
      break;
    }
    case 'wasm':
      useWasmThreads(options.threads ?? 1);
      break;
    case 'cpu':
      break;
    default:
      return assertNever(name);
  }
  if (!(await tf.setBackend(name))) {
    return { reason: `${name} backend failed to initialise` };
  }
  if (name === 'wasm') {
    registerWasmConvGradients();
    threads = wasmThreadsCount();
    const fallback = threadsFallback();
    detail = `${threads} thread${threads === 1 ? '' : 's'}${fallback === undefined ? '' : ` (${fallback})`}`;
  }
  if (name === 'cpu') {
    registerCpuSegmentSum();
  }
  return {
    ...(detail === undefined ? {} : { detail }),
    ...(softwareGpu ? { softwareGpu } : {}),
    ...(threads === undefined ? {} : { threads }),
  };
}

/**
 * Loads the backend to train on: `auto` walks BACKEND_NAMES and records why
 * each earlier one was skipped; an explicit choice that cannot load throws
 * BackendUnavailableError naming why.
 */
export async function loadBackend(choice: BackendChoice, options: BackendOptions = {}): Promise<LoadedBackend & BackendDetail> {
  // TF.js's "install tfjs-node" banner and kernel notices would land in the
  // CLI's output; the skip reasons carry that information instead.
  tf.enableProdMode();
  if (choice !== 'auto') {
    const result = await activate(choice, options, false);
    if ('reason' in result) {
      throw new BackendUnavailableError(choice, result.reason);
    }
    return { backend: choice, skipped: [], ...result };
  }
  const skipped: BackendSkip[] = [];
  for (const backend of BACKEND_NAMES) {
    const result = await activate(backend, options, true);
    if (!('reason' in result)) {
      return { backend, skipped, ...result };
    }
    skipped.push({ backend, reason: result.reason });
  }
  throw new Error('no TF.js backend could be loaded'); // unreachable: cpu always loads
}

const MISSING_KERNEL = /Kernel '(\w+)' not registered for backend '(\w+)'/;

/**
 * The kernel a model needs for training that the active backend lacks, found
 * by one forward and backward pass on a single zero example; undefined when
 * everything it needs is there. Other errors propagate: they are model errors.
 */
export function findMissingTrainingKernel(model: tf.LayersModel, featureShape: readonly number[]): string | undefined {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  if (variables.length === 0) {
    return undefined;
  }
  try {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const output = model.apply(tf.zeros([1, ...featureShape]), { training: true }) as tf.Tensor;
        return tf.mean(output) as tf.Scalar;
      }, variables);
      tf.dispose(grads);
    });
    return undefined;
  } catch (error) {
    const match = MISSING_KERNEL.exec(firstLine(error));
    if (match === null) {
      throw error;
    }
    return match[1];
  }
}
