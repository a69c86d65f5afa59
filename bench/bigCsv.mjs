// Loading a big CSV: throughput (MB/s) and peak memory of prepareData on a
// ~200 MB file (30 numeric columns + a class label, ~1.2 M rows), to check
// that the table loader streams: peak RSS should follow the numbers it
// keeps (4 bytes a cell), not the size of the text. Not a test: it prints
// figures.
//
//   node --expose-gc bench/bigCsv.mjs [--rows 1200000] [--columns 30] [--keep]
//
// The file is generated once into the temp folder (seeded, so every run
// reads the same bytes) and reused by later runs; --keep leaves it there
// afterwards, otherwise it is deleted.
import { buildSync } from 'esbuild';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1200000' },
    columns: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(args.rows);
const columns = Number(args.columns);

// prepareData from the sources, bundled the way dist/trainer.js bundles it.
const outdir = mkdtempSync(path.join(tmpdir(), 'model-studio-bench-'));
buildSync({
  absWorkingDir: repoRoot,
  entryPoints: { prepareData: 'src/data/prepareData.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  mainFields: ['module', 'main'],
  logLevel: 'error',
});
const { prepareData } = createRequire(import.meta.url)(path.join(outdir, 'prepareData.js'));

/** mulberry32: the same file on every machine. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(file) {
  const next = random(1234);
  const out = createWriteStream(file);
  const header = [...Array.from({ length: columns }, (_, j) => `f${j}`), 'label'].join(',');
  out.write(`${header}\n`);
  let batch = '';
  for (let i = 0; i < rows; i++) {
    let line = '';
    let first = 0;
    for (let j = 0; j < columns; j++) {
      const value = next() * 100;
      if (j === 0) first = value;
      line += `${value.toFixed(2)},`;
    }
    batch += `${line}class${Math.floor(first / 20)}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await new Promise((resolve) => out.once('drain', resolve));
      batch = '';
    }
  }
  out.write(batch);
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

const workspace = path.join(tmpdir(), 'model-studio-big-csv');
mkdirSync(workspace, { recursive: true });
const csv = path.join(workspace, `big-${rows}x${columns}.csv`);
if (!existsSync(csv)) {
  const started = performance.now();
  await generate(csv);
  console.log(`generated ${csv} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const size = statSync(csv).size;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);

const spec = {
  name: 'big',
  task: 'classification',
  data: { train: { path: path.basename(csv), label: 'label' }, validationSplit: 0.1, features: { normalize: 'standard' } },
  model: { layers: [{ type: 'dense', units: 5, activation: 'softmax' }] },
  training: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 1 },
};

global.gc?.();
const rssBefore = process.memoryUsage().rss;
let peakSampled = rssBefore;
const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, process.memoryUsage().rss)), 20);
let progressCalls = 0;
let lastProgress = [0, 0];
const started = performance.now();
const data = await prepareData(spec, {
  modelFile: path.join(workspace, 'big.model.json'),
  workspaceRoot: workspace,
  onProgress: (bytesRead, totalBytes) => {
    progressCalls++;
    lastProgress = [bytesRead, totalBytes];
    peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  },
});
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
const maxRss = process.resourceUsage().maxRSS * 1024;

const examples = data.train.count + (data.validation?.count ?? 0);
const numericBytes = examples * (columns + 1) * 4;
console.log(`file             ${mb(size)} MB, ${examples.toLocaleString('en-US')} rows x ${columns} features + label`);
console.log(`prepareData      ${seconds.toFixed(1)} s = ${(size / 1024 / 1024 / seconds).toFixed(0)} MB/s (parse, split, normalise)`);
console.log(`progress         ${progressCalls} calls, last ${mb(lastProgress[0])}/${mb(lastProgress[1])} MB`);
console.log(`numbers kept     ${mb(numericBytes)} MB (4 bytes a cell, features + labels)`);
console.log(`RSS before       ${mb(rssBefore)} MB`);
console.log(`peak RSS         ${mb(Math.max(peakSampled, maxRss))} MB (process maxRSS ${mb(maxRss)} MB, sampled ${mb(peakSampled)} MB)`);
console.log(
  `peak - before    ${mb(Math.max(peakSampled, maxRss) - rssBefore)} MB = ${((Math.max(peakSampled, maxRss) - rssBefore) / size).toFixed(2)} x the file size`,
);

global.gc?.();
const after = process.memoryUsage();
console.log(
  `after, GC'd      RSS ${mb(after.rss)} MB: JS heap ${mb(after.heapUsed)} MB, array buffers ${mb(after.arrayBuffers)} MB` +
    (global.gc ? '' : ' (run with --expose-gc for figures after collection)'),
);
if (data.train.count === 0) console.log('no data?');

rmSync(outdir, { recursive: true, force: true });
if (!args.keep) rmSync(csv, { force: true });
