// The scaling table of bench/all.mjs (#18): our trainer on wasm with 1, 2, …
// threads (TrainRequest.threads) up to this machine's cores (capped at 8),
// the MLP and CNN of bench/throughput.mjs, next to PyTorch CPU with the same
// thread counts, all in one run. Each count N > 1 trains side by side with a
// 1-thread trainer, the two taking turns epoch by epoch (runThreadsPaired):
// the speed-up is the median of the paired N/1 ratios, not two runs minutes
// apart on a machine whose load drifts. Next to it, the machine's own
// ceiling for N cores: N independent 1-thread trainers at once against one
// alone (runConcurrentPaired), which no split of one run can beat.
// Usage: bench/all.mjs's header.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLOCK_TICKS_PER_SECOND,
  formatRatio,
  median,
  medianWithInterval,
  MODELS,
  pairedRatios,
  runConcurrentPaired,
  runThreadsPaired,
  writeModelFile,
} from './throughput.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** #18's targets, checked against this run's figures. */
const TARGETS = { speedUp: { mlp: 1.7, cnn: 1.6 }, cnnOverTorch: 0.6 };

const LABELS = { mlp: 'MLP', cnn: 'CNN' };

/** Examples per epoch as in bench/all.mjs's wasm rows: 2–3 s an epoch at 1 thread. */
const COUNTS = { mlp: 16384, cnn: 1024 };

const fmt = (x) => (x === undefined || Number.isNaN(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const ratioCell = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(2));
const verdict = (value, target) => `${value.toFixed(2)}× (target ≥ ${target}×): ${value >= target ? 'met' : 'NOT met'}`;

/**
 * Wall seconds, CPU seconds the machine has been busy (/proc/stat: all but idle and iowait; steal counts, as
 * time another guest took) and CPU seconds of this process with its exited children (/proc/self/stat). The
 * difference over a run is what other processes used: the load average alone cannot tell them from us.
 */
function cpuClock() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const self = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number);
  return {
    wall: performance.now() / 1000,
    machine: (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND,
    ours: self.reduce((a, b) => a + b, 0) / CLOCK_TICKS_PER_SECOND,
  };
}

/** PyTorch's samples/s at `threads` for both models, or `{ error }`. */
function torchRates(python, threads, epochs) {
  try {
    const script = path.join(repoRoot, 'bench', 'torchBench.py');
    const args = [script, '--threads', String(threads), '--epochs', String(epochs)];
    return JSON.parse(execFileSync(python, args, { encoding: 'utf8' }));
  } catch (error) {
    return {
      error: String(error.stderr || error.message)
        .trim()
        .split('\n')
        .at(-1),
    };
  }
}

/**
 * Runs the pairs and PyTorch, and returns the section's markdown. `python`:
 * an interpreter that imports torch, or undefined (the table says so).
 */
export async function scalingSection({ quick, python, workspace, machine, log }) {
  const maxThreads = Math.min(os.availableParallelism(), 8);
  const counts = Array.from({ length: maxThreads }, (_, i) => i + 1);
  const loadBefore = os.loadavg()[0];
  const clockBefore = cpuClock();
  // Per thread count and model; rounds swap which side goes first.
  const [epochs, rounds] = quick ? [3, 1] : [6, 2];
  // PyTorch's epochs take a fraction of a second: more of them steady its median.
  const torchEpochs = quick ? 4 : 8;
  const modelFiles = Object.fromEntries(
    Object.entries(COUNTS).map(([name, count]) => [
      name,
      writeModelFile(workspace, `scaling-${name}`, { ...MODELS[name], trainCount: count }, epochs),
    ]),
  );
  /** runs[name][n]: the runThreadsPaired results of n threads against 1. */
  const runs = { mlp: {}, cnn: {} };
  /** ceilings[name][n]: the runConcurrentPaired results of n 1-thread trainers at once against one alone. */
  const ceilings = { mlp: {}, cnn: {} };
  const granted = { mlp: {}, cnn: {} };
  const torch = {};
  const warnings = [];
  if (python) {
    log(`scaling: PyTorch 1 thread…`);
    torch[1] = torchRates(python, 1, torchEpochs);
  }
  const perEpoch = (side) => side.rates.wall.map((r) => r.toFixed(0)).join(' ');
  // PyTorch at N right after our pairs at N: both see the machine as it is then.
  for (const n of counts.slice(1)) {
    for (const name of ['mlp', 'cnn']) {
      runs[name][n] = [];
      for (let round = 0; round < rounds; round++) {
        log(`scaling: ${name} wasm ${n} threads vs 1 thread, round ${round + 1}/${rounds}`);
        const run = await runThreadsPaired({
          modelFile: modelFiles[name],
          workspaceRoot: workspace,
          epochs,
          threads: n,
          first: round % 2 ? 'one' : 'many',
        });
        // The trainer says `wasm: N threads` when it got them; the 1-thread build says nothing.
        const line = run.many.logs.find((l) => l.startsWith('wasm: ')) ?? 'no `wasm: N threads` line (1 thread)';
        const got = Number(/^wasm: (\d+) threads$/.exec(line)?.[1] ?? 1);
        granted[name][n] = Math.min(granted[name][n] ?? got, got);
        if (got !== n) warnings.push(`asked ${n} threads for the ${LABELS[name]}, the trainer said: ${line}`);
        if (run.one.logs.some((l) => /threads/.test(l))) warnings.push(`the 1-thread trainer said: ${run.one.logs.join('; ')}`);
        log(`  ${line} · ${n} threads ${perEpoch(run.many)} · 1 thread ${perEpoch(run.one)} samples/s per epoch`);
        runs[name][n].push(run);
      }
      ceilings[name][n] = [];
      for (let round = 0; round < rounds; round++) {
        log(`scaling: ${name} ceiling, ${n} 1-thread trainers at once vs 1 alone, round ${round + 1}/${rounds}`);
        const run = await runConcurrentPaired({
          modelFile: modelFiles[name],
          workspaceRoot: workspace,
          epochs,
          copies: n,
          first: round % 2 ? 'alone' : 'group',
        });
        log(`  ${n} at once ${perEpoch(run.group)} · alone ${perEpoch(run.alone)} samples/s per epoch`);
        ceilings[name][n].push(run);
      }
    }
    if (python) {
      log(`scaling: PyTorch ${n} threads…`);
      torch[n] = torchRates(python, n, torchEpochs);
    }
  }
  const clockAfter = cpuClock();
  const cores = (key) => (clockAfter[key] - clockBefore[key]) / (clockAfter.wall - clockBefore.wall);
  const others = cores('machine') - cores('ours');
  if (others > 0.25) {
    warnings.push(
      `other processes kept ${others.toFixed(1)} of ${os.cpus().length} cores busy during this run: a thread without a free core slows every kernel, so these speed-ups understate an idle machine's`,
    );
  }
  for (const warning of warnings) log(`WARNING: ${warning}`);

  const afterFirst = (sides) => median(sides.flatMap((side) => side.rates.wall.slice(1)));
  const torchCell = (n, name) => (torch[n]?.error ? 'failed' : fmt(torch[n]?.[name]));
  const torchRatio = (n, name) => torch[n]?.[name] / torch[1]?.[name];
  const rows = [];
  const speedUps = { mlp: {}, cnn: {} };
  const ceilingOf = { mlp: {}, cnn: {} };
  /** Our 1-thread samples/s: every 1-thread side of the run, all counts. */
  const oneThread = {};
  for (const name of ['mlp', 'cnn']) {
    const all = Object.values(runs[name]).flat();
    oneThread[name] = all.length ? afterFirst(all.map((run) => run.one)) : undefined;
    const label = `${LABELS[name]}, ${COUNTS[name].toLocaleString('en')} per epoch`;
    rows.push([
      label,
      '1',
      '1',
      fmt(oneThread[name]),
      '–',
      '1 (baseline)',
      '1',
      '–',
      torchCell(1, name),
      ...(torch[1]?.[name] ? ['1', '1'] : ['–', '–']),
    ]);
    for (const n of counts.slice(1)) {
      const pairs = runs[name][n];
      const ratio = medianWithInterval(pairedRatios(pairs, 'wall', ['many', 'one']));
      speedUps[name][n] = ratio;
      const ceiling = medianWithInterval(pairedRatios(ceilings[name][n], 'wall', ['group', 'alone']));
      ceilingOf[name][n] = ceiling;
      rows.push([
        label,
        String(n),
        granted[name][n] === n ? String(n) : `**${granted[name][n]}** (fell back)`,
        fmt(afterFirst(pairs.map((run) => run.many))),
        fmt(afterFirst(pairs.map((run) => run.one))),
        formatRatio(ratio),
        ratioCell(ratio.median / n),
        `${formatRatio(ceiling)}; ours ${((100 * ratio.median) / ceiling.median).toFixed(0)} % of it`,
        torchCell(n, name),
        ratioCell(torchRatio(n, name)),
        ratioCell(torchRatio(n, name) / n),
      ]);
    }
  }

  const checks = [];
  for (const name of ['mlp', 'cnn']) {
    const two = speedUps[name][2];
    checks.push(
      two
        ? `${LABELS[name]} wasm 2 threads / 1 thread (paired, wall clock): ${verdict(two.median, TARGETS.speedUp[name])}; ` +
            `this machine's ceiling, two 1-thread trainers at once: ${ceilingOf[name][2].median.toFixed(2)}× ` +
            `(${ceilingOf[name][2].low.toFixed(2)}–${ceilingOf[name][2].high.toFixed(2)})` +
            (granted[name][2] === 2 ? '' : ` (void: the trainer ran ${granted[name][2]} thread, see the WARNING)`)
        : `${LABELS[name]} wasm 2 threads / 1 thread: not measured (this machine has 1 core)`,
    );
  }
  const torchCnn = torch[1]?.cnn;
  for (const n of [1, maxThreads].filter((n, i, all) => all.indexOf(n) === i)) {
    const ours = n === 1 ? oneThread.cnn : afterFirst(runs.cnn[n].map((run) => run.many));
    const what = `CNN wasm ${n} thread${n > 1 ? 's' : ''} / PyTorch 1 thread`;
    checks.push(
      !torchCnn
        ? `${what}: not measured (PyTorch ${python ? 'failed' : 'absent'})`
        : ours === undefined
          ? `${what}: not measured (1 core: no pairs ran)`
          : `${what} (same run, not paired): ${verdict(ours / torchCnn, TARGETS.cnnOverTorch)}`,
    );
  }

  const torchVersion = Object.values(torch).find((t) => t.torch)?.torch;
  const torchNote = python
    ? `PyTorch ${torchVersion ?? '(failed)'} CPU (bench/torchBench.py --threads N, ${torchEpochs} epochs, median after the first), run after our pairs at each N.` +
      Object.entries(torch)
        .filter(([, t]) => t.error)
        .map(([n, t]) => ` At ${n} threads it failed: ${t.error}`)
        .join('')
    : '';
  if (!python) {
    checks.push(
      'PyTorch is absent here (`import torch` failed): install it with `apt-get install python3-torch` (Debian), or point --python at an interpreter that has it.',
    );
  }
  for (const check of checks) log(check);

  const header = [
    'model',
    'threads',
    'granted',
    'ours, N threads',
    'ours, 1 thread (same pairs)',
    'speed-up (paired)',
    'efficiency',
    'ceiling: N 1-thread trainers at once / 1 alone',
    'PyTorch, N threads',
    'PyTorch speed-up (separate runs)',
    'PyTorch efficiency',
  ];
  return [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.memory}; Node ${machine.node}; TF.js ${machine.tfjs}; ` +
      `load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}; cores busy on average: ${cores('ours').toFixed(2)} by this bench, ${others.toFixed(2)} by other processes; threads 1…${maxThreads} (os.availableParallelism(), at most 8).`,
    '',
    `Our trainer (dist/trainer.js, wasm, \`threads: N\` in its train request) with N threads trains side by side with a 1-thread trainer, the two taking turns epoch by epoch (one is held with SIGSTOP while the other trains), ${rounds} round${rounds > 1 ? 's' : ''} of ${epochs} epochs per N and model, the rounds swapping which goes first. ` +
      'speed-up: the median over neighbouring epochs (after the first) of N-thread/1-thread samples/s by wall clock, with its 95 % bootstrap interval; efficiency: speed-up / N. ' +
      "samples/s: each side's median epoch after the first; the 1-thread row pools every 1-thread side of the run. granted: the count in the trainer's `wasm: N threads` log line. " +
      'ceiling: what the machine gives N cores with nothing shared: N 1-thread trainers train at the same time, taking turns epoch by epoch with one 1-thread trainer alone; ' +
      "their summed samples over the group epoch's wall time, against the one alone, paired as the speed-up (an upper bound: members that finish an epoch first wait stopped, so the last one ends it alone). " +
      torchNote,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...checks.map((line) => `* ${line}`),
    ...warnings.map((line) => `* WARNING: ${line}`),
  ].join('\n');
}
