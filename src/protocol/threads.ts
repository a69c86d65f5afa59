/**
 * How many threads a trainer's wasm backend gets (#18). One number per
 * trainer, decided where the process is started (the host, the CLI, a
 * sweep) and sent in its request: the trainer never picks for itself.
 * No Node import: the caller passes the cores it has.
 */

/** The setting: 0 = automatic, else a fixed count per trainer. */
export const THREADS_SETTING = 'modelStudio.trainer.threads';

/** TF.js's threaded wasm build starts 8 pthread workers: more threads cannot be granted. */
export const MAX_THREADS = 8;

export interface ThreadContext {
  /** os.availableParallelism(): the cores this process may use (cgroup and affinity limits, e.g. a Slurm allocation). */
  readonly cores: number;
  /** Started from the editor, which needs a core of its own to stay responsive. */
  readonly editor: boolean;
  /** Trainers running at once (a sweep's parallel trials): they share the cores. */
  readonly trainers: number;
}

/**
 * The thread count for one trainer. `requested` (the setting or `--threads`)
 * of 0 or undefined is automatic: the cores, minus one for the editor,
 * shared between the trainers running at once. A thread without a free
 * core makes every kernel wait for it (docs/decisions.md "Threads on
 * wasm"), so automatic never oversubscribes. Always 1…MAX_THREADS.
 */
export function trainerThreads(requested: number | undefined, context: ThreadContext): number {
  const wanted =
    requested !== undefined && requested > 0
      ? requested
      : Math.floor((context.cores - (context.editor ? 1 : 0)) / Math.max(1, context.trainers));
  return Math.min(MAX_THREADS, Math.max(1, Math.floor(wanted)));
}
