// Sweeps: what running trials side by side and pruning buy. Not a test: it prints figures.
//
//   npm run build && node bench/sweep.mjs [--trials 12] [--backend auto]
//
// On a copy of samples/iris.model.yaml with a dropout layer and a search of
// 12 random trials (learning rate on a log range, the first layer's units,
// the dropout rate; seeded, so every run samples the same 12), side by side
// in one run:
//  (a) the same 12 configurations trained one after another with
//      `model-studio train` (each trial's spec.json as a model file),
//  (b) the sweep with parallel: 2 and no pruning: the wall-time ratio (a)/(b),
//  (c) the same sweep with the median pruner: trial-epochs run / planned,
//      against (b)'s (early stopping ends trials in both).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const { values } = parseArgs({ options: { trials: { type: 'string', default: '12' }, backend: { type: 'string', default: 'auto' } } });
const trials = Number(values.trials);

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** The iris sample with a dropout layer after the first dense layer, and a search block. */
function irisWithSearch(prune) {
  const sample = readFileSync(path.join(repoRoot, 'samples', 'iris.model.yaml'), 'utf8');
  const withDropout = sample.replace('      activation: relu\n', '      activation: relu\n    - type: dropout\n      rate: 0.2\n');
  if (withDropout === sample) throw new Error('samples/iris.model.yaml changed: no "activation: relu" line to add dropout after');
  const search = [
    'search:',
    '  method: random',
    '  metric: val_loss',
    `  trials: ${trials}`,
    '  parallel: 2',
    '  parameters:',
    '    training.learningRate: {min: 0.001, max: 0.3, scale: log}',
    '    model.layers[0].units: {min: 4, max: 64, scale: log, type: int}',
    '    model.layers[1].rate: {min: 0, max: 0.5}',
    ...(prune ? ['  prune: {type: median, afterEpochs: 5}'] : []),
  ];
  return `${withDropout}${search.join('\n')}\n`;
}

/** Runs the CLI with --json; returns its last line (the result) and the wall time. */
function run(args, cwd) {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [cli, ...args, '--json', '--backend', values.backend], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - t0) / 1000;
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  return { result: JSON.parse(last), seconds };
}

function runInfo(runDir) {
  return JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
}

/** Epochs trained and planned over a sweep's trials (from their run.json). */
function epochs(sweepResult) {
  let done = 0;
  let planned = 0;
  for (const trial of sweepResult.sweep.trials) {
    const run = runInfo(trial.runDir);
    done += run.epochsDone ?? 0;
    planned += run.epochs;
  }
  return { done, planned };
}

function main() {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'modelstudio-bench-sweep-'));
  try {
    mkdirSync(path.join(workspace, 'data'));
    copyFileSync(path.join(repoRoot, 'samples', 'data', 'iris.csv'), path.join(workspace, 'data', 'iris.csv'));
    writeFileSync(path.join(workspace, 'plain.model.yaml'), irisWithSearch(false));
    writeFileSync(path.join(workspace, 'pruned.model.yaml'), irisWithSearch(true));
    const load = [os.loadavg()[0]];

    log(`(b) sweep, parallel 2, no pruning: ${trials} trials…`);
    const parallel = run(['sweep', 'plain.model.yaml'], workspace);
    // The same configurations: each trial's spec.json is its whole model file.
    const configs = parallel.result.sweep.trials.map((trial, i) => {
      const file = path.join(workspace, `trial-${i + 1}.model.json`);
      const spec = JSON.parse(readFileSync(path.join(trial.runDir, 'spec.json'), 'utf8'));
      delete spec.search;
      writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
      return file;
    });
    log(`(a) the same ${configs.length} configurations, one \`train\` after another…`);
    let sequentialSeconds = 0;
    let sequentialEpochs = 0;
    for (const file of configs) {
      const { result, seconds } = run(['train', path.basename(file)], workspace);
      sequentialSeconds += seconds;
      sequentialEpochs += result.run.epochsDone ?? 0;
    }
    log('(c) sweep, parallel 2, median pruning…');
    const pruned = run(['sweep', 'pruned.model.yaml'], workspace);
    load.push(os.loadavg()[0]);

    const plain = epochs(parallel.result);
    const cut = epochs(pruned.result);
    const prunedTrials = pruned.result.sweep.trials.filter((t) => t.status === 'pruned').length;
    const backend = runInfo(parallel.result.sweep.trials[0].runDir).backend;
    const best = (r) =>
      r.best ? `val_loss ${r.best.metrics.val_loss.toFixed(3)}, val_accuracy ${r.best.metrics.val_accuracy.toFixed(3)}` : '–';
    const rows = [
      ['(a) train, one after another', `${sequentialSeconds.toFixed(1)} s`, '1.00', `${sequentialEpochs} / ${plain.planned}`, '–', '–'],
      [
        '(b) sweep, parallel 2',
        `${parallel.seconds.toFixed(1)} s`,
        (sequentialSeconds / parallel.seconds).toFixed(2),
        `${plain.done} / ${plain.planned}`,
        '0',
        best(parallel.result),
      ],
      [
        '(c) sweep, parallel 2, median pruning (afterEpochs 5)',
        `${pruned.seconds.toFixed(1)} s`,
        (sequentialSeconds / pruned.seconds).toFixed(2),
        `${cut.done} / ${cut.planned} (${((100 * cut.done) / cut.planned).toFixed(0)} %; ${((100 * cut.done) / plain.done).toFixed(0)} % of (b))`,
        String(prunedTrials),
        best(pruned.result),
      ],
    ];
    const header = ['what', 'wall time', 'speed-up vs (a)', 'trial-epochs run / planned', 'pruned', 'best trial'];
    console.log(
      [
        `${trials} trials of iris (+ dropout), backend ${backend}, ${os.cpus().length} cores, Node ${process.version}; ` +
          `load average ${load[0].toFixed(1)} → ${load[1].toFixed(1)}; early stopping (patience 10) on in every run.`,
        '',
        `| ${header.join(' | ')} |`,
        `|${header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:')).join('|')}|`,
        ...rows.map((row) => `| ${row.join(' | ')} |`),
      ].join('\n'),
    );
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main();
