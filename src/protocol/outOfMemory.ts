/**
 * Running out of memory, however it shows: V8's fatal heap error (the
 * process aborts; only its stderr and SIGABRT tell), a RangeError from an
 * ArrayBuffer or WebAssembly.Memory that cannot grow, or the trainer's own
 * check against `modelStudio.trainer.maxMemoryMB`. No TF.js import: the
 * extension host classifies a trainer's exit with it.
 */

/** The setting that sets the trainer's memory limit (package.json `contributes.configuration`). */
export const MAX_MEMORY_SETTING = 'modelStudio.trainer.maxMemoryMB';

/**
 * What V8 and Emscripten print or throw when memory runs out: V8's fatal
 * "Reached heap limit … JavaScript heap out of memory", an ArrayBuffer that
 * cannot be allocated, a wasm memory that cannot grow ("Aborted(OOM)",
 * "WebAssembly.Memory(): could not allocate memory").
 */
const OUT_OF_MEMORY =
  /JavaScript heap out of memory|Reached heap limit|Array buffer allocation failed|WebAssembly\.Memory|Aborted\(OOM\)|Cannot enlarge memory|Out of memory/i;

/** Whether stderr text (or an error message) says memory ran out. */
export function saysOutOfMemory(text: string): boolean {
  return OUT_OF_MEMORY.test(text);
}

/** Whether a caught error is memory running out (rather than a bug or a problem in the user's files). */
export function isOutOfMemoryError(error: unknown): boolean {
  if (error instanceof OutOfMemoryError) return true;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return saysOutOfMemory(message);
}

/** Thrown by the trainer's own memory check; see outOfMemoryMessage for what it says. */
export class OutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

export interface OutOfMemoryContext {
  /** 1-based epoch and 0-based batch it happened at, when known. */
  readonly epoch?: number;
  readonly batch?: number;
  /** `training.batchSize` of the run, when known. */
  readonly batchSize?: number;
  /** The limit the process ran under, when one was set. */
  readonly maxMemoryMB?: number;
  /** What was in use when the trainer's own check tripped, in MB. */
  readonly usedMB?: number;
}

/**
 * One line: where it happened and what to do, e.g. "out of memory at epoch
 * 1, batch 0 (used 131 MB of 64 MB): try a smaller training.batchSize (now
 * 512) or raise modelStudio.trainer.maxMemoryMB (now 64)".
 */
export function outOfMemoryMessage(context: OutOfMemoryContext): string {
  const where =
    context.epoch === undefined ? '' : ` at epoch ${context.epoch}${context.batch === undefined ? '' : `, batch ${context.batch}`}`;
  const used =
    context.usedMB === undefined || context.maxMemoryMB === undefined
      ? context.maxMemoryMB === undefined
        ? ''
        : ` (limit ${context.maxMemoryMB} MB)`
      : ` (used ${Math.round(context.usedMB)} MB of ${context.maxMemoryMB} MB)`;
  const batch =
    context.batchSize === 1
      ? 'try a smaller model'
      : `try a smaller training.batchSize${context.batchSize === undefined ? '' : ` (now ${context.batchSize})`}`;
  const limit = `raise ${MAX_MEMORY_SETTING}${context.maxMemoryMB === undefined ? '' : ` (now ${context.maxMemoryMB})`}`;
  return `out of memory${where}${used}: ${batch} or ${limit}`;
}
