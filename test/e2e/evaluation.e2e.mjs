/* global document -- functions passed to frame.evaluate run in the browser */
// UI suite for evaluation, in a real VS Code (code-server) driven by
// Playwright with Debian's Chromium, on a temporary copy of samples/ holding
// runs made with the CLI (iris, linear-regression, and mnist-mlp for one epoch). From the
// Command Palette, "Model Studio: Evaluate Model…" on iris's newest finished
// run and its test data opens the evaluation panel: the confusion matrix
// (summing to the 30 test rows) and the per-class table are shown; a click on
// a worst prediction opens iris.csv at that row; a second evaluation on the
// whole file is compared side by side; linear-regression's evaluation draws
// its scatter and residual histogram. Then "Evaluate Model…" from the Runs
// view's context menu on the MNIST run shows the worst predictions as images.
//   node test/e2e/evaluation.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/evaluation-*.png; on failure a
// screenshot and the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';
import { copySamples } from '../integration/buildSuite.mjs';
import { stepLogger, waitFor, webviewFrame } from './helpers.mjs';

const SUITE_TIMEOUT_MS = 5 * 60_000;
const COMMAND = 'Model Studio: Evaluate Model…';

const repo = resolve(import.meta.dirname, '..', '..');
const extensionDir = process.env.MODEL_STUDIO_EXTENSION_DIR ?? repo;
const screenshots = join(repo, 'test', 'e2e', 'screenshots');
const artifacts = join(repo, 'test', 'e2e', 'artifacts');
const step = stepLogger(Date.now(), 'e2e evaluation');

function cli(workspace, ...args) {
  return execFileSync(process.execPath, [join(extensionDir, 'dist', 'cli.js'), ...args], { cwd: workspace, encoding: 'utf8', timeout: 180_000 });
}

/** Runs a command by its title from the Command Palette (F1). */
async function runFromPalette(page, title) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  // Just after the workbench comes up the palette may not list the extension's
  // commands yet, and an open palette does not refresh: close it and try again.
  await waitFor(`"${title}" in the Command Palette`, async () => {
    await page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) return true;
    await page.keyboard.press('Escape');
    return undefined;
  }, 60_000, 500);
  await page.keyboard.press('Enter');
}

/** Picks the quick-pick row holding `text` (typed into the filter first, then Enter). */
async function pick(page, filter, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout: 30_000 });
  await input.fill(filter);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor();
  await row.click();
}

/** The confusion matrix of the first (or given) column, as numbers, from the webview's DOM. */
async function confusion(frame, column = 0) {
  return frame.evaluate((index) => {
    const table = document.querySelectorAll('.column')[index]?.querySelector('table.confusion');
    if (!table) return undefined;
    return [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td .count')].map((c) => Number(c.textContent)));
  }, column);
}

async function run(page, workspace, server, irisRunDir) {
  let shot = 0;
  const shots = [];
  const screenshot = async (name, what) => {
    shot++;
    const file = `evaluation-${String(shot).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: join(screenshots, file) });
    shots.push(`${file}: ${what}`);
  };
  const webviewErrors = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|evaluation\.js/.test(text) || (message.type() === 'error' && /vscode-cdn|vscode-resource/.test(message.location().url ?? ''))) {
      webviewErrors.push(`${message.type()}: ${text}`);
    }
  });

  await page.goto(workbenchUrl(server, { folder: workspace, extensionDir }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'iris.model.yaml' }).waitFor({ timeout: 60_000 });
  step('workbench is up');

  // 1. Palette → model file (its newest finished run) → the run's test data.
  await runFromPalette(page, COMMAND);
  await pick(page, 'iris', 'iris.model.yaml');
  step('picked iris.model.yaml');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Test data of the run' }).first().waitFor({ timeout: 30_000 });
  await screenshot('pick-data', 'after picking iris.model.yaml: the data picker offers the run\'s test data and the workspace\'s files');
  await pick(page, 'Test data', 'Test data of the run');
  let frame = await webviewFrame(page, 'table.confusion', 90_000);
  step('the evaluation panel shows a confusion matrix');
  const matrix = await waitFor('the confusion matrix', () => confusion(frame));
  assert.equal(matrix.length, 3, `3 classes, got ${JSON.stringify(matrix)}`);
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 30, `the matrix sums to the 30 test rows, got ${total}`);
  const perClass = await frame.$$eval('table.per-class tbody tr th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(perClass, ['setosa', 'versicolor', 'virginica', 'macro avg', 'weighted avg']);
  const accuracyCard = await frame.$eval('.card', (card) => card.textContent);
  const evaluationFile = JSON.parse(readFileSync(join(irisRunDir, 'evaluation.json'), 'utf8'));
  const saved = evaluationFile.evaluations.at(-1);
  assert.ok(accuracyCard.includes(saved.result.accuracy.toFixed(4)), `the card "${accuracyCard}" shows evaluation.json's accuracy ${saved.result.accuracy}`);
  const runJson = JSON.parse(readFileSync(join(irisRunDir, 'run.json'), 'utf8'));
  assert.ok(Math.abs(saved.result.accuracy - runJson.test.accuracy) < 1e-6, 'the panel\'s accuracy is run.json\'s test accuracy');
  step(`confusion matrix ${JSON.stringify(matrix)} (sum ${total}); per-class rows ${perClass.join(', ')}; ${accuracyCard}`);
  await screenshot('iris-test', 'Evaluate Model… on iris\'s test split: metric cards, per-class table, confusion matrix with counts and row shares');
  await frame.locator('table.worst').scrollIntoViewIfNeeded();
  await screenshot('iris-worst', 'the worst predictions of iris, each naming data/iris.csv and its line');

  // 2. A worst prediction opens its row in iris.csv.
  const firstWorst = frame.locator('tr.worst-row').first();
  const source = await firstWorst.locator('td.source').innerText();
  const line = Number(source.split(':').pop());
  await firstWorst.focus();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: 'iris.csv' }).first().waitFor({ timeout: 15_000 });
  const status = await waitFor('the cursor on the row', async () => {
    const text = await page.locator('.statusbar-item', { hasText: /Ln \d+/ }).first().innerText().catch(() => '');
    return text.includes(`Ln ${line},`) ? text : undefined;
  }, 10_000);
  step(`Enter on the first worst prediction (${source}) opened iris.csv at ${status}`);
  await screenshot('open-source', `iris.csv opened at line ${line}, the row of the worst prediction`);

  // 3. A second evaluation on another file, compared side by side (the panel alone, wide enough for two columns).
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, COMMAND);
  await pick(page, 'iris', 'iris.model.yaml');
  await pick(page, 'iris.csv', 'data/iris.csv');
  frame = await webviewFrame(page, 'table.confusion', 90_000);
  await waitFor('the second evaluation', async () => ((await frame.evaluate(() => document.querySelector('.meta')?.textContent ?? '')).includes('150 examples') ? true : undefined), 90_000);
  const full = await confusion(frame);
  assert.equal(full.flat().reduce((a, b) => a + b, 0), 150);
  const options = await frame.$$eval('#compare option', (os) => os.map((o) => o.value));
  assert.equal(options.length, 2, 'the compare picker offers the first evaluation');
  await frame.selectOption('#compare', options[1]);
  await waitFor('two columns', async () => ((await frame.$$('.column')).length === 2 ? true : undefined), 15_000);
  assert.equal((await confusion(frame, 1)).flat().reduce((a, b) => a + b, 0), 30);
  const deltas = await frame.$$eval('.column:nth-child(2) .card-delta', (ds) => ds.map((d) => d.textContent));
  assert.ok(deltas.length > 0, 'the second column shows differences');
  const [left, right] = await frame.$$eval('.column', (cs) => cs.map((c) => c.getBoundingClientRect().left));
  assert.ok(right > left, 'the two evaluations stand side by side');
  step(`compared the whole-file evaluation (150) with the test-split one (30); deltas ${deltas.join(' ')}`);
  await screenshot('compare', 'two evaluations of the iris run side by side: the whole file (left) and the test split (right, with differences)');

  // 4. Regression: predicted-vs-actual scatter and residual histogram.
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, COMMAND);
  await pick(page, 'linear', 'linear-regression.model.json');
  await pick(page, 'Test data', 'Test data of the run');
  const regression = await webviewFrame(page, '.chart-holder canvas', 90_000);
  const cards = await waitFor('the regression cards', async () => {
    const labels = await regression.$$eval('.card-label', (ls) => ls.map((l) => l.textContent));
    return labels.includes('R²') ? labels : undefined;
  }, 15_000);
  assert.deepEqual(cards.slice(1), ['MSE', 'RMSE', 'MAE', 'R²']);
  await waitFor('both charts drawn', async () => ((await regression.$$eval('.chart-holder canvas', (cs) => cs.filter((c) => c.width > 0).length)) === 2 ? true : undefined), 15_000);
  step(`regression: cards ${cards.join(', ')}; scatter and residual histogram drawn`);
  await screenshot('regression', 'linear-regression\'s test split: MSE, RMSE, MAE, R² cards, predicted-vs-actual scatter and residual histogram');

  // 5. Runs view context menu on the MNIST run: worst predictions as images.
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, 'Focus on Runs View');
  await page.locator('.sidebar .title-label', { hasText: 'Runs' }).waitFor();
  const mnistRow = page.locator('.sidebar .monaco-list-row[aria-label^="Run "][aria-label*=" of mnist-mlp.model.json,"]').first();
  await mnistRow.waitFor({ timeout: 30_000 });
  await mnistRow.click();
  await mnistRow.click({ button: 'right' });
  await page.locator('.context-view .action-label', { hasText: 'Evaluate Model…' }).hover();
  await page.keyboard.press('Enter');
  await pick(page, 'Test data', 'Test data of the run');
  const mnist = await webviewFrame(page, 'canvas.example-image', 120_000);
  const images = await mnist.$$eval('canvas.example-image', (cs) => cs.map((c) => [c.width, c.height]));
  assert.ok(images.length > 0 && images.every(([w, h]) => w === 28 && h === 28), `28×28 images, got ${JSON.stringify(images)}`);
  const mnistMatrix = await confusion(mnist);
  assert.equal(mnistMatrix.flat().reduce((a, b) => a + b, 0), 2000);
  step(`MNIST from the Runs view: ${images.length} worst predictions drawn as 28×28 images; matrix sums to 2000`);
  await screenshot('mnist', 'Evaluate Model… from the Runs view\'s context menu on the MNIST run: 10×10 confusion matrix');
  await mnist.locator('table.worst').scrollIntoViewIfNeeded();
  await screenshot('mnist-worst', 'MNIST\'s worst predictions, each with its 28×28 digit, index in the IDX file, actual and predicted class');
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
  return shots;
}

async function main() {
  if (!existsSync(join(extensionDir, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: npm run build');
  mkdirSync(screenshots, { recursive: true });
  for (const f of readdirSync(screenshots)) if (f.startsWith('evaluation-')) rmSync(join(screenshots, f));
  const tmp = mkdtempSync(join(tmpdir(), 'modelstudio-e2e-evaluation-'));
  const workspace = copySamples(join(tmp, 'workspace'));
  const iris = JSON.parse(cli(workspace, 'train', 'iris.model.yaml', '--json').trim().split('\n').pop());
  cli(workspace, 'train', 'mnist-mlp.model.json', '--epochs', '1');
  cli(workspace, 'train', 'linear-regression.model.json');
  step(`trained iris (${iris.runDir}), linear-regression and mnist-mlp (1 epoch) with the CLI`);
  let server;
  let browser;
  let page;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    server?.stop();
  };
  const timer = setTimeout(() => {
    console.error(`e2e evaluation: no result after ${SUITE_TIMEOUT_MS / 1000} s`);
    void cleanup().finally(() => process.exit(124));
  }, SUITE_TIMEOUT_MS);
  try {
    server = await startCodeServer({ stateDir: join(tmp, 'code-server') });
    step(`code-server on ${server.url}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const shots = await run(page, workspace, server, iris.runDir);
    step('passed; screenshots:');
    for (const line of shots) console.log(`  ${line}`);
    return 0;
  } catch (error) {
    console.error(error);
    mkdirSync(artifacts, { recursive: true });
    await page?.screenshot({ path: join(artifacts, 'evaluation-failure.png') }).catch(() => {});
    if (server) cpSync(server.logFile, join(artifacts, 'evaluation-code-server.log'));
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

process.exitCode = await main();
