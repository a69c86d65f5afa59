import type { ModelSpec } from '../modelFile/modelSpec';

/** Layer types that step through time: each step is a few products of a batch's rows by the units. */
const RECURRENT = new Set(['lstm', 'gru', 'simpleRNN', 'rnn', 'bidirectional', 'convLstm2d']);

/**
 * The wasm threads a model file's run loads: one for a recurrent model,
 * else the count asked for. A recurrent layer's time steps are products too
 * small to split, and waking XNNPACK's pool for each of them costs more than
 * it saves: on 2 cores an epoch of spam-lstm took 34–43 s on one thread and
 * 44–52 s on two (docs/wasm-threads.md §2). Decided from the file, before
 * the backend loads: the threaded build's count is fixed once it runs.
 * Returns the count and, when it is lowered, why.
 */
export function threadsForModel(spec: ModelSpec, asked: number): { threads: number; why?: string } {
  if (asked <= 1) return { threads: asked };
  const recurrent = spec.model.layers.map((layer) => layer.type).filter((type) => RECURRENT.has(type));
  if (recurrent.length === 0) return { threads: asked };
  return {
    threads: 1,
    why: `wasm: 1 thread of the ${asked} asked for: the ${recurrent[0]} layer's time steps are too small to split between threads, which would slow them`,
  };
}
