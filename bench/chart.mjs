/* global document, window, requestAnimationFrame, MouseEvent -- page.evaluate callbacks run in the browser */
// Frame time of the training panel's charts with 1k and with 100k batch
// points: the real webview bundle (dist/webview/training.js) in headless
// Chromium (Debian's, driven by playwright-core), fed by postMessage as the
// extension host feeds it. Not a test: it prints a table. Goal: < 16 ms a frame.
//
//   npm run build && node bench/chart.mjs [--points 1000,100000] [--seconds 3]
//
// For each size: the panel gets a run of N batch records (plus an epoch
// record with val_loss and accuracy per epoch) in one `reset`, then
//   * stream: one new batch record a frame for --seconds (what a live run
//     does, at most once a frame), timing each redraw: our data work
//     (smoothing, decimation) plus Chart.js drawing both charts, from the
//     panel's own performance.measure('modelStudio.draw');
//   * hover: the pointer moves across the loss chart, one step a frame
//     (Chart.js redraws the chart with the tooltip): time between frames;
//   * zoom: drag-zooms and resets, redrawing with a new range each time.
// Frame intervals are floored at ~16.7 ms by the 60 Hz animation clock;
// the draw times are what the panel itself spends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '../scripts/codeServer.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '1000,100000' },
    seconds: { type: 'string', default: '3' },
  },
});
const sizes = values.points.split(',').map(Number);
const seconds = Number(values.seconds);

/** The page a webview would be, with VS Code's dark theme variables and a stub of acquireVsCodeApi. */
function pageHtml() {
  const vars = {
    '--vscode-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px',
  };
  const style = Object.entries(vars)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ');
  return `<!DOCTYPE html>
<html lang="en" style="${style}">
<head>
  <meta charset="UTF-8">
  <link rel="stylesheet" href="${pathToFileURL(path.join(repo, 'media', 'common.css'))}">
  <link rel="stylesheet" href="${pathToFileURL(path.join(repo, 'media', 'training.css'))}">
  <style>body { background: #1f1f1f; width: 760px; }</style>
  <script>
    window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState() {} });
    // The panel measures each redraw (performance.measure 'modelStudio.draw') and clears it at once: observe them.
    window.draws = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name === 'modelStudio.draw') window.draws.push(entry.duration);
    }).observe({ type: 'measure' });
  </script>
</head>
<body class="vscode-dark">
  <main id="app"></main>
  <script src="${pathToFileURL(path.join(repo, 'dist', 'webview', 'training.js'))}"></script>
</body>
</html>`;
}

/** A run of `n` batch records over 20 epochs: a noisy decaying loss, accuracy, and validation per epoch. */
function records(n) {
  const epochs = 20;
  const perEpoch = Math.ceil(n / epochs);
  const out = [];
  let time = Date.parse('2025-01-01T00:00:00Z');
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let e = 1; e <= epochs; e++) {
    for (let b = 0; b < perEpoch && out.length < n + e; b++) {
      const step = (e - 1) * perEpoch + b;
      const loss = 2 * Math.exp(-step / (n / 4)) + 0.05 + 0.3 * random();
      out.push({ epoch: e, batch: b, loss, accuracy: 1 - loss / 2.5, time: (time += 5) });
    }
    out.push({
      epoch: e,
      batch: null,
      loss: 2 * Math.exp(-e / 5),
      accuracy: 0.9,
      val_loss: 2.1 * Math.exp(-e / 5),
      val_accuracy: 0.88,
      time: (time += 50),
    });
  }
  return { records: out, perEpoch, epochs };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

async function measure(page, n) {
  const { records: all, perEpoch, epochs } = records(n);
  const batches = all.filter((r) => r.batch !== null).length;
  await page.goto(`file://${htmlFile}`);
  await page.waitForFunction(() => document.getElementById('name') !== null);
  // Keep the last epoch open so streamed records extend the curve.
  const initial = all.slice(0, -1);
  const reset = {
    type: 'reset',
    modelFile: '/bench/bench.model.json',
    modelName: 'bench',
    run: {
      status: 'running',
      runId: 'bench',
      epochs,
      batchesPerEpoch: perEpoch + 1000,
      trainSamples: 32 * perEpoch,
      startedAt: '2025-01-01T00:00:00Z',
      backend: 'wasm',
    },
    records: initial,
  };
  const firstDraw = await page.evaluate(async (msg) => {
    window.draws = [];
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: msg }));
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => setTimeout(r, 0)); // observers are called after the frame
      if (window.draws.length > 0) return { draw: window.draws[0], total: performance.now() - t0 };
    }
  }, reset);

  // Stream: one batch record a frame.
  const stream = await page.evaluate(
    async ({ seconds: s, last }) => {
      window.draws = [];
      const intervals = [];
      let previous = performance.now();
      const end = previous + s * 1000;
      let batch = last.batch;
      let time = last.time;
      while (performance.now() < end) {
        batch++;
        time += 5;
        window.dispatchEvent(
          new MessageEvent('message', {
            data: {
              type: 'metrics',
              runId: 'bench',
              records: [{ epoch: last.epoch, batch, loss: 0.1 + Math.random() * 0.1, accuracy: 0.95, time }],
            },
          }),
        );
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        intervals.push(now - previous);
        previous = now;
      }
      await new Promise((r) => setTimeout(r, 50));
      return { draws: window.draws, intervals };
    },
    { seconds, last: initial[initial.length - 1] },
  );

  // Hover: the pointer crosses the loss chart, one step a frame (events made
  // in the page, so no round trip to the driver sits between frames).
  const box = await page.locator('#loss-chart canvas').boundingBox();
  const hoverIntervals = await page.evaluate(async ({ x, y, width, height }) => {
    const canvas = document.querySelector('#loss-chart canvas');
    const intervals = [];
    let previous = await new Promise((r) => requestAnimationFrame(r));
    for (let i = 0; i <= 120; i++) {
      const clientX = x + 40 + ((width - 60) * (i % 60)) / 60;
      canvas.dispatchEvent(new MouseEvent('mousemove', { clientX, clientY: y + height / 2, bubbles: true }));
      const now = await new Promise((r) => requestAnimationFrame(r));
      intervals.push(now - previous);
      previous = now;
    }
    return intervals;
  }, box);

  // Zoom: drag over a third of the axis, then reset with a double-click; each redraws both charts.
  await page.evaluate(() => {
    window.draws = [];
  });
  for (let i = 0; i < 5; i++) {
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 3 });
    await page.mouse.up();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  const zoomDraws = await page.evaluate(() => window.draws);
  const drawn = await page.locator('#loss-chart').getAttribute('data-drawn-points');
  return {
    n: batches,
    firstDraw,
    stream: stats(stream.draws),
    frames: stats(stream.intervals),
    hover: stats(hoverIntervals.slice(2)),
    zoom: stats(zoomDraws),
    drawn,
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'modelstudio-bench-chart-'));
const htmlFile = path.join(dir, 'panel.html');
writeFileSync(htmlFile, pageHtml());
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const rows = [];
  for (const n of sizes) rows.push(await measure(page, n));
  if (errors.length) throw new Error(`the panel threw: ${errors.join('; ')}`);
  const f = (x) => x.toFixed(1).padStart(6);
  console.log(
    `Training panel frame time (headless Chromium ${browser.version()}, --disable-gpu, 760 px wide, smoothing 0.6, loss + accuracy charts)`,
  );
  console.log(
    'batch points | first draw | stream redraw ms: median  p95   max | frame interval ms: median  p95 | hover frame ms: median  p95 | zoom redraw ms: median  max | points drawn (loss chart)',
  );
  for (const r of rows) {
    console.log(
      `${String(r.n).padStart(12)} | ${f(r.firstDraw.draw)} ms  |                 ${f(r.stream.median)} ${f(r.stream.p95)} ${f(r.stream.max)} |                ${f(r.frames.median)} ${f(r.frames.p95)} |            ${f(r.hover.median)} ${f(r.hover.p95)} |           ${f(r.zoom.median)} ${f(r.zoom.max)} | ${r.drawn}`,
    );
  }
  console.log(`(${rows.map((r) => `${r.n}: ${r.stream.n} streamed redraws`).join(', ')}; goal: redraw < 16 ms)`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
