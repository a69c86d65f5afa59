// Spike for #18 (docs/wasm-threads.md): the threaded wasm build at 1 and N
// threads, each in its own process (a process holds one wasm module), in
// alternating pairs. Checks that results agree within 1e-5 and prints
// indicative timings: a 512² matmul and a conv2d (with how their CPU time
// was split between OS threads), and trainOnBatch of bench/throughput.mjs's
// MLP and CNN (our wasm kernels registered, as the trainer does).
//
//   node bench/wasmThreads.mjs [--threads 2] [--rounds 2] [--batches 20]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleKernels, bundleTrainerModule } from './throughput.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repoRoot, 'package.json'));

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    batches: { type: 'string', default: '20' },
    child: { type: 'string' },
    bundle: { type: 'string' },
    kernels: { type: 'string' },
  },
});

/** CPU seconds used so far by each of this process's OS threads (Linux). */
function threadCpu() {
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const cpu = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    cpu.set(tid, (Number(fields[11]) + Number(fields[12])) / ticks);
  }
  return cpu;
}

function seeded(tf, shape, seed) {
  return tf.randomUniform(shape, -0.5, 0.5, 'float32', seed);
}

async function child(threads, bundleFile, kernelsFile, batches) {
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  const { useWasmThreads, wasmThreadsCount } = require(bundleFile);
  const { registerWasmConvGradients } = require(kernelsFile);
  tf.enableProdMode();
  useWasmThreads(threads);
  const started = performance.now();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm failed to load');
  registerWasmConvGradients();
  const loadMs = performance.now() - started;
  const result = { threads: wasmThreadsCount(), loadMs, values: {}, ms: {} };

  // Correctness: matmul and conv2d, forward and both gradients.
  const a = seeded(tf, [256, 512], 1);
  const b = seeded(tf, [512, 256], 2);
  const mm = tf.grads((x, y) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
  result.values.matmul = [...tf.matMul(a, b).dataSync().slice(0, 4096), ...mm[0].dataSync(), ...mm[1].dataSync()];
  const x = seeded(tf, [8, 28, 28, 3], 3);
  const w = seeded(tf, [3, 3, 3, 16], 4);
  const cv = tf.grads((xx, ww) => tf.sum(tf.square(tf.conv2d(xx, ww, 1, 'same'))))([x, w]);
  result.values.conv2d = [...tf.conv2d(x, w, 1, 'same').dataSync(), ...cv[0].dataSync(), ...cv[1].dataSync()];

  // Timings; per OS thread CPU (Linux /proc) shows how the work was split.
  const ops = {
    matmul512: [seeded(tf, [512, 512], 5), seeded(tf, [512, 512], 6), (p, q) => tf.matMul(p, q)],
    conv2d: [seeded(tf, [64, 13, 13, 32], 5), seeded(tf, [3, 3, 32, 64], 6), (p, q) => tf.conv2d(p, q, 1, 'valid')],
  };
  for (const [name, [p, q, op]] of Object.entries(ops)) {
    const once = () => {
      // Not tf.tidy(() => ….dataSync()): tidy would walk the returned array element by element.
      const out = op(p, q);
      out.dataSync();
      out.dispose();
    };
    for (let i = 0; i < 5; i++) once();
    const before = threadCpu();
    const t = performance.now();
    for (let i = 0; i < 20; i++) once();
    result.ms[name] = (performance.now() - t) / 20;
    const after = threadCpu();
    const shares = [...after].map(([tid, s]) => s - (before.get(tid) ?? 0)).sort((x, y) => y - x);
    const total = shares.reduce((x, y) => x + y, 0);
    result.split ??= {};
    result.split[name] = shares.filter((s) => s > 0.01 * total).map((s) => s / total);
  }
  let t;

  const models = {
    mlp: {
      batch: 128,
      shape: [784],
      build: (m) => {
        m.add(tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }));
        m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      },
    },
    cnn: {
      batch: 64,
      shape: [28, 28, 1],
      build: (m) => {
        m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
        m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
        m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
        m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
        m.add(tf.layers.flatten());
        m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
        m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      },
    },
  };
  for (const [name, spec] of Object.entries(models)) {
    const model = tf.sequential();
    spec.build(model);
    model.setWeights(model.getWeights().map((weight, i) => seeded(tf, weight.shape, 100 + i)));
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
    const xs = seeded(tf, [spec.batch, ...spec.shape], 7);
    const ys = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: spec.batch }, (_, i) => i % 10),
        'int32',
      ),
      10,
    );
    await model.trainOnBatch(xs, ys);
    t = performance.now();
    for (let i = 0; i < batches; i++) await model.trainOnBatch(xs, ys);
    result.ms[`${name}Batch`] = (performance.now() - t) / batches;
    result.values[`${name}Weights`] = model.getWeights().flatMap((weight) => [...weight.dataSync()]);
  }
  process.stdout.write(JSON.stringify(result));
  // No process.exit: the process must end by itself (the pool's workers are unref'd).
}

function maxDiff(p, q) {
  let max = 0;
  for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i] - q[i]));
  return max;
}

if (values.child !== undefined) {
  await child(Number(values.child), values.bundle, values.kernels, Number(values.batches));
} else {
  const bundleFile = bundleTrainerModule('wasmThreads');
  const kernelsFile = bundleKernels();
  const threads = Number(values.threads);
  const runs = { 1: [], [threads]: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const n of round % 2 ? [threads, 1] : [1, threads]) {
      const started = Date.now();
      const out = execFileSync(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          '--child',
          String(n),
          '--bundle',
          bundleFile,
          '--kernels',
          kernelsFile,
          '--batches',
          values.batches,
        ],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 30,
          timeout: 120_000,
        },
      );
      const run = JSON.parse(out);
      run.wallMs = Date.now() - started;
      runs[n].push(run);
    }
  }
  const [one, many] = [runs[1][0], runs[threads][0]];
  console.log(`threads granted: ${one.threads} and ${many.threads}; load ${one.loadMs.toFixed(0)} / ${many.loadMs.toFixed(0)} ms`);
  for (const key of Object.keys(one.values)) {
    console.log(`max |Δ| ${key}: ${maxDiff(one.values[key], many.values[key]).toExponential(2)} (${one.values[key].length} values)`);
  }
  for (const key of Object.keys(one.ms)) {
    const a = runs[1].map((r) => r.ms[key]);
    const b = runs[threads].map((r) => r.ms[key]);
    const ratios = a.map((v, i) => (v / b[i]).toFixed(2));
    console.log(
      `${key}: 1 thread ${a.map((v) => v.toFixed(1)).join(', ')} ms; ${threads} threads ${b.map((v) => v.toFixed(1)).join(', ')} ms; speed-up per pair ${ratios.join(', ')}`,
    );
  }
  for (const key of Object.keys(many.split)) {
    const shares = runs[threads].map((r) => r.split[key].map((share) => `${(100 * share).toFixed(0)}%`).join('+'));
    console.log(`${key}: CPU time by OS thread at ${threads} threads (largest first): ${shares.join('; ')}`);
  }
  console.log(
    `process wall time (incl. exit): ${runs[1].map((r) => r.wallMs).join(', ')} / ${runs[threads].map((r) => r.wallMs).join(', ')} ms`,
  );
}
