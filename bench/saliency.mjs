// Does saliency point at the digit? On MNIST test digits, the share of each saliency heatmap's mass inside the
// digit's bounding box (its pixels above 0), against the box's share of the image's area: a heatmap that
// ignored the digit would give the two the same on average. Grad-CAM's share is printed too for a CNN. Not a
// test: it prints figures.
//
//   npm run bench:saliency -- [--model samples/mnist-cnn.model.json] [--epochs 1] [--examples 100] [--run DIR]
//
// Trains the model briefly with the CLI (into a temporary folder; --run: explain that run instead), then
// `explain --rows 0,…,N-1 --json` on the first N test digits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'samples/mnist-cnn.model.json' },
    epochs: { type: 'string', default: '1' },
    examples: { type: 'string', default: '100' },
    run: { type: 'string' },
  },
});

function log(line) {
  process.stderr.write(`[bench saliency] ${line}\n`);
}

/** The CLI's result line; its message thrown when it says error. */
function cliJson(args) {
  const { stdout, stderr } = spawnSync(process.execPath, [cli, ...args, '--json'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28 });
  const last = stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(stderr.trim());
  const result = JSON.parse(last);
  if (result.status === 'error') throw new Error(result.message);
  return result;
}

/** The digit's bounding box (pixels above 0) and the heatmap's mass inside it, as shares of the image and of the mass. */
function boxShares(explanation) {
  const { width, height, pixels } = explanation.image;
  const bytes = Buffer.from(pixels, 'base64');
  let [top, bottom, left, right] = [height, -1, width, -1];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (bytes[r * width + c] === 0) continue;
      [top, bottom, left, right] = [Math.min(top, r), Math.max(bottom, r), Math.min(left, c), Math.max(right, c)];
    }
  }
  let inside = 0;
  let total = 0;
  explanation.heatmap.forEach((row, r) =>
    row.forEach((v, c) => {
      total += v;
      if (r >= top && r <= bottom && c >= left && c <= right) inside += v;
    }),
  );
  return { area: ((bottom - top + 1) * (right - left + 1)) / (width * height), mass: total === 0 ? 0 : inside / total };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const percent = (x) => `${(x * 100).toFixed(1)} %`;

let runDir = values.run && path.resolve(values.run);
const temp = runDir ? undefined : mkdtempSync(path.join(os.tmpdir(), 'bench-saliency-'));
try {
  if (!runDir) {
    log(`training ${values.model} for ${values.epochs} epoch(s)…`);
    const trained = cliJson(['train', values.model, '--epochs', values.epochs, '--out', temp]);
    runDir = trained.runDir;
    log(`test accuracy ${percent(trained.run.test.accuracy)}`);
  }
  const rows = Array.from({ length: Number(values.examples) }, (_, i) => i).join(',');
  for (const method of ['saliency', 'gradcam']) {
    let result;
    try {
      result = cliJson(['explain', runDir, '--method', method, '--rows', rows]);
    } catch (error) {
      log(`${method}: ${error.message}`);
      continue;
    }
    const shares = result.explanations.map(boxShares);
    const right = result.explanations.filter((e) => e.predicted === e.actual).length;
    console.log(
      `${method}${result.layer ? ` (${result.layer})` : ''} on ${shares.length} test digits (${right} predicted right): ` +
        `mass inside the digit's bounding box ${percent(mean(shares.map((s) => s.mass)))}, ` +
        `the box's share of the area ${percent(mean(shares.map((s) => s.area)))}`,
    );
  }
} finally {
  if (temp) rmSync(temp, { recursive: true, force: true });
}
