// Training throughput (samples/s) of our trainer against a bare TF.js
// `model.fit` script, same model, same data size, same backend, one after
// the other on this machine. Not a test: it prints a table.
//
//   npm run build && node bench/throughput.mjs [--backend wasm] [--epochs 3] [--rounds 2] [--models mlp,cnn]
//
// * ours: dist/trainer.js forked exactly as the editor does, speaking the
//   IPC protocol; it streams every batch record, writes metrics.jsonl and
//   saves the best and last checkpoints every epoch.
// * bare: a child process that builds the same layers and calls model.fit
//   once (yieldEvery 'never', no validation), timing epochs with onEpochEnd.
//   On wasm it registers our convolution gradients too: without them TF.js
//   4.22 cannot train a CNN on wasm at all.
//
// Figure: median samples/s of the epochs after the first (the first pays
// for warm-up) over all rounds, by the wall clock and by the training
// process's CPU time. Rounds alternate ours and bare (ours, bare, ours,
// bare…) so that a machine getting busier or quieter affects both alike;
// on a shared machine wall time measures the neighbours as much as the
// trainer, and CPU time less so. Data:
// synthetic MNIST-shaped IDX files (random pixels and labels: throughput
// does not depend on what is learnt).
import { buildSync } from 'esbuild';
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const MODELS = {
  mlp: {
    batchSize: 128,
    trainCount: 4096,
    shape: [784],
    layers: [
      { type: 'dense', units: 512, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
  cnn: {
    batchSize: 64,
    trainCount: 1024,
    shape: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
};

const TEST_COUNT = 256;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** User + system CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** A mark taken by this process when a child reports: wall seconds and the child's CPU seconds. */
function mark(pid) {
  return { wall: performance.now() / 1000, cpu: cpuSeconds(pid) };
}

/** Samples/s of each epoch, by wall clock and by CPU time, from the start mark and one mark per epoch end. */
function epochRates(marks, samples) {
  const rates = { wall: [], cpu: [] };
  for (let i = 1; i < marks.length; i++) {
    rates.wall.push(samples / (marks[i].wall - marks[i - 1].wall));
    rates.cpu.push(samples / (marks[i].cpu - marks[i - 1].cpu));
  }
  return rates;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function idx(dims, values) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

function writeSyntheticMnist(dir, name, count, random) {
  const pixels = new Uint8Array(count * 784).map(() => Math.floor(random() * 256));
  const labels = new Uint8Array(count).map(() => Math.floor(random() * 10));
  writeFileSync(path.join(dir, `${name}-images.idx`), idx([count, 28, 28], pixels));
  writeFileSync(path.join(dir, `${name}-labels.idx`), idx([count], labels));
  return { images: `${name}-images.idx`, labels: `${name}-labels.idx` };
}

export function writeModelFile(dir, name, model, epochs) {
  const random = mulberry32(1);
  const spec = {
    name: `bench-${name}`,
    task: 'classification',
    data: {
      train: writeSyntheticMnist(dir, `${name}-train`, model.trainCount, random),
      test: writeSyntheticMnist(dir, `${name}-test`, TEST_COUNT, random),
      features: { normalize: 'scale', scale: 255, shape: model.shape },
    },
    model: { layers: model.layers },
    training: {
      optimizer: 'adam', learningRate: 0.001, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'],
      batchSize: model.batchSize, epochs, seed: 42,
    },
  };
  const file = path.join(dir, `${name}.model.json`);
  writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

/** Peak resident memory of a live process so far (VmHWM), MB. */
function peakRssMb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN; // already gone
  }
}

/**
 * Ours: the bundled trainer in its own process, as the editor runs it.
 * Also: ms from the fork to the first metrics record (Train → first
 * metric) and the trainer's peak RSS, read when it reports `done`.
 */
export function runOurs(modelFile, workspaceRoot, backend) {
  return new Promise((resolve, reject) => {
    const forkedAt = performance.now();
    const child = fork(path.join(repoRoot, 'dist', 'trainer.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const marks = [];
    let samples;
    let outcome;
    let firstMetricMs;
    let peakRss = NaN;
    const notePeak = () => {
      const now = peakRssMb(child.pid);
      if (!Number.isNaN(now)) peakRss = Number.isNaN(peakRss) ? now : Math.max(peakRss, now);
    };
    child.on('message', (message) => {
      if (message.type === 'runStarted') {
        marks.push(mark(child.pid));
        samples = message.run.trainSamples;
      } else if (message.type === 'metrics') {
        firstMetricMs ??= performance.now() - forkedAt;
        if (message.record.batch === null) {
          marks.push(mark(child.pid));
          notePeak();
        }
      } else if (message.type === 'done' || message.type === 'error') {
        notePeak();
        outcome = message;
      }
    });
    child.on('exit', () => {
      if (outcome?.type !== 'done' || outcome.run.status !== 'completed') {
        reject(new Error(`trainer did not complete: ${JSON.stringify(outcome)}`));
        return;
      }
      resolve({ backend: outcome.run.backend, rates: epochRates(marks, samples), firstMetricMs, peakRssMb: peakRss });
    });
    child.send({
      type: 'train',
      request: { modelFile, workspaceRoot, runsDir: path.join(workspaceRoot, 'runs'), backend },
    });
  });
}

/** Bare: this file again, in a child process, in `--bare` mode; it says `start`, then `epoch` after each epoch. */
/**
 * `kernelsBundle` '' runs wasm with TF.js's own kernels only (the MLP's
 * baseline; a CNN cannot train so). `trainCount` defaults to the model's.
 */
export function runBare(name, backend, epochs, kernelsBundle, trainCount = MODELS[name].trainCount) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--bare', name, '--backend', backend, '--epochs', String(epochs), '--kernels', kernelsBundle, '--train-count', String(trainCount)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const marks = [];
    let loadedBackend;
    child.on('message', (message) => {
      marks.push(mark(child.pid));
      if (message.type === 'start') loadedBackend = message.backend;
    });
    child.on('exit', (code) =>
      (marks.length === epochs + 1
        ? resolve({ backend: loadedBackend, rates: epochRates(marks, trainCount) })
        : reject(new Error(`bare run exited ${code}`))));
  });
}

async function bare(name, backend, epochs, kernelsBundle, trainCount) {
  const { createRequire } = await import('node:module');
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  if (backend === 'webgpu') {
    // As src/trainer/webgpuBackend.ts: Dawn's globals and navigator.gpu before the backend loads.
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    require('@tensorflow/tfjs-backend-webgpu');
  } else if (backend === 'tensorflow') {
    const nativeDir = process.env.MODEL_STUDIO_NATIVE_DIR;
    const installed = nativeDir && ['gpu', 'cpu'].map((v) => path.join(nativeDir, v, 'node_modules', '@tensorflow', v === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node')).find((dir) => existsSync(dir));
    require(installed || '@tensorflow/tfjs-node');
  }
  tf.enableProdMode();
  await tf.setBackend(backend);
  if (backend === 'wasm' && kernelsBundle) require(kernelsBundle).registerWasmConvGradients();
  const model = { ...MODELS[name], trainCount };
  const net = tf.sequential();
  model.layers.forEach(({ type, ...config }, i) => net.add(tf.layers[type](i === 0 ? { ...config, inputShape: model.shape } : config)));
  net.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([model.trainCount, ...model.shape]);
  const y = tf.floor(tf.randomUniform([model.trainCount], 0, 10));
  const say = (message) => new Promise((resolve) => process.send(message, resolve));
  await say({ type: 'start', backend: tf.getBackend() });
  await net.fit(x, y, {
    batchSize: model.batchSize,
    epochs,
    verbose: 0,
    yieldEvery: 'never',
    callbacks: {
      onEpochEnd: async () => {
        // webgpu queues work and returns: without waiting for the device this would time how fast JS queues
        // batches, not how fast they train. Reading the last bias (written by the epoch's last step) waits for
        // the queue; ours waits likewise, reading the weights for its checkpoint. A no-op on wasm and cpu.
        if (process.env.BARE_NO_SYNC !== '1') await net.getWeights().at(-1).data();
        await say({ type: 'epoch' });
      },
    },
  });
  process.disconnect();
}

/** Our wasm kernels as a CommonJS module the bare script can require. */
export function bundleKernels() {
  const outfile = path.join(repoRoot, 'out', 'bench', 'wasmKernels.cjs');
  mkdirSync(path.dirname(outfile), { recursive: true });
  buildSync({
    absWorkingDir: repoRoot,
    entryPoints: ['src/trainer/wasmKernels.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['@tensorflow/*'],
    logLevel: 'error',
  });
  return outfile;
}

async function main() {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      epochs: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      models: { type: 'string', default: 'mlp,cnn' },
      bare: { type: 'string' },
      kernels: { type: 'string' },
      'train-count': { type: 'string' },
    },
  });
  const epochs = Number(values.epochs);
  if (values.bare) {
    await bare(values.bare, values.backend, epochs, values.kernels, Number(values['train-count'] ?? MODELS[values.bare].trainCount));
    return;
  }
  const kernelsBundle = bundleKernels();
  const workspace = mkdtempSync(path.join(tmpdir(), 'modelstudio-bench-'));
  const rows = [];
  const afterFirst = (runs, clock) => median(runs.flatMap((run) => run.rates[clock].slice(1)));
  try {
    for (const name of values.models.split(',')) {
      const modelFile = writeModelFile(workspace, name, MODELS[name], epochs);
      const ours = [];
      const baseline = [];
      for (let round = 0; round < Number(values.rounds); round++) {
        ours.push(await runOurs(modelFile, workspace, values.backend));
        baseline.push(await runBare(name, values.backend, epochs, kernelsBundle));
      }
      const row = [ours[0].backend, name];
      for (const clock of ['wall', 'cpu']) {
        const [o, b] = [afterFirst(ours, clock), afterFirst(baseline, clock)];
        row.push(o.toFixed(0), b.toFixed(0), (o / b).toFixed(3));
        const perEpoch = (runs) => runs.map((run) => run.rates[clock].map((r) => r.toFixed(0)).join(' ')).join(' | ');
        process.stderr.write(`${name} (${clock}): ours ${perEpoch(ours)} · bare ${perEpoch(baseline)} samples/s per epoch\n`);
      }
      rows.push(row);
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  const table = [['backend', 'model', 'ours', 'bare', 'ratio', 'ours (cpu)', 'bare (cpu)', 'ratio (cpu)'], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  console.log('samples/s: median of the epochs after the first; (cpu): per CPU-second of the training process');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
