import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { MAX_THREADS } from '../protocol/threads';

/**
 * The wasm backend on TF.js's threaded SIMD build, in plain Node
 * (docs/wasm-threads.md). TF.js 4.22 never takes that build in Node:
 * its WASM_HAS_MULTITHREAD_SUPPORT flag is false there, and forcing the flag
 * fails because the pthread worker is handed to `worker_threads` as a
 * `blob:` URL (ERR_WORKER_PATH). Instead this calls the emscripten factory
 * that the package ships in `wasm-out/` itself and wraps the module in the
 * exported `BackendWasm`, as the package's own `init()` does. What it relies
 * on is pinned by test/unit/wasmThreads.test.ts:
 *
 * * `wasm-out/tfjs-backend-wasm-threaded-simd.js` (the factory) and
 *   `….worker.js` (which exports the worker's source as `wasmWorkerContents`);
 *   the `.wasm` is the one in `dist/` (identical, and already in the .vsix);
 * * `BackendWasm` reading `module.tfjs` (the cwraps below, as in `init()`);
 * * backend.cc's pool size: min(requested, 8, logical cores / 2), the cores
 *   coming from the `emscripten_num_logical_cores` import, which is
 *   answered here so that the count asked for is the count granted;
 * * the glue's 8 pre-started pthread workers (so at most 8 threads).
 */

/** Loading takes 0.04–2 s (8 workers each evaluate the glue); this long means it never will. */
const LOAD_TIMEOUT_MS = 30_000;

/** tf-backend-wasm registers `wasm` with this priority. */
const WASM_PRIORITY = 2;

interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: { unref(): void }[]; unusedWorkers: { terminate(): unknown }[]; terminateAllThreads(): void };
}

type Factory = (config: {
  locateFile(file: string, prefix: string): string | URL;
  instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void): object;
  onAbort(what: unknown): void;
}) => Promise<EmscriptenModule>;

/** The tsconfig has no DOM library, whose types WebAssembly's are. */
const { WebAssembly: webAssembly } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }> };
};

/**
 * The pthread worker's source as an ES module at a `data:` URL (nothing
 * written to disk): `worker_threads` takes `data:` URLs, not `blob:` ones,
 * and runs them as modules, so the prelude gives the CommonJS source the
 * `require` and `__filename` it uses. Its `\n` escapes are kept as escapes,
 * as TF.js's own `locateFile` does.
 */
function workerUrl(glue: string, contents: string): URL {
  const prelude =
    `import { createRequire } from 'node:module';` +
    `const require = createRequire(${JSON.stringify(pathToFileURL(glue).href)});` +
    `const __filename = ${JSON.stringify(glue)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(prelude + contents.replace(/\n/g, '\\n'))}`);
}

/** Clamps a requested thread count to 1…MAX_THREADS. */
export function clampWasmThreads(threads: number): number {
  return Math.min(MAX_THREADS, Math.max(1, Math.floor(threads)));
}

async function createThreadedBackend(threads: number): Promise<tf.KernelBackend> {
  tfWasm.setThreadsCount(threads);
  /* eslint-disable @typescript-eslint/no-require-imports -- files of the package that it does not export */
  const glue = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as Factory;
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The .wasm beside the stock builds' (identical, and already in the .vsix).
  const wasmFile = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), 'tfjs-backend-wasm-threaded-simd.wasm');
  const worker = workerUrl(glue, wasmWorkerContents);
  // emscripten turns the config into the module: its PThread is there even while loading hangs.
  const config = {} as { PThread?: EmscriptenModule['PThread'] };
  let timer: NodeJS.Timeout | undefined;
  const module = await new Promise<EmscriptenModule>((resolve, reject) => {
    // The factory waits for all its workers to load; one that fails to start leaves it waiting for ever.
    timer = setTimeout(() => {
      config.PThread?.terminateAllThreads();
      reject(new Error(`the threaded build did not start within ${LOAD_TIMEOUT_MS / 1000} s`));
    }, LOAD_TIMEOUT_MS);
    factory(
      Object.assign(config, {
        locateFile: (file: string, prefix: string) => (file.endsWith('.worker.js') ? worker : prefix + file),
        instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void) {
          // backend.cc grants min(requested, 8, cores / 2): answer 2n so that n is granted on any machine.
          imports.env.emscripten_num_logical_cores = () => 2 * threads;
          readFile(wasmFile)
            .then((bytes) => webAssembly.instantiate(bytes, imports))
            .then(({ instance, module: compiled }) => receive(instance, compiled), reject);
          return {};
        },
        onAbort: (what: unknown) => reject(new Error(`the threaded build aborted: ${String(what)}`)),
      }),
    ).then(resolve, reject);
  }).finally(() => clearTimeout(timer));
  // The cwraps TF.js's own init() puts on the module (tf-backend-wasm.node.js).
  Object.assign(module, {
    tfjs: {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    },
  });
  const backend = new tfWasm.BackendWasm(module as unknown as ConstructorParameters<typeof tfWasm.BackendWasm>[0]);
  // The pool's threads wait for work forever and each holds a ref: without
  // this a process that ends by draining its event loop (the CLI) never exits.
  for (const running of module.PThread.runningWorkers) {
    running.unref();
  }
  // The glue starts 8 workers whatever the count; those the pool did not take
  // (about 15 MiB each) are stopped. Nothing else in the module starts threads.
  for (const spare of module.PThread.unusedWorkers.splice(0)) {
    void spare.terminate();
  }
  return backend;
}

/** The factory tf-backend-wasm registered, kept before the first replacement. */
const stockFactory = tf.findBackendFactory('wasm') as () => Promise<tf.KernelBackend>;

/**
 * Makes the next `tf.setBackend('wasm')` load the threaded build with
 * `threads` XNNPACK threads (1…8; the calling thread is one of them).
 * Call before the wasm backend is first set; 1 keeps the stock
 * single-threaded build.
 */
export function useWasmThreads(threads: number): void {
  const count = clampWasmThreads(threads);
  if (count === configured) {
    return;
  }
  // Disposes a wasm backend already loaded with another count; its kernels stay registered.
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', count === 1 ? stockFactory : () => threadedOrStock(count), WASM_PRIORITY);
  configured = count;
  failure = undefined;
}

/** A threaded build that cannot start (no worker threads, a hang) falls back to the single-threaded one, and says why. */
async function threadedOrStock(threads: number): Promise<tf.KernelBackend> {
  try {
    return await createThreadedBackend(threads);
  } catch (error) {
    failure = `${threads} asked for; ${error instanceof Error ? error.message : String(error)}`;
    tfWasm.setThreadsCount(1);
    return stockFactory();
  }
}

/** Why the loaded wasm backend has fewer threads than asked for, if it fell back. */
export function threadsFallback(): string | undefined {
  return failure;
}

let failure: string | undefined;

/** The count the registered `wasm` factory loads; the package's own factory is single-threaded. */
let configured = 1;

/** The thread count XNNPACK uses on the loaded wasm backend. */
export function wasmThreadsCount(): number {
  return tfWasm.getThreadsCount();
}
