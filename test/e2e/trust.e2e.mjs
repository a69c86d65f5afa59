// UI suite for Workspace Trust: with trust ENABLED (no
// --disable-workspace-trust, `security.workspace.trust.enabled: true`), a
// person who opens the samples and answers "No, I don't trust the authors"
// gets Restricted Mode; ▶ Train must then refuse with a message that says
// why, and start no trainer (no run folder appears).
//   node test/e2e/trust.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/trust-*.png; on failure a screenshot and
// the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';
import { copySamples } from '../integration/buildSuite.mjs';
import { openFile, stepLogger } from './helpers.mjs';

const MODEL_FILE = 'iris.model.yaml';
const SUITE_TIMEOUT_MS = 3 * 60_000;
const REFUSAL = 'Training is disabled in Restricted Mode';

const repo = resolve(import.meta.dirname, '..', '..');
const extensionDir = process.env.MODEL_STUDIO_EXTENSION_DIR ?? repo;
const screenshots = join(repo, 'test', 'e2e', 'screenshots');
const artifacts = join(repo, 'test', 'e2e', 'artifacts');
const step = stepLogger(Date.now(), 'e2e trust');

async function run(page, workspace, server) {
  let shot = 0;
  const screenshot = async (name) => {
    shot++;
    await page.screenshot({ path: join(screenshots, `trust-${String(shot).padStart(2, '0')}-${name}.png`) });
  };
  await page.goto(workbenchUrl(server, { folder: workspace, extensionDir }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  // A folder VS Code has not seen opens untrusted: in Restricted Mode, or with a
  // dialog asking first (depending on the build's startup prompt). Answer it as
  // a cautious person would.
  const distrust = page.locator('.monaco-dialog-box .monaco-button', { hasText: /No, I don.t trust/ });
  const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
  await Promise.race([distrust.waitFor({ timeout: 60_000 }), restricted.waitFor({ timeout: 60_000 })]);
  if (await distrust.isVisible()) {
    step('the trust dialog is shown: "No, I don\'t trust the authors"');
    await screenshot('trust-dialog');
    await distrust.click();
  }
  await restricted.waitFor({ timeout: 30_000 });
  step('the window is in Restricted Mode');

  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: MODEL_FILE }).waitFor({ timeout: 60_000 });
  await openFile(page, MODEL_FILE);
  const train = page.locator('.codelens-decoration a', { hasText: '▶ Train' });
  await train.waitFor({ timeout: 30_000 });
  step('▶ Train is shown in Restricted Mode (validation and CodeLens still work)');
  await train.click();

  // Headless, notifications go to the notification centre rather than a toast.
  await page.locator('[id="status.notifications"]').click();
  const toast = page.locator('.notifications-center .notification-list-item', { hasText: REFUSAL });
  await toast.waitFor({ timeout: 15_000 });
  const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
  step(`Train refused: "${message}"`);
  assert.match(message, /Restricted Mode.*Trust the workspace to train/s);
  assert.ok(await toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).count(), 'no "Manage Workspace Trust" button');
  await screenshot('train-refused');

  // Give a trainer that should not exist the time to have made its run folder.
  await new Promise((r) => setTimeout(r, 2000));
  const runs = join(workspace, '.modelstudio', 'runs');
  assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'a run folder appeared in Restricted Mode');
  assert.equal(await page.locator('.statusbar-item', { hasText: 'iris' }).count(), 0, 'a run shows in the status bar');
  step('no run was started');
}

async function main() {
  if (!existsSync(join(extensionDir, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: npm run build');
  mkdirSync(screenshots, { recursive: true });
  for (const f of readdirSync(screenshots)) if (f.startsWith('trust-')) rmSync(join(screenshots, f));
  const tmp = mkdtempSync(join(tmpdir(), 'modelstudio-e2e-trust-'));
  const workspace = copySamples(join(tmp, 'workspace'));
  let server;
  let browser;
  let page;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    server?.stop();
  };
  const timer = setTimeout(() => {
    console.error(`e2e trust: no result after ${SUITE_TIMEOUT_MS / 1000} s`);
    void cleanup().finally(() => process.exit(124));
  }, SUITE_TIMEOUT_MS);
  try {
    server = await startCodeServer({ stateDir: join(tmp, 'code-server'), trust: true });
    step(`code-server on ${server.url}, Workspace Trust enabled`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await run(page, workspace, server);
    step('passed');
    return 0;
  } catch (error) {
    console.error(error);
    mkdirSync(artifacts, { recursive: true });
    await page?.screenshot({ path: join(artifacts, 'trust-failure.png') }).catch(() => {});
    if (server) cpSync(server.logFile, join(artifacts, 'trust-code-server.log'));
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

process.exitCode = await main();
