// UI suite for Workspace Trust: with trust ENABLED (no
// --disable-workspace-trust, `security.workspace.trust.enabled: true`), a
// person who opens the samples and answers "No, I don't trust the authors"
// gets Restricted Mode; ▶ Train must then refuse with a message that says
// why, and start no trainer (no run folder appears).
//   node test/e2e/trust.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/trust-*.png; on failure a screenshot and
// the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notification, openFile, openWorkbench, runUiSuite, stepLogger } from './helpers.mjs';

const MODEL_FILE = 'iris.model.yaml';
const SUITE_TIMEOUT_MS = 3 * 60_000;
const REFUSAL = 'Training is disabled in Restricted Mode';

const step = stepLogger(Date.now(), 'e2e trust');

async function run({ page, server, workspace, screenshot }) {
  await openWorkbench(page, server, workspace);

  // A folder VS Code has not seen opens untrusted: in Restricted Mode, or with a
  // dialog asking first (depending on the build's startup prompt). Answer it as
  // a cautious person would.
  const distrust = page.locator('.monaco-dialog-box .monaco-button', { hasText: /No, I don.t trust/ });
  const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
  await Promise.race([distrust.waitFor({ timeout: 60_000 }), restricted.waitFor({ timeout: 60_000 })]);
  if (await distrust.isVisible()) {
    step('the trust dialog is shown: "No, I don\'t trust the authors"');
    await screenshot('trust-dialog', 'the trust dialog VS Code shows for a folder it has not seen');
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

  const toast = await notification(page, REFUSAL);
  const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
  step(`Train refused: "${message}"`);
  assert.match(message, /Restricted Mode.*Trust the workspace to train/s);
  assert.ok(await toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).count(), 'no "Manage Workspace Trust" button');
  await screenshot('train-refused', 'Train refused in Restricted Mode, with Manage Workspace Trust');

  // Give a trainer that should not exist the time to have made its run folder.
  await new Promise((r) => setTimeout(r, 2000));
  const runs = join(workspace, '.modelstudio', 'runs');
  assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'a run folder appeared in Restricted Mode');
  assert.equal(await page.locator('.statusbar-item', { hasText: 'iris' }).count(), 0, 'a run shows in the status bar');
  step('no run was started');
}

process.exitCode = await runUiSuite({ prefix: 'trust', step, timeoutMs: SUITE_TIMEOUT_MS, codeServer: { trust: true }, run });
