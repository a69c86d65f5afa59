import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { assertNever } from '../protocol/assertNever';
import type { BackendChoice, BackendName, BackendSkip } from '../protocol/runTypes';
import { registerWasmConvGradients } from './wasmKernels';

/** Order of preference (ARCHITECTURE §7): the first that loads wins. */
const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface LoadedBackend {
  readonly backend: BackendName;
  /** Backends before the chosen one in the order, and why each was not used. */
  readonly skipped: readonly BackendSkip[];
}

/** A backend that could not be loaded, with why; the message is shown to users. */
export class BackendUnavailableError extends Error {
  constructor(readonly backend: BackendName, readonly reason: string) {
    super(`backend ${backend} is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

/** The native bindings, GPU build first; both are optional dependencies. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function isMissingModule(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/**
 * Requiring a binding registers the `tensorflow` backend on the one shared
 * tfjs-core. A missing package throws synchronously (BACKENDS.md), so a
 * try/catch is the whole fallback.
 */
function requireNativeBinding(): string | undefined {
  let reason: string | undefined;
  for (const name of NATIVE_PACKAGES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency, loaded only if present
      require(name);
      return undefined;
    } catch (error) {
      // The GPU build is rarely installed; only the CPU build's failure is worth reporting.
      if (name === '@tensorflow/tfjs-node') {
        reason = isMissingModule(error, name)
          ? `${name} is not installed (optional dependency)`
          : `${name} failed to load: ${firstLine(error)}`;
      }
    }
  }
  return reason;
}

/** Makes `name` the active backend, or returns why it cannot be. */
async function activate(name: BackendName): Promise<string | undefined> {
  switch (name) {
    case 'tensorflow': {
      const reason = requireNativeBinding();
      if (reason !== undefined) {
        return reason;
      }
      break;
    }
    case 'webgpu':
      // FIXME(issue 6): Dawn for Node.
      return 'webgpu backend is not available in this build';
    case 'wasm':
    case 'cpu':
      break;
    default:
      return assertNever(name);
  }
  if (!(await tf.setBackend(name))) {
    return `${name} backend failed to initialise`;
  }
  if (name === 'wasm') {
    registerWasmConvGradients();
  }
  return undefined;
}

/**
 * Loads the backend to train on: `auto` walks BACKEND_ORDER and records why
 * each earlier one was skipped; an explicit choice that cannot load throws
 * BackendUnavailableError naming why.
 */
export async function loadBackend(choice: BackendChoice): Promise<LoadedBackend> {
  // TF.js's "install tfjs-node" banner and kernel notices would land in the
  // CLI's output; the skip reasons carry that information instead.
  tf.enableProdMode();
  if (choice !== 'auto') {
    const reason = await activate(choice);
    if (reason !== undefined) {
      throw new BackendUnavailableError(choice, reason);
    }
    return { backend: choice, skipped: [] };
  }
  const skipped: BackendSkip[] = [];
  for (const backend of BACKEND_ORDER) {
    const reason = await activate(backend);
    if (reason === undefined) {
      return { backend, skipped };
    }
    skipped.push({ backend, reason });
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
