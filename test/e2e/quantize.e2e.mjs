// UI suite for quantized export, in a real VS Code (code-server) driven by
// Playwright with Debian's Chromium, on a temporary copy of samples/ with an
// MNIST MLP run made with the CLI (one epoch instead of the sample's five,
// to stay quick). From the Command Palette, "Model Studio: Export Model…" on
// mnist-mlp.model.json; the quick pick offers float32, float16, uint16 and
// uint8, each with its trade-off; uint8 picked, the folder dialog answered
// with a folder of the workspace; the notification gives the weights' size
// against float32 and the test accuracy against float32's, and the files
// hold uint8 weights.
//   node test/e2e/quantize.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/quantize-*.png; on failure a screenshot
// and the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { extensionCli, notification, openWorkbench, pickQuickInput, runFromPalette, runUiSuite, stepLogger, waitFor } from './helpers.mjs';

const SUITE_TIMEOUT_MS = 3 * 60_000;
const OUT = 'mnist-uint8';

const step = stepLogger(Date.now(), 'e2e quantize');

async function run({ page, server, workspace, screenshot }) {
  await openWorkbench(page, server, workspace, 'mnist-mlp.model.json');
  step('workbench is up');

  await runFromPalette(page, 'Model Studio: Export Model…');
  await pickQuickInput(page, 'mnist-mlp', 'mnist-mlp.model.json');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: 'uint8' }).first().waitFor({ timeout: 30_000 });
  const offered = await rows.allInnerTexts();
  const storages = ['float32', 'float16', 'uint16', 'uint8'];
  assert.ok(
    offered.length === storages.length && offered.every((text, i) => text.startsWith(storages[i])),
    `the storage pick offers ${JSON.stringify(offered)}`,
  );
  assert.ok(
    offered.every((text) => /size/.test(text)),
    `each storage says what it does to the size: ${JSON.stringify(offered)}`,
  );
  await screenshot('storage', 'Export Model…: float32, float16, uint16 and uint8, each with its size / accuracy trade-off');
  step(`storage pick: ${offered.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
  await pickQuickInput(page, 'uint8', 'uint8');

  // The folder dialog (code-server's simple dialog): its box holds the model file's folder; the export folder typed in.
  const outDir = join(workspace, OUT);
  const input = page.locator('.quick-input-widget input');
  await waitFor(
    'the folder dialog',
    async () => ((await input.inputValue().catch(() => '')).includes(workspace) ? true : undefined),
    30_000,
  );
  await input.fill(`${outDir}/`);
  await page.waitForTimeout(500);
  await screenshot('folder', `the folder dialog with ${OUT}/ typed in`);
  await input.press('Enter');
  const manifestFile = join(outDir, 'model.json');
  await waitFor('the exported model.json', () => (existsSync(manifestFile) ? true : undefined), 120_000);
  step(`exported to ${outDir}`);

  const item = await notification(page, 'Exported mnist-mlp');
  const text = (await item.innerText()).replace(/\s+/g, ' ');
  step(`notification: ${text}`);
  assert.match(text, /weights \d+ KB uint8 \(25\.0 % of float32 1\.6 MB\)/);
  const accuracy = text.match(/test accuracy ([\d.]+) % vs ([\d.]+) % float32 \(([+±\u2212])([\d.]+) pt\)/);
  assert.ok(accuracy, `the notification gives the test accuracy against float32: ${text}`);
  assert.ok(Number(accuracy[4]) <= 0.5, `uint8 within 0.5 points of float32: ${accuracy[0]}`);
  await screenshot('summary', 'the notification: the uint8 weights at 25 % of float32 and the test accuracy against float32');

  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')).weightsManifest[0];
  assert.ok(
    manifest.weights.every((w) => w.quantization?.dtype === 'uint8' && w.quantization.scale > 0),
    JSON.stringify(manifest.weights),
  );
  const bytes = manifest.paths.reduce((sum, p) => sum + statSync(join(outDir, p)).size, 0);
  step(`model.json: ${manifest.weights.length} uint8 weights in ${bytes} bytes`);
}

process.exitCode = await runUiSuite({
  prefix: 'quantize',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace, extension) => {
    extensionCli(extension, workspace, 'train', 'mnist-mlp.model.json', '--epochs', '1');
    mkdirSync(join(workspace, OUT));
    step('trained mnist-mlp (1 epoch) with the CLI');
  },
  run,
});
