// Every training benchmark in one command, one table (npm run bench):
//
//   npm run build && node bench/all.mjs [--quick] [--write] [--threads-only] [--python PATH]
//
//   nice -n 5 node bench/all.mjs --threads-only --quick   (the scaling table alone)
//
// * Per backend and model (the MLP and CNN of bench/throughput.mjs): our
//   trainer (dist/trainer.js, forked as the editor does) against bare TF.js
//   (model.fit, same backend, side by side taking turns epoch by epoch:
//   runPaired in bench/throughput.mjs), median samples/s of the epochs
//   after the first, and the median ours/bare over neighbouring epochs by
//   wall clock and by the training process's CPU time; the trainer's peak
//   RSS; PyTorch CPU on the
//   same models when `import torch` works. On wasm also bare TF.js with
//   TF.js's own kernels only (the MLP; a CNN cannot train so).
// * Train → first metric: fork to the first metrics record, on the
//   mnist-mlp sample (8,000 + 2,000 real digits as gzipped IDX), backend auto: the first fork of
//   this process (cold: a new V8, wasm compiled afresh; the OS file cache is
//   whatever it is) and the median of three more (warm).
// * Extension activation: bench/activation.mjs.
// * A Slurm job's overhead over a run here: bench/slurm.mjs --summary (a
//   line saying "skipped" and why without Slurm).
// * Scaling (bench/scaling.mjs; alone with --threads-only): our trainer on
//   wasm with 1, 2, … threads up to os.availableParallelism() (at most 8),
//   each count paired epoch by epoch with a 1-thread trainer in the same
//   run; samples/s, the paired speed-up and efficiency (speed-up / threads),
//   next to PyTorch with the same thread counts, and lines checking #18's
//   targets (2 threads: MLP ≥ 1.7×, CNN ≥ 1.6×; CNN wasm ≥ 0.6× PyTorch at
//   1 thread). The `granted` column and a WARNING line show a trainer that
//   fell back to 1 thread.
//
// --quick: fewer epochs and rounds. --python: the interpreter for
// bench/torchBench.py (default: python3, else /usr/bin/python3, whichever
// imports torch); without torch the PyTorch cells read – and a line says how
// to install it. --write replaces the tables between the bench:all and
// bench:scaling markers in bench/RESULTS.md (only those that ran).
// A backend that cannot load here gets a row saying why. webgpu uses Mesa's
// lavapipe when scripts/installLavapipe.sh has put it in ~/.cache/model-studio.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scalingSection } from './scaling.mjs';
import {
  bundleKernels,
  formatRatio,
  median,
  medianWithInterval,
  MODELS,
  pairedRatios,
  runBare,
  runPaired,
  writeModelFile,
} from './throughput.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    'threads-only': { type: 'boolean', default: false },
    python: { type: 'string' },
  },
});
const quick = values.quick;

/** Epochs, rounds and examples per backend and model: slow backends get fewer, never fewer than three epochs. */
// Each round pairs every epoch of ours after the first with a bare epoch next to it in time; rounds swap which
// side goes first. Our trainer does fixed work per epoch that bare fit() does not (records, the `last` checkpoint
// with the optimizer's state, `best`): about 20 ms for the MLP (bench/RESULTS.md). Epochs of MNIST's order of size
// (16,384 examples, ~3 s on wasm) weigh it as real data would.
const PLAN = {
  tensorflow: { mlp: { epochs: 6, rounds: 3, count: 16384 }, cnn: { epochs: 6, rounds: 2, count: 1024 } },
  webgpu: {
    mlp: { epochs: quick ? 3 : 5, rounds: quick ? 1 : 2, count: 2048 },
    cnn: { epochs: quick ? 3 : 4, rounds: quick ? 1 : 2, count: 256 },
  },
  wasm: {
    mlp: { epochs: quick ? 3 : 8, rounds: quick ? 1 : 3, count: 16384 },
    cnn: { epochs: quick ? 3 : 6, rounds: quick ? 1 : 2, count: 1024 },
  },
  cpu: { mlp: { epochs: quick ? 3 : 4, rounds: quick ? 1 : 2, count: 1024 }, cnn: null },
};
/** TF.js's own wasm kernels are ~6× slower: their bare run (one, in the first round) gets a quarter of the examples (rates do not depend on it). */
const STOCK_COUNT = 4096;
const SKIPPED = { cpu: { cnn: 'about 1 sample/s: one epoch would take a quarter of an hour' } };

const lavapipe = process.env.MODEL_STUDIO_LAVAPIPE ?? path.join(os.homedir(), '.cache', 'model-studio', 'lavapipe');

function log(line) {
  process.stderr.write(`${line}\n`);
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /flags\s*:\s*(.+)/.exec(cpuinfo)?.[1].split(' ') ?? [];
  const tfjs = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version;
  return {
    cpu: `${model}, ${os.cpus().length} cores${flags.includes('avx512f') ? ', AVX-512' : flags.includes('avx2') ? ', AVX2' : ''}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    tfjs,
    os: `${os.type()} ${os.release()}`,
  };
}

/** Fork → first metrics record, then stop the run; resolves ms. */
function timeToFirstMetric(modelFile, workspaceRoot, runsDir) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = fork(path.join(repoRoot, 'dist', 'trainer.js'), [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let ms;
    child.on('message', (message) => {
      if (message.type === 'metrics' && ms === undefined) {
        ms = performance.now() - t0;
        child.send({ type: 'stop' });
      } else if (message.type === 'error') {
        reject(new Error(message.message));
      }
    });
    child.on('exit', () => (ms === undefined ? reject(new Error('no metrics')) : resolve(ms)));
    child.send({ type: 'train', request: { modelFile, workspaceRoot, runsDir } });
  });
}

function pythonWithTorch() {
  for (const python of values.python ? [values.python] : ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

function slurmOverhead() {
  try {
    const args = [path.join(repoRoot, 'bench', 'slurm.mjs'), '--summary', '--repeats', quick ? '2' : '5'];
    const line = execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
    return line.startsWith('skipped') ? `Slurm (bench/slurm.mjs): ${line}` : line;
  } catch (error) {
    // A job that failed on the cluster: the other figures still stand.
    return `Slurm (bench/slurm.mjs): failed: ${String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .at(-1)}`;
  }
}

function activation() {
  const script = path.join(repoRoot, 'bench', 'activation.mjs');
  if (!existsSync(script)) return 'bench/activation.mjs missing';
  const out = execFileSync(process.execPath, [script, '--rounds', quick ? '5' : '10'], { encoding: 'utf8' });
  return /load \+ activate:\s*(.+)/.exec(out)?.[1]?.trim() ?? out.trim().split('\n').at(-1);
}

const fmt = (x) => (x === undefined || Number.isNaN(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** The bench:all table and the lines under it, as markdown. */
async function mainTable(info, workspace, python) {
  const loadBefore = os.loadavg()[0];
  const extras = [];
  // Train → first metric, before anything else runs in this process, on backend auto as a user gets it.
  const sample = path.join(repoRoot, 'samples', 'mnist-mlp.model.json');
  const firstMetric = [];
  for (let i = 0; i < 4; i++)
    firstMetric.push(await timeToFirstMetric(sample, path.join(repoRoot, 'samples'), path.join(workspace, 'sample-runs')));
  extras.push(
    `Train → first metric (mnist-mlp sample: 8,000 + 2,000 real digits, gzipped IDX; backend auto): cold ${fmt(firstMetric[0])} ms, warm ${fmt(median(firstMetric.slice(1)))} ms (median of 3)`,
  );
  log(extras.at(-1));

  if (existsSync(path.join(lavapipe, 'lvp_icd.json'))) {
    process.env.VK_ICD_FILENAMES = path.join(lavapipe, 'lvp_icd.json');
    process.env.LD_LIBRARY_PATH = [path.join(lavapipe, 'root', 'usr', 'lib', 'x86_64-linux-gnu'), process.env.LD_LIBRARY_PATH]
      .filter(Boolean)
      .join(':');
    log(`webgpu: Vulkan driver from ${lavapipe} (lavapipe, a software adapter)`);
  }

  let torch;
  if (python) {
    log(`PyTorch (${python}, 1 thread)…`);
    torch = JSON.parse(execFileSync(python, [path.join(repoRoot, 'bench', 'torchBench.py'), '--threads', '1'], { encoding: 'utf8' }));
  } else {
    log('PyTorch column skipped: no `import torch`. Debian: apt-get install python3-torch libopenblas0-pthread');
  }

  const kernels = bundleKernels();
  const rows = [];
  for (const backend of ['tensorflow', 'webgpu', 'wasm', 'cpu']) {
    for (const name of ['mlp', 'cnn']) {
      const plan = PLAN[backend][name];
      const label = `${name === 'mlp' ? 'MLP 784-512-10, batch 128' : 'CNN 2 conv + 2 dense, batch 64'}${plan ? `, ${plan.count.toLocaleString('en')} per epoch` : ''}`;
      const torchCell = torch ? fmt(torch[name]) : '–';
      if (!plan) {
        rows.push([backend, label, '–', '–', '–', '–', '–', '–', '–', torchCell, `skipped: ${SKIPPED[backend][name]}`]);
        continue;
      }
      const model = { ...MODELS[name], trainCount: plan.count };
      const modelFile = writeModelFile(workspace, `${backend}-${name}`, model, plan.epochs);
      const runs = [];
      const stock = [];
      try {
        for (let round = 0; round < plan.rounds; round++) {
          log(`${backend} ${name}: round ${round + 1}/${plan.rounds}`);
          runs.push(
            await runPaired({
              name,
              modelFile,
              workspaceRoot: workspace,
              backend,
              epochs: plan.epochs,
              kernelsBundle: kernels,
              trainCount: plan.count,
              first: round % 2 ? 'bare' : 'ours',
            }),
          );
          if (backend === 'wasm' && name === 'mlp' && round === 0) stock.push(await runBare(name, backend, plan.epochs, '', STOCK_COUNT));
        }
      } catch (error) {
        const reason = (/"message":"([^"]+)"/.exec(String(error.message))?.[1] ?? String(error.message).split('\n')[0]).replace(
          /^backend \w+ is not available: /,
          '',
        );
        rows.push([backend, label, '–', '–', '–', '–', '–', '–', '–', torchCell, `not available: ${reason}`]);
        log(`${backend} ${name}: ${reason}`);
        continue;
      }
      const ours = runs.map((run) => run.ours);
      const bare = runs.map((run) => run.bare);
      const afterFirst = (sides, clock) => median(sides.flatMap((side) => side.rates[clock].slice(1)));
      const [o, b] = [afterFirst(ours, 'wall'), afterFirst(bare, 'wall')];
      // The least-disturbed epoch of each: what each does when the neighbours are quiet.
      const best = (sides) => Math.max(...sides.flatMap((side) => side.rates.wall.slice(1)));
      const perEpoch = (sides) => sides.map((side) => side.rates.wall.map((r) => r.toFixed(0)).join(' ')).join(' | ');
      log(`  ours ${perEpoch(ours)} · bare ${perEpoch(bare)}${stock.length ? ` · stock ${perEpoch(stock)}` : ''}`);
      rows.push([
        backend,
        label,
        fmt(o),
        fmt(b),
        formatRatio(medianWithInterval(pairedRatios(runs, 'wall'))),
        median(pairedRatios(runs, 'cpu')).toFixed(3),
        (best(ours) / best(bare)).toFixed(3),
        stock.length ? fmt(afterFirst(stock, 'wall')) : '–',
        `${fmt(Math.max(...ours.map((r) => r.peakRssMb).filter((mb) => !Number.isNaN(mb))))} MB`,
        torchCell,
        backend === 'webgpu' ? 'software adapter (lavapipe)' : '',
      ]);
    }
  }
  extras.push(`Extension activation (bench/activation.mjs, require + activate()): ${activation()}`);
  extras.push(slurmOverhead());
  const header = [
    'backend',
    'model',
    'ours',
    'bare',
    'ours/bare',
    'ours/bare (CPU time)',
    'ours/bare (best epochs)',
    'bare, TF.js kernels only',
    'trainer peak RSS',
    `PyTorch ${torch ? `${torch.torch}, 1 thread` : '(not installed)'}`,
    'note',
  ];
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < 2 || i === header.length - 1 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  const loadAfter = os.loadavg()[0];
  return [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${info.cpu}, ${info.memory}; ${info.os}; Node ${info.node}; TF.js ${info.tfjs}; ` +
      `load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} (a shared machine: compare within a row).`,
    '',
    "samples/s: median of the epochs after the first (all rounds). ours/bare: median over neighbouring epochs (the two run side by side, taking turns epoch by epoch) by wall clock, with its 95 % bootstrap interval, and by the training process's CPU time; and of each side's fastest epoch.",
    '',
    ...table,
    '',
    ...extras.map((line) => `* ${line}`),
  ].join('\n');
}

/** Puts `text` between the `<!-- name -->` markers of `current`; absent markers go at the end. */
function replaceMarked(current, name, text) {
  const block = `<!-- ${name} -->\n${text}\n<!-- /${name} -->`;
  const marked = new RegExp(`<!-- ${name} -->[\\s\\S]*<!-- /${name} -->`);
  return marked.test(current) ? current.replace(marked, () => block) : `${current.trimEnd()}\n\n${block}\n`;
}

async function main() {
  const info = machine();
  log(`machine: ${info.cpu}; Node ${info.node}; TF.js ${info.tfjs}; load average ${os.loadavg()[0].toFixed(2)}`);
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'modelstudio-bench-all-'));
  const python = pythonWithTorch();
  const sections = {};
  try {
    if (!values['threads-only']) {
      sections['bench:all'] = await mainTable(info, workspace, python);
      console.log(sections['bench:all']);
    }
    sections['bench:scaling'] = await scalingSection({ quick, python, workspace, machine: info, log });
    console.log(`\n${sections['bench:scaling']}`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  if (values.write) {
    const file = path.join(repoRoot, 'bench', 'RESULTS.md');
    let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const [name, section] of Object.entries(sections)) text = replaceMarked(text, name, section);
    writeFileSync(file, text);
    log(`wrote ${path.relative(repoRoot, file)}`);
  }
}

await main();
