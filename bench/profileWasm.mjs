// Where a training batch's time goes on a backend (default wasm): every
// kernel of the backend is wrapped with a timer (wasm and cpu kernels run
// synchronously, so wall time per call is the kernel's time), grouped by
// phase (forward: recorded on the gradient tape; backward: inside
// engine.gradients' 'backward' scope; update: the optimizer and metrics)
// and by kernel + attributes (a MatMul's transposes, a conv's shape).
// "outside kernels" is the batch's wall time minus all kernel time: the
// engine's bookkeeping, the tape, tensor allocation and layers' JS.
//
//   node bench/profileWasm.mjs [--backend wasm] [--models mlp,cnn] [--batches 30] [--top 12]
//   node bench/profileWasm.mjs --threads 2                       # the threaded build (src/trainer/wasmThreads.ts)
//   node bench/profileWasm.mjs --batch-sizes 16,32,64,128,256   # samples/s per batch size, no table
//
// Same models as bench/throughput.mjs (MLP 784-512-10 batch 128; CNN batch 64),
// random data, Adam, model.fit with yieldEvery 'never' as the trainer does.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleKernels, bundleTrainerModule, MODELS } from './throughput.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repoRoot, 'package.json'));

function describeCall(name, inputs, attrs) {
  const shapes = Object.values(inputs ?? {})
    .filter(Boolean)
    .map((t) => `[${t.shape.join(',')}]`)
    .join(' ');
  const flags = [];
  if (attrs?.transposeA) flags.push('Aᵀ');
  if (attrs?.transposeB) flags.push('Bᵀ');
  if (attrs?.perm) flags.push(`perm ${attrs.perm.join('')}`);
  return `${name}${flags.length ? ` ${flags.join(' ')}` : ''} ${shapes}`;
}

function phase(engine) {
  if (engine.state.gradientDepth > 0) return 'forward';
  return engine.state.scopeStack.some((s) => s.name === 'backward') ? 'backward' : 'update';
}

/** Profiles `batches` training batches of one model; returns rows and totals in ms per batch. */
export async function profile(tf, name, backend, batches, batchSize = MODELS[name].batchSize) {
  const model = { ...MODELS[name], batchSize };
  const net = tf.sequential();
  model.layers.forEach(({ type, ...config }, i) => net.add(tf.layers[type](i === 0 ? { ...config, inputShape: model.shape } : config)));
  net.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const count = model.batchSize * batches;
  const x = tf.randomUniform([count, ...model.shape]);
  const y = tf.floor(tf.randomUniform([count], 0, 10));
  // Warm-up: first calls allocate, set up XNNPACK operators, compile shaders.
  await net.fit(x.slice(0, model.batchSize * 2), y.slice(0, model.batchSize * 2), { batchSize: model.batchSize, epochs: 1, verbose: 0 });

  const engine = tf.engine();
  const byCall = new Map();
  const byPhase = { forward: 0, backward: 0, update: 0 };
  const originals = [];
  let depth = 0;
  for (const config of tf.getKernelsForBackend(backend)) {
    originals.push(config);
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        // A kernel composed of other kernels (ours are) is timed once, at the outside.
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const ms = performance.now() - t0;
          depth--;
          const p = phase(engine);
          byPhase[p] += ms;
          const key = `${p}\t${describeCall(config.kernelName, args.inputs, args.attrs)}`;
          const entry = byCall.get(key) ?? { ms: 0, calls: 0 };
          entry.ms += ms;
          entry.calls++;
          byCall.set(key, entry);
        }
      },
    });
  }
  const t0 = performance.now();
  await net.fit(x, y, { batchSize: model.batchSize, epochs: 1, verbose: 0, yieldEvery: 'never' });
  const wall = performance.now() - t0;
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel(config);
  }
  tf.dispose([x, y]);
  net.dispose();
  const kernels = byPhase.forward + byPhase.backward + byPhase.update;
  const rows = [...byCall]
    .map(([key, { ms, calls }]) => {
      const [p, call] = key.split('\t');
      return { phase: p, call, msPerBatch: ms / batches, callsPerBatch: calls / batches };
    })
    .sort((a, b) => b.msPerBatch - a.msPerBatch);
  return {
    name,
    batchSize: model.batchSize,
    wallPerBatch: wall / batches,
    samplesPerSecond: (count / wall) * 1000,
    phases: Object.fromEntries(Object.entries(byPhase).map(([k, v]) => [k, v / batches])),
    outside: (wall - kernels) / batches,
    rows,
  };
}

export function formatProfile(result, top) {
  const lines = [];
  const pct = (ms) => `${((ms / result.wallPerBatch) * 100).toFixed(0)}%`;
  lines.push(
    `${result.name} (batch ${result.batchSize}): ${result.wallPerBatch.toFixed(1)} ms per batch, ${result.samplesPerSecond.toFixed(0)} samples/s`,
  );
  lines.push(
    `  forward ${result.phases.forward.toFixed(1)} ms (${pct(result.phases.forward)}) · backward ${result.phases.backward.toFixed(1)} ms (${pct(result.phases.backward)})` +
      ` · update+metrics ${result.phases.update.toFixed(1)} ms (${pct(result.phases.update)}) · outside kernels ${result.outside.toFixed(1)} ms (${pct(result.outside)})`,
  );
  lines.push('  | phase | kernel (inputs) | ms/batch | share | calls/batch |');
  lines.push('  |---|---|---:|---:|---:|');
  for (const row of result.rows.slice(0, top)) {
    lines.push(
      `  | ${row.phase} | ${row.call} | ${row.msPerBatch.toFixed(2)} | ${pct(row.msPerBatch)} | ${row.callsPerBatch.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      models: { type: 'string', default: 'mlp,cnn' },
      batches: { type: 'string', default: '30' },
      top: { type: 'string', default: '12' },
      'batch-sizes': { type: 'string' },
      // wasm on the threaded SIMD build with this many threads (src/trainer/wasmThreads.ts).
      threads: { type: 'string' },
    },
  });
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  tf.enableProdMode();
  if (values.threads !== undefined) require(bundleTrainerModule('wasmThreads')).useWasmThreads(Number(values.threads));
  await tf.setBackend(values.backend);
  if (values.backend === 'wasm') require(bundleKernels()).registerWasmConvGradients();
  if (values['batch-sizes']) {
    for (const name of values.models.split(',')) {
      const cells = [];
      for (const size of values['batch-sizes'].split(',').map(Number)) {
        // About the same number of examples per size, at least 8 batches.
        const batches = Math.max(8, Math.round((Number(values.batches) * MODELS[name].batchSize) / size));
        const result = await profile(tf, name, values.backend, batches, size);
        cells.push(`batch ${size}: ${result.samplesPerSecond.toFixed(0)}`);
      }
      console.log(`${name} on ${values.backend}, samples/s (kernel timers on): ${cells.join(' · ')}`);
    }
    return;
  }
  for (const name of values.models.split(',')) {
    const result = await profile(tf, name, values.backend, Number(values.batches));
    console.log(formatProfile(result, Number(values.top)));
    console.log('');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
