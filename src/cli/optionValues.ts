import { QUANTIZATIONS, type Quantization } from '../protocol/exportTypes';
import { BACKEND_CHOICES, type BackendChoice } from '../protocol/runTypes';
import { MAX_THREADS } from '../protocol/threads';
import { UsageError } from './usageError';

// Option values shared by several commands, checked.

/** `--backend`, checked. */
export function backendOption(value: string | undefined): BackendChoice | undefined {
  const backend = value as BackendChoice | undefined;
  if (backend !== undefined && !BACKEND_CHOICES.includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${value}"`);
  }
  return backend;
}

/** `--threads`: 1…MAX_THREADS. */
export function threadsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
    throw new UsageError(`--threads must be a whole number from 1 to ${MAX_THREADS}, got "${value}"`);
  return threads;
}

export function quantizeOption(value: string | undefined): Quantization | undefined {
  const quantize = value as Quantization | undefined;
  if (quantize !== undefined && !QUANTIZATIONS.includes(quantize)) {
    throw new UsageError(`--quantize must be one of ${QUANTIZATIONS.join(', ')}, got "${value}"`);
  }
  return quantize;
}

/** `--trials` / `--parallel`: a positive whole number. */
export function countOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return count;
}
