// Thousands of runs: `runs --json` and the Runs view's tree through the runs index, side by side with the
// same work without it. Not a test: it prints figures.
//
//   npm run build && node bench/runs.mjs [--runs 10000] [--view-runs 2000] [--rounds 3] [--keep]
//
// Writes --runs realistic run folders (run.json, spec.json, metrics.jsonl with 20 epochs of 8 batches) in a
// temp folder: --view-runs of them for one model file (a/), the rest for another (b/). Then, in one run:
//  (a) `model-studio runs --json` over all of them, with the index (index.jsonl in each runs folder) and
//      without it (index deleted before each round: every folder read, as before the index existed);
//  (b) the Runs view's tree data for the one model file: the view's own functions (readRunsFolder through
//      a RunIndexCache, markDeadRuns, bestOfSummary, modelNode's days and first page), on a cold start
//      and on a refresh after one run.json changed; baseline: what the view did before the index: read
//      every run.json and metrics.jsonl (readRun, readMetrics, bestMetric);
//  (c) this process's memory (RSS, heap) before and after loading the view's data and all rows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { generateRuns } from './runFolders.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    'view-runs': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const total = Number(values.runs);
const viewRuns = Math.min(total, Number(values['view-runs']));
const rounds = Number(values.rounds);

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** The view's and the index's functions from src/, bundled as esbuild.mjs bundles the extension (no vscode needed). */
function loadModules() {
  const outfile = path.join(repoRoot, 'out', 'bench', 'runsView.cjs');
  buildSync({
    absWorkingDir: repoRoot,
    stdin: {
      contents: [
        "export { readRunsFolder, readRunRows, RunIndexCache, RUN_INDEX_FILE } from './src/runFolder/runIndex';",
        "export { markDeadRuns } from './src/runFolder/deadRuns';",
        "export { readRun, readMetrics } from './src/runFolder/readRunFolder';",
        "export { bestMetric, bestOfSummary } from './src/runFolder/runSummary';",
        "export { page, RUNS_PAGE } from './src/runFolder/runGroups';",
        "export { modelNode } from './src/workbench/features/runsViewNodes';",
      ].join('\n'),
      resolveDir: repoRoot,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  return createRequire(import.meta.url)(outfile);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function deleteIndexes(root, m) {
  for (const name of ['a', 'b']) rmSync(path.join(root, name, '.modelstudio', 'runs', m.RUN_INDEX_FILE), { force: true });
}

/**
 * `runs --json` over `root`: wall time, and the CPU time the CLI used (user + system, from bash's `times`),
 * which a busy shared machine inflates less. Its output goes to a file, checked for the count.
 */
function timeCli(root) {
  const out = path.join(root, 'runs.jsonl');
  const script = 'node "$1" runs "$2" --json > "$3"; status=$?; times; exit $status';
  const t0 = performance.now();
  const result = spawnSync('bash', ['-c', script, 'bench', cli, root, out], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (result.status !== 0) throw new Error(`runs exited ${result.status}: ${result.stderr.slice(-2000)}`);
  const last = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').at(-1));
  if (last.count !== total) throw new Error(`runs listed ${last.count} runs, not ${total}`);
  // `times`: the shell's user and system time, then its children's: "0m1.234s 0m0.123s".
  const seconds = (text) => {
    const match = /(\d+)m([\d.]+)s/.exec(text);
    return match ? Number(match[1]) * 60 + Number(match[2]) : 0;
  };
  const children = result.stdout.trim().split('\n').at(-1).split(/\s+/);
  return { wall, cpu: (seconds(children[0]) + seconds(children[1])) * 1000 };
}

/** The view's tree data for one model file's runs folder, as RunsView.load() computes it, and the items shown at first. */
async function viewData(m, runsDir, cache) {
  const runs = await m.readRunsFolder(runsDir, cache);
  await m.markDeadRuns(
    runs.filter((r) => r.run.status === 'running'),
    {},
  );
  const modelFile = path.join(path.dirname(path.dirname(runsDir)), 'a.model.json');
  const nodes = runs.map((r) => ({
    kind: 'run',
    modelFile,
    runDir: r.runDir,
    run: r.run,
    status: r.run.status,
    best: m.bestOfSummary(r.epochs),
  }));
  const model = m.modelNode(modelFile, nodes, [], [], Date.now());
  const firstDay = model.days?.[0];
  const shown = firstDay ? m.page(firstDay.runs, m.RUNS_PAGE).runs.length : nodes.length;
  return { model, items: 1 + (model.days?.length ?? nodes.length) + (firstDay ? shown + 1 : 0) };
}

/** What the view did before the index: every run.json and metrics.jsonl read, the best metric from the records. */
async function viewDataBefore(m, runsDir) {
  const { readdirSync } = await import('node:fs');
  const dirs = readdirSync(runsDir)
    .filter((name) => name !== m.RUN_INDEX_FILE)
    .map((name) => path.join(runsDir, name));
  return Promise.all(dirs.map(async (runDir) => ({ run: await m.readRun(runDir), best: m.bestMetric(await m.readMetrics(runDir)) })));
}

async function main() {
  const m = loadModules();
  const root = mkdtempSync(path.join(os.tmpdir(), 'model-studio-runs-bench-'));
  try {
    let t0 = performance.now();
    generateRuns(root, total, viewRuns);
    log(`wrote ${total} run folders (${viewRuns} of a.model.json) in ${((performance.now() - t0) / 1000).toFixed(1)} s under ${root}`);

    // (a) runs --json, without the index and with it, alternating.
    const without = [];
    const withIndex = [];
    for (let round = 0; round < rounds; round++) {
      deleteIndexes(root, m);
      without.push(timeCli(root)); // writes the index as it goes
      withIndex.push(timeCli(root));
    }

    // (b) + (c) the view's data, in this process.
    const runsDir = path.join(root, 'a', '.modelstudio', 'runs');
    global.gc?.();
    const before = process.memoryUsage();
    const cold = [];
    const refresh = [];
    const baseline = [];
    let data;
    for (let round = 0; round < rounds; round++) {
      t0 = performance.now();
      await viewDataBefore(m, runsDir);
      baseline.push(performance.now() - t0);
      const cache = new m.RunIndexCache();
      t0 = performance.now();
      data = await viewData(m, runsDir, cache);
      cold.push(performance.now() - t0);
      cache.invalidate(data.model.runs[5].runDir);
      t0 = performance.now();
      data = await viewData(m, runsDir, cache);
      refresh.push(performance.now() - t0);
    }
    const afterView = process.memoryUsage();
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const rows = await m.readRunRows(root);
    const rowsMs = performance.now() - t0;
    const rowsCpu = process.cpuUsage(cpu0);
    const afterRows = process.memoryUsage();

    const cpus = os.cpus();
    console.log(
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores; Node ${process.version}; load average ${os.loadavg()[0].toFixed(1)} (median of ${rounds} rounds)`,
    );
    console.log('');
    console.log(`| what | with the index | without (baseline, same run) | target |`);
    console.log(`|---|---:|---:|---|`);
    const wall = (xs) => ms(median(xs.map((x) => x.wall)));
    const cpu = (xs) => ms(median(xs.map((x) => x.cpu)));
    console.log(`| \`runs --json\`, ${total} runs: wall, process start to exit | ${wall(withIndex)} | ${wall(without)} | under 2 s |`);
    console.log(`| \`runs --json\`, ${total} runs: CPU time (user + system) | ${cpu(withIndex)} | ${cpu(without)} | |`);
    console.log(
      `| Runs view tree data, ${viewRuns} runs of one file, cold (after a reload) | ${ms(median(cold))} | ${ms(median(baseline))} | under 1 s |`,
    );
    console.log(`| Runs view refresh after one run.json changed | ${ms(median(refresh))} | ${ms(median(baseline))} | |`);
    console.log('');
    console.log(
      `The tree shows ${data.items} items at first for ${viewRuns} runs (${data.model.days?.length ?? 0} days, the newest day's first page and "Show more").`,
    );
    console.log(
      `readRunRows over all ${rows.length} runs in this process, with the index: ${ms(rowsMs)} (CPU ${ms((rowsCpu.user + rowsCpu.system) / 1000)}).`,
    );
    console.log('');
    console.log(`| memory of this process | RSS | heap used |`);
    console.log(`|---|---:|---:|`);
    console.log(`| before loading | ${mb(before.rss)} | ${mb(before.heapUsed)} |`);
    console.log(`| after the view's data (${viewRuns} runs, ${rounds} rounds) | ${mb(afterView.rss)} | ${mb(afterView.heapUsed)} |`);
    console.log(`| after all ${rows.length} rows | ${mb(afterRows.rss)} | ${mb(afterRows.heapUsed)} |`);
  } finally {
    if (values.keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

await main();
