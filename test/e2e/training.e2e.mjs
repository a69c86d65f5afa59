// UI suite: what a person does and sees, in a real VS Code (code-server)
// driven by Playwright with Debian's Chromium, on a temporary copy of
// samples/. Open a model file with Ctrl+P, click ▶ Train, watch the loss
// curve grow in the training panel, click Stop, check the run stopped.
//   node test/e2e/training.e2e.mjs     (after `npm run build`)
// Screenshots of each step: test/e2e/screenshots/; on failure, a screenshot
// and the code-server log: test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';
import { copySamples } from '../integration/buildSuite.mjs';

const MODEL_FILE = 'mnist-mlp-small.model.json';
const SUITE_TIMEOUT_MS = 4 * 60_000;
/** How long after the Stop click the run may take to be `stopped`, on disk and in the panel. */
const STOP_WITHIN_MS = 2000;

const repo = resolve(import.meta.dirname, '..', '..');
const extensionDir = process.env.MODEL_STUDIO_EXTENSION_DIR ?? repo;
const screenshots = join(repo, 'test', 'e2e', 'screenshots');
const artifacts = join(repo, 'test', 'e2e', 'artifacts');

const started = Date.now();
function step(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

/** Polls `probe` until it returns something other than undefined. */
async function waitFor(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The newest run folder of the model file. */
function latestRunDir(workspace) {
  const runsDir = join(workspace, '.modelstudio', 'runs');
  const names = existsSync(runsDir) ? readdirSync(runsDir).sort() : [];
  return names.length ? join(runsDir, names[names.length - 1]) : undefined;
}

/** Its run.json, read from disk. */
function latestRunJson(workspace) {
  const runDir = latestRunDir(workspace);
  if (!runDir || !existsSync(join(runDir, 'run.json'))) return undefined;
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  } catch {
    return undefined; // caught between a write and its rename
  }
}

/** The loss points metrics.jsonl holds: one per batch, plus loss and val_loss per epoch. */
function lossPointsOnDisk(workspace) {
  const lines = readFileSync(join(latestRunDir(workspace), 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  let points = 0;
  for (const record of lines.map((l) => JSON.parse(l))) {
    if (Number.isFinite(record.loss)) points++;
    if (record.batch === null && Number.isFinite(record.val_loss)) points++;
  }
  return points;
}

async function run(page, workspace, server) {
  let shot = 0;
  const screenshot = async (name) => {
    shot++;
    await page.screenshot({ path: join(screenshots, `${String(shot).padStart(2, '0')}-${name}.png`) });
  };

  // The webview's console arrives here too: a CSP violation or an exception in
  // the panel's script fails the suite.
  const webviewErrors = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|training\.js/.test(text) || (message.type() === 'error' && /webview|vscode-cdn|vscode-resource/.test(message.location().url ?? ''))) {
      webviewErrors.push(`${message.type()}: ${text} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => webviewErrors.push(`pageerror: ${error.message}`));
  await page.goto(workbenchUrl(server, { folder: workspace, extensionDir }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer shows the folder once the workbench has connected to the server.
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: MODEL_FILE }).waitFor({ timeout: 60_000 });
  step('workbench is up');
  await screenshot('workbench');

  await page.keyboard.press('Control+P');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor();
  await quickInput.fill(MODEL_FILE);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: MODEL_FILE }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: MODEL_FILE }).waitFor();
  step(`${MODEL_FILE} is open`);

  const train = page.locator('.codelens-decoration a', { hasText: '▶ Train' });
  await train.waitFor({ timeout: 30_000 });
  step('▶ Train CodeLens is shown');
  await screenshot('codelens');

  await train.click();
  const clickedAt = Date.now();
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const chart = webview.locator('#loss-chart');
  await chart.waitFor({ state: 'attached', timeout: 30_000 });
  const points = async () => Number((await chart.getAttribute('data-points')) ?? 0);
  const first = await waitFor('the first loss point', async () => ((await points()) > 0 ? points() : undefined), 90_000);
  step(`first loss point ${Date.now() - clickedAt} ms after the click (${first} points)`);
  await screenshot('first-points');
  const later = await waitFor('the loss curve to grow', async () => {
    const n = await points();
    return n >= first + 20 ? n : undefined;
  });
  assert.ok(later > first, `the curve did not grow: ${first} → ${later}`);
  assert.equal(await webview.locator('body').getAttribute('data-status'), 'running');
  assert.equal(latestRunJson(workspace)?.status, 'running', 'run.json does not say running');
  await page.locator('.codelens-decoration a', { hasText: '■ Stop' }).waitFor();
  const statusBar = page.locator('.statusbar-item', { hasText: 'mnist-mlp-small' });
  await statusBar.waitFor();
  // The progress notification (headless, it goes to the notification centre rather than a toast).
  const bell = page.locator('[id="status.notifications"]');
  await bell.click();
  const progress = page.locator('.notifications-center .notification-list-item', { hasText: 'Training mnist-mlp-small' });
  await progress.waitFor();
  assert.ok(await progress.locator('.notification-list-item-buttons-container', { hasText: 'Cancel' }).count(), 'no Cancel on the progress notification');
  step(`curve grew to ${later} points; status bar: ${(await statusBar.innerText()).trim()}`);
  await screenshot('training');
  await bell.click(); // hide the notification centre again

  await webview.locator('#stop').click();
  const stopClickedAt = Date.now();
  const onDisk = await waitFor(
    'run.json to leave running',
    () => {
      const runJson = latestRunJson(workspace);
      return runJson && runJson.status !== 'running' ? { runJson, at: Date.now() } : undefined;
    },
    10_000,
  );
  const inPanel = await waitFor(
    'the panel to leave running',
    async () => {
      const status = await webview.locator('body').getAttribute('data-status');
      return status === 'running' || status === 'stopping' ? undefined : { status, at: Date.now() };
    },
    10_000,
  );
  step(
    `stop: run.json ${onDisk.runJson.status} after ${onDisk.at - stopClickedAt} ms, panel ${inPanel.status} after ${inPanel.at - stopClickedAt} ms`,
  );
  assert.equal(onDisk.runJson.status, 'stopped');
  assert.equal(inPanel.status, 'stopped');
  assert.ok(onDisk.at - stopClickedAt <= STOP_WITHIN_MS, `run.json said stopped ${onDisk.at - stopClickedAt} ms after the click`);
  assert.ok(inPanel.at - stopClickedAt <= STOP_WITHIN_MS, `the panel said stopped ${inPanel.at - stopClickedAt} ms after the click`);
  // Every record of the run is on the chart: none lost between the panel's
  // read of metrics.jsonl (written in batches) and the live stream.
  const expected = lossPointsOnDisk(workspace);
  const shown = await waitFor('the chart to hold every record', async () => {
    const n = await points();
    return n === expected ? n : undefined;
  }, 5_000).catch(async () => points());
  assert.equal(shown, expected, `the chart shows ${shown} loss points, metrics.jsonl has ${expected}`);
  step(`the chart holds all ${expected} loss points of metrics.jsonl`);
  await page.locator('.codelens-decoration a', { hasText: '▶ Train' }).waitFor({ timeout: 10_000 });
  await statusBar.waitFor({ state: 'hidden', timeout: 5_000 });
  step('▶ Train is back and the status bar item is gone');
  await screenshot('stopped');

  // A reload restores the panel from the run folder (registerWebviewPanelSerializer).
  await page.reload();
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const restored = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const restoredPoints = await waitFor('the restored panel to show the run', async () => {
    const status = await restored.locator('body').getAttribute('data-status', { timeout: 1000 }).catch(() => null);
    const n = Number((await restored.locator('#loss-chart').getAttribute('data-points', { timeout: 1000 }).catch(() => 0)) ?? 0);
    return status === 'stopped' && n === expected ? n : undefined;
  }, 60_000);
  step(`after a reload the panel is back: stopped, ${restoredPoints} points`);
  await screenshot('restored');
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
}

async function main() {
  if (!existsSync(join(extensionDir, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: npm run build');
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'modelstudio-e2e-'));
  const workspace = copySamples(join(tmp, 'workspace'));
  let server;
  let browser;
  let page;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    server?.stop();
  };
  const timer = setTimeout(() => {
    console.error(`e2e: no result after ${SUITE_TIMEOUT_MS / 1000} s`);
    void cleanup().finally(() => process.exit(124));
  }, SUITE_TIMEOUT_MS);
  try {
    server = await startCodeServer({ stateDir: join(tmp, 'code-server') });
    step(`code-server on ${server.url}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await run(page, workspace, server);
    step('passed');
    return 0;
  } catch (error) {
    console.error(error);
    mkdirSync(artifacts, { recursive: true });
    await page?.screenshot({ path: join(artifacts, 'e2e-failure.png') }).catch(() => {});
    if (server) cpSync(server.logFile, join(artifacts, 'e2e-code-server.log'));
    console.error(`e2e failed after ${((Date.now() - started) / 1000).toFixed(1)} s; artifacts in ${artifacts}`);
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

process.exitCode = await main();
