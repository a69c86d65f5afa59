// Training throughput (samples/s) of our trainer against a bare TF.js
// `model.fit` script, same model, same data size, same backend, on this
// machine at the same time. Not a test: it prints a table.
//
//   npm run build && node bench/throughput.mjs [--backend wasm] [--epochs 6] [--rounds 2] [--models mlp,cnn] [--train-count N]
//
// * ours: dist/trainer.js forked exactly as the editor does, speaking the
//   IPC protocol; it streams every batch record, writes metrics.jsonl and
//   saves the best and last checkpoints every epoch.
// * bare: a child process that builds the same layers and calls model.fit
//   once (yieldEvery 'never', no validation), timing epochs with onEpochEnd.
//   On wasm it registers our convolution gradients too: without them TF.js
//   4.22 cannot train a CNN on wasm at all.
//
// The two run side by side and take turns epoch by epoch: one is held
// (SIGSTOP) while the other trains an epoch. The load that neighbours put on
// this shared machine drifts over seconds, so an epoch of ours and the bare
// epoch next to it see the same machine; whole runs one after the other did
// not (their ratio moved 0.86–1.11 between runs of this script). Figures:
// the median over the epochs after the first (which pays for warm-up) of
// ours/bare per pair of neighbouring epochs, by the wall clock and by the
// training process's CPU time, and each side's median samples/s. Rounds
// swap which side goes first. runThreadsPaired pairs our trainer at N wasm
// threads with ours at 1 the same way (bench/scaling.mjs). SIGSTOP makes
// this Linux/macOS only. Data: synthetic MNIST-shaped IDX files (random
// pixels and labels: throughput does not depend on what is learnt).
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

export const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** User + system CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
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
      optimizer: 'adam',
      learningRate: 0.001,
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
      batchSize: model.batchSize,
      epochs,
      seed: 42,
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

function forkOurs() {
  return fork(path.join(repoRoot, 'dist', 'trainer.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** This file again, in a child process, in `--bare` mode: it says `start`, then `epoch` after each epoch. */
function forkBare(name, backend, epochs, kernelsBundle, trainCount) {
  return fork(
    fileURLToPath(import.meta.url),
    ['--bare', name, '--backend', backend, '--epochs', String(epochs), '--kernels', kernelsBundle, '--train-count', String(trainCount)],
    {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
}

/** One side of a paired run: a child process and the wall and CPU seconds of each of its epochs. */
class Side {
  constructor(child) {
    this.child = child;
    this.epochs = [];
    this.ready = false;
    this.backend = undefined;
    this.startedEpoch = undefined;
    this.exitCode = undefined;
  }

  hold() {
    this.child.kill('SIGSTOP');
  }

  resume() {
    this.startedEpoch = { wall: performance.now() / 1000, cpu: cpuSeconds(this.child.pid) };
    this.child.kill('SIGCONT');
  }

  endEpoch() {
    const now = { wall: performance.now() / 1000, cpu: cpuSeconds(this.child.pid) };
    this.epochs.push({ wall: now.wall - this.startedEpoch.wall, cpu: now.cpu - this.startedEpoch.cpu });
  }

  /** Samples/s of each epoch, by wall clock and by CPU time. */
  rates(samples) {
    return { wall: this.epochs.map((e) => samples / e.wall), cpu: this.epochs.map((e) => samples / e.cpu) };
  }
}

/**
 * Two sides take turns epoch by epoch (see the top of this file): each calls
 * `ready` once loaded and `epochEnded` after each of its epochs; `first`
 * trains first. `exited` resolves once both processes have exited.
 */
function takeTurns(a, b, epochs, first) {
  const other = (side) => (side === a ? b : a);
  /** Set when a side ended before its last epoch: the other then runs on alone, so that its own error (if any) reaches us. */
  let unpaired = false;
  const ready = (side) => {
    side.hold();
    side.ready = true;
    if (a.ready && b.ready) first.resume();
  };
  const epochEnded = (side) => {
    side.endEpoch();
    if (unpaired) return;
    side.hold();
    const next = other(side).epochs.length < epochs ? other(side) : side;
    if (next.epochs.length < epochs) {
      next.resume();
    } else {
      // Both are done training: let them finish (ours saves the model and evaluates the test split).
      a.child.kill('SIGCONT');
      b.child.kill('SIGCONT');
    }
  };
  const exited = Promise.all(
    [a, b].map(
      (side) =>
        new Promise((done) =>
          side.child.on('exit', (code) => {
            side.exitCode = code;
            if (side.epochs.length < epochs && !unpaired) {
              unpaired = true;
              other(side).child.kill('SIGCONT');
            }
            done();
          }),
        ),
    ),
  );
  return { ready, epochEnded, exited };
}

/** Our trainer as a side: dist/trainer.js training `request`; keeps its outcome, peak RSS and `log` lines. */
class Ours extends Side {
  constructor(request) {
    super(forkOurs());
    this.request = request;
    this.samples = undefined;
    this.outcome = undefined;
    this.peakRssMb = NaN;
    /** The trainer's log messages: the backend's detail among them (`wasm: 2 threads`). */
    this.logs = [];
  }

  notePeak() {
    const now = peakRssMb(this.child.pid);
    if (!Number.isNaN(now)) this.peakRssMb = Number.isNaN(this.peakRssMb) ? now : Math.max(this.peakRssMb, now);
  }

  start(turns) {
    this.child.on('message', (message) => {
      if (message.type === 'log') {
        this.logs.push(message.message);
      } else if (message.type === 'runStarted') {
        this.samples = message.run.trainSamples;
        turns.ready(this);
      } else if (message.type === 'metrics' && message.record.batch === null) {
        this.notePeak();
        turns.epochEnded(this);
      } else if (message.type === 'done' || message.type === 'error') {
        this.notePeak();
        this.outcome = message;
      }
    });
    this.child.send({ type: 'train', request: this.request });
  }

  /** Throws unless the run completed; else its backend, samples/s per epoch, peak RSS and log lines. */
  result() {
    if (this.outcome?.type !== 'done' || this.outcome.run.status !== 'completed') {
      throw new Error(`trainer did not complete: ${JSON.stringify(this.outcome)}`);
    }
    return { backend: this.outcome.run.backend, rates: this.rates(this.samples), peakRssMb: this.peakRssMb, logs: this.logs };
  }
}

/**
 * Ours and bare on `modelFile`'s model, side by side, taking turns epoch by
 * epoch (see the top of this file); `first` says which side trains first.
 * Resolves each side's samples/s per epoch and the trainer's peak RSS.
 */
export async function runPaired({
  name,
  modelFile,
  workspaceRoot,
  backend,
  epochs,
  kernelsBundle,
  trainCount = MODELS[name].trainCount,
  first = 'ours',
}) {
  const ours = new Ours({ modelFile, workspaceRoot, runsDir: path.join(workspaceRoot, 'runs'), backend });
  const bare = new Side(forkBare(name, backend, epochs, kernelsBundle, trainCount));
  const turns = takeTurns(ours, bare, epochs, first === 'ours' ? ours : bare);
  bare.child.on('message', (message) => {
    if (message.type === 'start') {
      bare.backend = message.backend;
      turns.ready(bare);
    } else {
      turns.epochEnded(bare);
    }
  });
  ours.start(turns);
  await turns.exited;
  const result = ours.result();
  if (bare.epochs.length < epochs) throw new Error(`bare run exited ${bare.exitCode}`);
  return { ours: result, bare: { backend: bare.backend, rates: bare.rates(trainCount) } };
}

/**
 * Our trainer on wasm with `threads` threads (TrainRequest.threads) against
 * our trainer with 1 thread, taking turns epoch by epoch as runPaired does:
 * a speed-up measured on the same machine state, pair by pair. `first`
 * ('many' or 'one') trains first. Resolves `{ many, one }`, each as
 * Ours.result(); `many.logs` holds the trainer's `wasm: N threads` line
 * when it was granted the threads.
 */
export async function runThreadsPaired({ modelFile, workspaceRoot, epochs, threads, first = 'many' }) {
  const request = (n) => ({
    modelFile,
    workspaceRoot,
    runsDir: path.join(workspaceRoot, `runs-${n}-threads`),
    backend: 'wasm',
    threads: n,
  });
  const many = new Ours(request(threads));
  const one = new Ours(request(1));
  const turns = takeTurns(many, one, epochs, first === 'many' ? many : one);
  many.start(turns);
  one.start(turns);
  await turns.exited;
  return { many: many.result(), one: one.result() };
}

/**
 * What the machine itself gives n cores (#18's ceiling): `copies` 1-thread
 * trainers training at the same time, taking turns epoch by epoch with one
 * 1-thread trainer alone (the group's epoch ends when its last member's does;
 * members that finish first wait stopped, so the last ends it alone: an upper
 * bound). No implementation that splits one run over n threads can beat n
 * independent runs sharing nothing. Resolves
 * `{ group, alone }`: samples/s per epoch, the group's as the sum of its
 * members' samples over the group epoch's wall time.
 */
export async function runConcurrentPaired({ modelFile, workspaceRoot, epochs, copies, first = 'group' }) {
  const request = (name) => ({ modelFile, workspaceRoot, runsDir: path.join(workspaceRoot, `runs-${name}`), backend: 'wasm', threads: 1 });
  const alone = new Ours(request('alone'));
  const members = Array.from({ length: copies }, (_, i) => new Ours(request(`together-${i}`)));
  const everyone = [alone, ...members];
  const groupWalls = [];
  let groupStarted = 0;
  const startGroup = () => {
    groupStarted = performance.now() / 1000;
    for (const member of members) member.resume();
  };
  /** Set when a trainer exited before its last epoch: everyone then runs on, so that its error reaches us. */
  let broken = false;
  const next = (justRan) => {
    const aloneLeft = alone.epochs.length < epochs;
    const groupLeft = groupWalls.length < epochs;
    if (!aloneLeft && !groupLeft) for (const side of everyone) side.child.kill('SIGCONT');
    else if (justRan === 'group' ? !aloneLeft : groupLeft) startGroup();
    else alone.resume();
  };
  const turns = {
    ready(side) {
      side.hold();
      side.ready = true;
      if (everyone.every((s) => s.ready)) (first === 'group' ? startGroup : () => alone.resume())();
    },
    epochEnded(side) {
      side.endEpoch();
      if (broken) return;
      side.hold();
      if (side === alone) return next('alone');
      if (!members.every((m) => m.epochs.length === groupWalls.length + 1)) return;
      groupWalls.push(performance.now() / 1000 - groupStarted);
      next('group');
    },
  };
  const exited = Promise.all(
    everyone.map(
      (side) =>
        new Promise((done) =>
          side.child.on('exit', () => {
            if (side.epochs.length < epochs && !broken) {
              broken = true;
              for (const other of everyone) other.child.kill('SIGCONT');
            }
            done();
          }),
        ),
    ),
  );
  for (const side of everyone) side.start(turns);
  await exited;
  const results = everyone.map((side) => side.result());
  const samples = alone.samples;
  return {
    alone: results[0],
    group: { rates: { wall: groupWalls.map((wall) => (copies * samples) / wall) }, logs: results.slice(1).flatMap((r) => r.logs) },
  };
}

/**
 * Bare alone. `kernelsBundle` '' runs wasm with TF.js's own kernels only
 * (the MLP's baseline; a CNN cannot train so). `trainCount` defaults to the model's.
 */
export function runBare(name, backend, epochs, kernelsBundle, trainCount = MODELS[name].trainCount) {
  return new Promise((resolve, reject) => {
    const side = new Side(forkBare(name, backend, epochs, kernelsBundle, trainCount));
    side.child.on('message', (message) => {
      if (message.type === 'start') side.backend = message.backend;
      else side.endEpoch();
      side.startedEpoch = { wall: performance.now() / 1000, cpu: cpuSeconds(side.child.pid) };
    });
    side.child.on('exit', (code) =>
      side.epochs.length === epochs
        ? resolve({ backend: side.backend, rates: side.rates(trainCount) })
        : reject(new Error(`bare run exited ${code}`)),
    );
  });
}

/**
 * The median of `ratios` and its 95 % bootstrap interval (resampled 2,000
 * times, seeded): how far the median of this many pairs could move on this
 * machine's noise alone.
 */
export function medianWithInterval(ratios) {
  const random = mulberry32(7);
  const medians = Array.from({ length: 2000 }, () => median(Array.from(ratios, () => ratios[Math.floor(random() * ratios.length)]))).sort(
    (a, b) => a - b,
  );
  return {
    median: median(ratios),
    low: medians[Math.floor(0.025 * medians.length)],
    high: medians[Math.ceil(0.975 * medians.length) - 1],
    pairs: ratios.length,
  };
}

/** `0.984 (0.94–1.03, 42 pairs)` */
export function formatRatio({ median: m, low, high, pairs }) {
  return `${m.toFixed(3)} (${low.toFixed(2)}–${high.toFixed(2)}, ${pairs} pairs)`;
}

/**
 * a/b of each pair of neighbouring epochs after the first, over all `runs` of runPaired (ours/bare) or
 * runThreadsPaired (`['many', 'one']`), by `clock`.
 */
export function pairedRatios(runs, clock, [a, b] = ['ours', 'bare']) {
  return runs.flatMap((run) => run[a].rates[clock].slice(1).map((rate, i) => rate / run[b].rates[clock][i + 1]));
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
    const installed =
      nativeDir &&
      ['gpu', 'cpu']
        .map((v) => path.join(nativeDir, v, 'node_modules', '@tensorflow', v === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node'))
        .find((dir) => existsSync(dir));
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

/** src/trainer/<name>.ts as a CommonJS module a bench script can require; TF.js stays external (the script's own). */
export function bundleTrainerModule(name) {
  const outfile = path.join(repoRoot, 'out', 'bench', `${name}.cjs`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  buildSync({
    absWorkingDir: repoRoot,
    entryPoints: [`src/trainer/${name}.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['@tensorflow/*'],
    logLevel: 'error',
  });
  return outfile;
}

/** Our wasm kernels, for the bare script. */
export const bundleKernels = () => bundleTrainerModule('wasmKernels');

async function main() {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      epochs: { type: 'string', default: '6' },
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
      const trainCount = Number(values['train-count'] ?? MODELS[name].trainCount);
      const modelFile = writeModelFile(workspace, name, { ...MODELS[name], trainCount }, epochs);
      const runs = [];
      for (let round = 0; round < Number(values.rounds); round++) {
        runs.push(
          await runPaired({
            name,
            modelFile,
            workspaceRoot: workspace,
            backend: values.backend,
            epochs,
            kernelsBundle,
            trainCount,
            first: round % 2 ? 'bare' : 'ours',
          }),
        );
      }
      const row = [runs[0].ours.backend, name];
      for (const clock of ['wall', 'cpu']) {
        const [o, b] = [
          afterFirst(
            runs.map((run) => run.ours),
            clock,
          ),
          afterFirst(
            runs.map((run) => run.bare),
            clock,
          ),
        ];
        row.push(o.toFixed(0), b.toFixed(0), formatRatio(medianWithInterval(pairedRatios(runs, clock))));
        const perEpoch = (side) => runs.map((run) => run[side].rates[clock].map((r) => r.toFixed(0)).join(' ')).join(' | ');
        process.stderr.write(`${name} (${clock}): ours ${perEpoch('ours')} · bare ${perEpoch('bare')} samples/s per epoch\n`);
      }
      rows.push(row);
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  const table = [['backend', 'model', 'ours', 'bare', 'ratio', 'ours (cpu)', 'bare (cpu)', 'ratio (cpu)'], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  console.log(
    'samples/s: median of the epochs after the first; ratio: median of ours/bare over neighbouring epochs (95 % bootstrap interval); (cpu): per CPU-second of the training process',
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
