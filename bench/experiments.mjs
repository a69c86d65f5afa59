/* global document -- functions passed to frame.evaluate / waitForFunction run in the browser */
// Thousands of runs in a real VS Code (code-server + Chromium, the extension from this checkout): the Runs
// view's tree, the experiments table's first render, and the extension host's memory. Not a test: it prints
// figures, never asserts times.
//
//   npm run build && MODEL_STUDIO_CACHE=/tmp/cs1 node bench/experiments.mjs [--runs 10000] [--view-runs 2000]
//     [--baseline-runs 100] [--keep]
//
// Two workspaces of bench/runFolders.mjs's run folders, measured one after the other in one run of the bench:
// the large one (--runs, --view-runs of them for a/a.model.json, the rest for b/b.model.json) and a baseline
// of --baseline-runs runs of a/a.model.json. In each:
//  (0) `model-studio runs --json` over the workspace: the first (it writes the runs index, as the trainer
//      would have at each run's end) and the median of 3 more;
//  (a) the Runs view: from "Focus on Runs View" (the palette's Enter) to a.model.json's row with its count of runs;
//  (b) the experiments table ("Open Experiments Table" on the workspace folder: every run): from the
//      palette's Enter to the first rows drawn in the webview;
//  (c) the extension host's RSS (the code-server child started with --type=extensionHost): before the Runs
//      view, before the table, after its first rows, and 5 s later.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, startCodeServer, workbenchUrl } from '../scripts/codeServer.mjs';
import { extensionLog } from '../test/e2e/helpers.mjs';
import { generateRuns } from './runFolders.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    'view-runs': { type: 'string', default: '2000' },
    'baseline-runs': { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false },
  },
});

function log(line) {
  process.stderr.write(`[bench experiments] ${line}\n`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb) => (kb === undefined ? '–' : `${Math.round(kb / 1024)} MB`);

/** `runs --json` over `root`, wall time in ms; checks it listed `count` runs. */
function timeRuns(root, count) {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [cli, 'runs', root, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = performance.now() - t0;
  const last = JSON.parse(out.trim().split('\n').at(-1));
  if (last.count !== count) throw new Error(`runs listed ${last.count} runs, not ${count}`);
  return wall;
}

/** The RSS (KiB) of the extension host among code-server's descendants (`ps`: pid, ppid, rss, command line). */
function extensionHostRss(serverPid) {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' }).stdout;
  const procs = ps
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, ppid, rss, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), rss: Number(rss), args: args.join(' ') };
    });
  const ours = new Set([serverPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.find((p) => ours.has(p.pid) && p.args.includes('--type=extensionHost'))?.rss;
}

/** Opens the Command Palette on `title`; returns a function that presses Enter on it and resolves at that moment. */
async function paletteReady(page, title) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`).first();
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    if (
      await row.waitFor({ timeout: 3000 }).then(
        () => true,
        () => false,
      )
    )
      break;
    await page.keyboard.press('Escape');
    if (attempt > 20) throw new Error(`"${title}" is not in the Command Palette`);
  }
  return async () => {
    const at = performance.now();
    await page.keyboard.press('Enter');
    return at;
  };
}

/** The figures of one workspace of `total` runs, `viewRuns` of them a/a.model.json's. */
async function measure(browser, total, viewRuns) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'modelstudio-bench-experiments-'));
  const workspace = path.join(tmp, 'workspace');
  let server;
  try {
    let t0 = performance.now();
    generateRuns(workspace, total, viewRuns);
    log(`${total} run folders written in ${seconds(performance.now() - t0)}`);
    const runsFirst = timeRuns(workspace, total);
    const runsAgain = median([0, 1, 2].map(() => timeRuns(workspace, total)));
    log(`runs --json: first ${seconds(runsFirst)} (writes the index), then ${seconds(runsAgain)}`);

    server = await startCodeServer({ stateDir: path.join(tmp, 'code-server') });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(workbenchUrl(server, { folder: workspace, extensionDir: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'a' }).first().waitFor({ timeout: 60_000 });
    // The extension activates on the workspace's model files: wait for its host, then let it settle.
    let rssStart;
    for (let i = 0; i < 300 && rssStart === undefined; i++) {
      rssStart = extensionHostRss(server.pid);
      if (rssStart === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3000));
    rssStart = extensionHostRss(server.pid);

    // (a) the Runs view.
    const enterView = await paletteReady(page, 'Focus on Runs View');
    t0 = await enterView();
    await page
      .locator('.monaco-list-row', { hasText: 'a.model.json' })
      .filter({ hasText: `${viewRuns} run` })
      .first()
      .waitFor({ timeout: 120_000 });
    const viewMs = performance.now() - t0;
    const viewRows = await page.locator('.sidebar .monaco-list-row').count();
    log(`Runs view: a.model.json (${viewRuns} runs) shown after ${seconds(viewMs)}; ${viewRows} rows in the tree`);
    await new Promise((r) => setTimeout(r, 2000));
    const rssBeforeTable = extensionHostRss(server.pid);

    // (b) the experiments table over the workspace folder: every run.
    const enterTable = await paletteReady(page, 'Open Experiments Table');
    t0 = await enterTable();
    let frame;
    while (!frame) {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        if (await f.$('#runs tbody tr[data-run-dir]').catch(() => null)) frame = f;
      }
      if (!frame) {
        if (performance.now() - t0 > 180_000) throw new Error('no rows in the experiments table after 180 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const tableMs = performance.now() - t0;
    const rssAfterTable = extensionHostRss(server.pid);
    const drawn = await frame.evaluate(() => ({
      rows: document.querySelectorAll('#runs tbody tr[data-run-dir]').length,
      listed: Number(document.querySelector('#runs')?.dataset.rows),
      columns: document.querySelectorAll('#runs thead th[data-column]').length,
    }));
    log(`table: first rows after ${seconds(tableMs)} (${drawn.rows} drawn of ${drawn.listed}, ${drawn.columns} columns)`);
    // A long list's newest rows come first; the rest follow in a second message.
    await frame.waitForFunction((n) => Number(document.querySelector('#runs')?.dataset.rows) === n, total, { timeout: 180_000 });
    const allMs = performance.now() - t0;
    log(`table: all ${total} runs listed after ${seconds(allMs)}`);
    await new Promise((r) => setTimeout(r, 5000));
    const rssLater = extensionHostRss(server.pid);
    await page.close();
    // The extension's own account (its output channel): from the view being made (activation) to its first list; the table's read and post.
    const text = extensionLog(server);
    const listed = /runs view: (\d+) runs listed in (\d+) ms/.exec(text);
    const posted = /experiments table: (\d+) runs read in (\d+) ms, posted in (\d+) ms/.exec(text);
    const host = {
      viewMs: listed ? Number(listed[2]) : undefined,
      readMs: posted ? Number(posted[2]) : undefined,
      postMs: posted ? Number(posted[3]) : undefined,
    };
    log(`extension log: ${listed?.[0] ?? 'no runs view line'}; ${posted?.[0] ?? 'no experiments table line'}`);
    return {
      total,
      viewRuns,
      runsFirst,
      runsAgain,
      viewMs,
      tableMs,
      allMs,
      drawn,
      host,
      rssStart,
      rssBeforeTable,
      rssAfterTable,
      rssLater,
    };
  } finally {
    server?.stop();
    if (values.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function main() {
  const total = Number(values.runs);
  const viewRuns = Math.min(total, Number(values['view-runs']));
  const baselineRuns = Number(values['baseline-runs']);
  const loadBefore = os.loadavg()[0];
  const browser = await launchChromium();
  let large;
  let small;
  try {
    small = await measure(browser, baselineRuns, baselineRuns);
    large = await measure(browser, total, viewRuns);
  } finally {
    await browser.close();
  }
  const cpus = os.cpus();
  console.log(
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores; ` +
      `code-server + Chromium (headless), the extension from source; load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log('');
  console.log(`| what | ${large.total.toLocaleString('en')} runs | baseline: ${small.total} runs (same run) | target |`);
  console.log('|---|---:|---:|---|');
  const row = (what, f, target = '') => console.log(`| ${what} | ${f(large)} | ${f(small)} | ${target} |`);
  row('`runs --json`, first (writes the index)', (r) => seconds(r.runsFirst));
  row('`runs --json` with the index (median of 3)', (r) => seconds(r.runsAgain), '< 2 s');
  row("Runs view: Enter on Focus on Runs View → a.model.json's row", (r) => `${seconds(r.viewMs)} (${r.viewRuns} runs)`, '< 1 s (2,000)');
  const opt = (ms) => (ms === undefined ? '–' : seconds(ms));
  row("… the extension's part: the view made (activation) → its first list", (r) => opt(r.host.viewMs));
  row('experiments table: Enter on Open Experiments Table → first rows drawn', (r) => seconds(r.tableMs), '< 2 s');
  row('… every run listed (sort, filter and export over all)', (r) => seconds(r.allMs));
  row("… the host's part: rows read (runs index)", (r) => opt(r.host.readMs));
  row('… rows split (constants) and posted to the page', (r) => opt(r.host.postMs));
  row('rows drawn / listed at the first rows, columns', (r) => `${r.drawn.rows} / ${r.drawn.listed}, ${r.drawn.columns}`);
  row('extension host RSS: activated', (r) => mb(r.rssStart));
  row('… after the Runs view', (r) => mb(r.rssBeforeTable));
  row("… at the table's first rows", (r) => mb(r.rssAfterTable));
  row('… 5 s later', (r) => mb(r.rssLater));
}

await main();
