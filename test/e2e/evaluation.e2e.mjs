/* global document -- functions passed to frame.evaluate run in the browser */
// UI suite for evaluation, in a real VS Code (code-server) driven by
// Playwright with Debian's Chromium, on a temporary copy of samples/ holding
// runs made with the CLI (iris, linear-regression, iris-binary, and mnist-mlp for one epoch). From the
// Command Palette, "Model Studio: Evaluate Model…" on iris's newest finished
// run and its test data opens the evaluation panel: the confusion matrix
// (summing to the 30 test rows) and the per-class table are shown; a click on
// a worst prediction opens iris.csv at that row; a second evaluation on the
// whole file is compared side by side, and a window reload brings the panel
// back with both; linear-regression's evaluation draws its scatter and
// residual histogram; iris-binary's draws ROC and precision-recall curves. Then "Evaluate Model…" from the Runs view's context
// menu on the MNIST run shows the worst predictions as images.
//   node test/e2e/evaluation.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/evaluation-*.png; on failure a
// screenshot and the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  openWorkbench,
  reloadWindow,
  restoredWebview,
  runFromPalette,
  runUiSuite,
  showRunsView,
  stepLogger,
  waitFor,
  webviewFrame,
  extensionCli,
  pickQuickInput,
} from './helpers.mjs';

const SUITE_TIMEOUT_MS = 5 * 60_000;
const COMMAND = 'Model Studio: Evaluate Model…';

const step = stepLogger(Date.now(), 'e2e evaluation');

/**
 * With every editor closed, Evaluate Model… from the Command Palette on a
 * model file and a data source, each picked by [filter typed, row text]:
 * the panel's frame once its charts are there.
 */
async function evaluateFromPalette(page, [modelFilter, modelFile], [dataFilter, data]) {
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, COMMAND);
  await pickQuickInput(page, modelFilter, modelFile);
  await pickQuickInput(page, dataFilter, data);
  return webviewFrame(page, '.chart-holder canvas', 90_000);
}

/** The confusion matrix of the first (or given) column, as numbers, from the webview's DOM. */
async function confusion(frame, column = 0) {
  return frame.evaluate((index) => {
    const table = document.querySelectorAll('.column')[index]?.querySelector('table.confusion');
    if (!table) return undefined;
    return [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td .count')].map((c) => Number(c.textContent)));
  }, column);
}

/** What the panel shows: per column the evaluation, its description, metric cards ([label, value, difference?]) and confusion matrix; the pickers' choices. */
async function shownEvaluations(frame) {
  return frame.evaluate(() => ({
    columns: [...document.querySelectorAll('.column')].map((column) => ({
      evaluation: column.dataset.evaluation,
      meta: [...column.querySelectorAll('.meta')].map((p) => p.textContent),
      cards: [...column.querySelectorAll('.card')].map((card) => [...card.children].map((part) => part.textContent)),
      confusion: [...column.querySelectorAll('table.confusion tbody tr')].map((tr) =>
        [...tr.querySelectorAll('td .count')].map((c) => Number(c.textContent)),
      ),
    })),
    primary: document.querySelector('#primary')?.value,
    compare: document.querySelector('#compare')?.value,
  }));
}

async function run({ page, server, workspace, prepared: irisRunDir, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['evaluation.js']);
  await openWorkbench(page, server, workspace, 'iris.model.yaml');
  step('workbench is up');

  // 1. Palette → model file (its newest finished run) → the run's test data.
  await runFromPalette(page, COMMAND);
  await pickQuickInput(page, 'iris', 'iris.model.yaml');
  step('picked iris.model.yaml');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Test data of the run' }).first().waitFor({ timeout: 30_000 });
  await screenshot('pick-data', "after picking iris.model.yaml: the data picker offers the run's test data and the workspace's files");
  await pickQuickInput(page, 'Test data', 'Test data of the run');
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
  assert.ok(
    accuracyCard.includes(saved.result.accuracy.toFixed(4)),
    `the card "${accuracyCard}" shows evaluation.json's accuracy ${saved.result.accuracy}`,
  );
  const runJson = JSON.parse(readFileSync(join(irisRunDir, 'run.json'), 'utf8'));
  assert.ok(Math.abs(saved.result.accuracy - runJson.test.accuracy) < 1e-6, "the panel's accuracy is run.json's test accuracy");
  step(`confusion matrix ${JSON.stringify(matrix)} (sum ${total}); per-class rows ${perClass.join(', ')}; ${accuracyCard}`);
  await screenshot(
    'iris-test',
    "Evaluate Model… on iris's test split: metric cards, per-class table, confusion matrix with counts and row shares",
  );
  await frame.locator('table.worst').scrollIntoViewIfNeeded();
  await screenshot('iris-worst', 'the worst predictions of iris, each naming data/iris.csv and its line');

  // 2. A worst prediction opens its row in iris.csv.
  const firstWorst = frame.locator('tr.worst-row').first();
  const source = await firstWorst.locator('td.source').innerText();
  const line = Number(source.split(':').pop());
  await firstWorst.focus();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: 'iris.csv' }).first().waitFor({ timeout: 15_000 });
  const status = await waitFor(
    'the cursor on the row',
    async () => {
      const text = await page
        .locator('.statusbar-item', { hasText: /Ln \d+/ })
        .first()
        .innerText()
        .catch(() => '');
      return text.includes(`Ln ${line},`) ? text : undefined;
    },
    30_000,
  );
  step(`Enter on the first worst prediction (${source}) opened iris.csv at ${status}`);
  await screenshot('open-source', `iris.csv opened at line ${line}, the row of the worst prediction`);

  // 3. A second evaluation on another file, compared side by side (the panel alone, wide enough for two columns).
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, COMMAND);
  await pickQuickInput(page, 'iris', 'iris.model.yaml');
  await pickQuickInput(page, 'iris.csv', 'data/iris.csv');
  frame = await webviewFrame(page, 'table.confusion', 90_000);
  await waitFor(
    'the second evaluation',
    async () =>
      (await frame.evaluate(() => document.querySelector('.meta')?.textContent ?? '')).includes('150 examples') ? true : undefined,
    90_000,
  );
  const full = await confusion(frame);
  assert.equal(
    full.flat().reduce((a, b) => a + b, 0),
    150,
  );
  const options = await frame.$$eval('#compare option', (os) => os.map((o) => o.value));
  assert.equal(options.length, 2, 'the compare picker offers the first evaluation');
  await frame.selectOption('#compare', options[1]);
  await waitFor('two columns', async () => ((await frame.$$('.column')).length === 2 ? true : undefined), 30_000);
  assert.equal(
    (await confusion(frame, 1)).flat().reduce((a, b) => a + b, 0),
    30,
  );
  const deltas = await frame.$$eval('.column:nth-child(2) .card-delta', (ds) => ds.map((d) => d.textContent));
  assert.ok(deltas.length > 0, 'the second column shows differences');
  const [left, right] = await frame.$$eval('.column', (cs) => cs.map((c) => c.getBoundingClientRect().left));
  assert.ok(right > left, 'the two evaluations stand side by side');
  step(`compared the whole-file evaluation (150) with the test-split one (30); deltas ${deltas.join(' ')}`);
  await screenshot(
    'compare',
    'two evaluations of the iris run side by side: the whole file (left) and the test split (right, with differences)',
  );

  // A window reload restores the panel (registerWebviewPanelSerializer) with both evaluations: its saved state names them.
  const beforeReload = await shownEvaluations(frame);
  const reload = await reloadWindow(page);
  const restored = await restoredWebview(
    page,
    'the restored evaluation panel',
    '#columns',
    async (f) => {
      const shown = await shownEvaluations(f);
      return shown.columns.length > 0 && shown.columns.every((c) => c.cards.length > 0) ? shown : undefined;
    },
    reload.at,
  );
  assert.deepEqual(restored.value, beforeReload, 'the restored panel does not show what it showed before the reload');
  const accuracies = restored.value.columns.map((c) => c.cards.find(([label]) => label === 'accuracy')?.[1]);
  const sums = restored.value.columns.map((c) => c.confusion.flat().reduce((a, b) => a + b, 0));
  assert.deepEqual(sums, [150, 30]);
  step(
    `reload: workbench back in ${reload.workbenchMs} ms; the panel is back ${restored.ms} ms after the reload with the same two evaluations ` +
      `(accuracy ${accuracies.join(' and ')}, confusion matrices summing to ${sums.join(' and ')}, the same cards and differences)`,
  );
  await screenshot(
    'restored',
    'after a window reload: the same two evaluations side by side, with their cards, differences and confusion matrices',
  );

  // 4. Regression: predicted-vs-actual scatter and residual histogram.
  const regression = await evaluateFromPalette(page, ['linear', 'linear-regression.model.json'], ['Test data', 'Test data of the run']);
  const cards = await waitFor(
    'the regression cards',
    async () => {
      const labels = await regression.$$eval('.card-label', (ls) => ls.map((l) => l.textContent));
      return labels.includes('R²') ? labels : undefined;
    },
    30_000,
  );
  assert.deepEqual(cards.slice(1), ['MSE', 'RMSE', 'MAE', 'R²']);
  await waitFor(
    'both charts drawn',
    async () => ((await regression.$$eval('.chart-holder canvas', (cs) => cs.filter((c) => c.width > 0).length)) === 2 ? true : undefined),
    30_000,
  );
  step(`regression: cards ${cards.join(', ')}; scatter and residual histogram drawn`);
  await screenshot(
    'regression',
    "linear-regression's test split: MSE, RMSE, MAE, R² cards, predicted-vs-actual scatter and residual histogram",
  );

  // 5. Binary classification (one sigmoid output): ROC and precision-recall curves, on the whole file for real curves.
  const binary = await evaluateFromPalette(
    page,
    ['iris-binary', 'iris-binary.model.yaml'],
    ['versicolor', 'data/iris-versicolor-virginica.csv'],
  );
  const binaryCards = await waitFor(
    'the binary cards',
    async () => {
      const found = await binary.$$eval('.card', (cs) =>
        cs.map((c) => [c.querySelector('.card-label')?.textContent, Number(c.querySelector('.card-value')?.textContent)]),
      );
      return found.some(([label]) => label === 'ROC AUC') ? Object.fromEntries(found) : undefined;
    },
    30_000,
  );
  assert.ok(binaryCards['ROC AUC'] > 0.9 && binaryCards['ROC AUC'] <= 1, `ROC AUC ${binaryCards['ROC AUC']}`);
  assert.ok(
    binaryCards['average precision'] > 0.9 && binaryCards['average precision'] <= 1,
    `average precision ${binaryCards['average precision']}`,
  );
  assert.equal(
    (await confusion(binary)).flat().reduce((a, b) => a + b, 0),
    100,
  );
  await waitFor(
    'ROC and PR drawn',
    async () => ((await binary.$$eval('.chart-holder canvas', (cs) => cs.filter((c) => c.width > 0).length)) >= 2 ? true : undefined),
    30_000,
  );
  step(
    `binary (iris versicolor vs virginica, 100 flowers): ROC AUC ${binaryCards['ROC AUC']}, average precision ${binaryCards['average precision']}; ROC and PR curves drawn`,
  );
  await binary.locator('.chart-holder canvas').first().scrollIntoViewIfNeeded();
  await screenshot(
    'binary',
    'a binary classifier on all 100 versicolor and virginica flowers: ROC and precision-recall curves with their areas',
  );

  // 6. Runs view context menu on the MNIST run: worst predictions as images.
  await runFromPalette(page, 'View: Close All Editor Groups');
  await showRunsView(page);
  const mnistRow = page.locator('.sidebar .monaco-list-row[aria-label^="Run "][aria-label*=" of mnist-mlp.model.json,"]').first();
  await mnistRow.waitFor({ timeout: 30_000 });
  await mnistRow.click();
  await mnistRow.click({ button: 'right' });
  await page.locator('.context-view .action-label', { hasText: 'Evaluate Model…' }).hover();
  await page.keyboard.press('Enter');
  await pickQuickInput(page, 'Test data', 'Test data of the run');
  const mnist = await webviewFrame(page, 'canvas.example-image', 120_000);
  const images = await mnist.$$eval('canvas.example-image', (cs) => cs.map((c) => [c.width, c.height]));
  assert.ok(images.length > 0 && images.every(([w, h]) => w === 28 && h === 28), `28×28 images, got ${JSON.stringify(images)}`);
  const mnistMatrix = await confusion(mnist);
  assert.equal(
    mnistMatrix.flat().reduce((a, b) => a + b, 0),
    2000,
  );
  step(`MNIST from the Runs view: ${images.length} worst predictions drawn as 28×28 images; matrix sums to 2000`);
  await screenshot('mnist', "Evaluate Model… from the Runs view's context menu on the MNIST run: 10×10 confusion matrix");
  await mnist.locator('table.worst').scrollIntoViewIfNeeded();
  await screenshot(
    'mnist-worst',
    "MNIST's worst predictions, each with its 28×28 digit, index in the IDX file, actual and predicted class",
  );
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'evaluation',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace, extension) => {
    const iris = JSON.parse(extensionCli(extension, workspace, 'train', 'iris.model.yaml', '--json').trim().split('\n').pop());
    extensionCli(extension, workspace, 'train', 'mnist-mlp.model.json', '--epochs', '1');
    extensionCli(extension, workspace, 'train', 'linear-regression.model.json');
    extensionCli(extension, workspace, 'train', 'iris-binary.model.yaml');
    step(`trained iris (${iris.runDir}), linear-regression, iris-binary and mnist-mlp (1 epoch) with the CLI`);
    return iris.runDir;
  },
  run,
});
