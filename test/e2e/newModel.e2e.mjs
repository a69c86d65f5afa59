/* global document -- functions passed to frame.evaluate run in the browser */
// UI suite for the first minutes with your own data, in a real VS Code
// (code-server) driven by Playwright with Debian's Chromium: a folder holding
// nothing but one CSV (not iris: measurements of three grades of fruit, the
// label a column of 0/1/2 whose name says nothing). The Runs view's welcome
// offers New Model from Data…; a right-click on the CSV in the Explorer runs
// it; the label column is asked in a QuickPick (Escape the first time:
// nothing is written), picked with the keyboard the second; the model file
// opens with the hyperparameters form beside it; ▶ Train (CodeLens) trains
// to the end; Evaluate Model… on the run's test data shows the confusion
// matrix. No JSON or YAML typed anywhere.
//   node test/e2e/newModel.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/newModel-*.png; on failure a screenshot
// and the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  openWorkbench,
  runFromPalette,
  runUiSuite,
  showRunsView,
  stepLogger,
  waitFor,
  webviewFrame,
} from './helpers.mjs';

const SUITE_TIMEOUT_MS = 6 * 60_000;
const DATA = 'fruit.csv';
const MODEL_FILE = 'fruit.model.yaml';
const ROWS = 180;

const step = stepLogger(Date.now(), 'e2e newModel');

/** A table of 180 fruits: four measurements and a grade 0, 1 or 2 that they predict, with seeded noise (the grades overlap). */
function fruitTable() {
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const lines = ['weight_g,diameter_mm,sugar_brix,firmness,grade'];
  for (let i = 0; i < ROWS; i++) {
    const grade = i % 3;
    const weight = 120 + 40 * grade + 60 * noise();
    const diameter = 60 + 8 * grade + 14 * noise();
    const sugar = 9 + 2.5 * grade + 5 * noise();
    const firmness = 7 - 1.5 * grade + 3.5 * noise();
    lines.push([weight, diameter, sugar, firmness].map((v) => v.toFixed(2)).join(',') + `,${grade}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The run folders next to the model file. */
function runDirs(workspace) {
  const dir = join(workspace, '.modelstudio', 'runs');
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

function runJson(runDir) {
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  } catch {
    return undefined; // between a write and its rename
  }
}

/** Right-click on the CSV in the Explorer → New Model from Data…; resolves once the label QuickPick asks. */
/**
 * Right-click the data file → New Model from Data…; `beforeClick` sees the open menu. A click that lands
 * before the menu takes input leaves it open (seen under load): the item is then chosen with the keyboard.
 */
async function newModelFromExplorer(page, beforeClick = async () => {}) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: DATA }).first();
  const item = page.locator('.context-view .action-label', { hasText: 'New Model from Data…' });
  await row.click({ button: 'right' });
  await item.waitFor({ timeout: 15_000 });
  await beforeClick();
  await item.hover();
  await new Promise((r) => setTimeout(r, 300));
  await item.click();
  for (let tries = 0; await item.isVisible(); tries++) {
    if (tries === 20) throw new Error('the context menu did not take the click or the keyboard');
    // The item is the menu's last: Up from the menu's start wraps to it.
    if (tries % 5 === 4) {
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['hyperparameters.js', 'training.js', 'evaluation.js']);
  await openWorkbench(page, server, workspace, DATA);
  step('workbench is up on a folder holding only fruit.csv');

  // The Runs view's welcome offers the command.
  await showRunsView(page);
  await page.locator('.sidebar .welcome-view-content', { hasText: 'New Model from Data…' }).waitFor({ timeout: 30_000 });
  await screenshot('welcome', "the Runs view's welcome: New Model from Data…, Open Sample and Open a Model File…");
  await runFromPalette(page, 'View: Show Explorer');

  // 1. Right-click → New Model from Data… → Escape at the label question: nothing written.
  await newModelFromExplorer(page, () => screenshot('context-menu', 'New Model from Data… in the Explorer context menu of fruit.csv'));
  const quickPick = page.locator('.quick-input-widget');
  await quickPick.locator('.quick-input-title', { hasText: 'Which column of fruit.csv is the label' }).waitFor({ timeout: 30_000 });
  const columns = await quickPick.locator('.monaco-list-row .label-name').allInnerTexts();
  assert.deepEqual(columns, ['grade', 'weight_g', 'diameter_mm', 'sugar_brix', 'firmness'], 'the header, the last column first');
  await screenshot('label-question', 'no column named like a label: a QuickPick of the header, the last column first');
  await page.keyboard.press('Escape');
  await quickPick.waitFor({ state: 'hidden' });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(existsSync(join(workspace, MODEL_FILE)), false, 'Escape wrote a model file');
  step('Escape at the label question: no model file written');

  // 2. Again, picking "grade" with the keyboard.
  await newModelFromExplorer(page);
  await quickPick.locator('.quick-input-title', { hasText: 'Which column of fruit.csv is the label' }).waitFor({ timeout: 30_000 });
  await page.keyboard.type('grade');
  await page.keyboard.press('Enter');
  await page.locator('.tab', { hasText: MODEL_FILE }).first().waitFor({ timeout: 60_000 });
  const form = await webviewFrame(page, 'h1#name:has-text("fruit")', 60_000);
  assert.ok(form, 'the hyperparameters form is open');
  const text = readFileSync(join(workspace, MODEL_FILE), 'utf8');
  assert.match(text, /label: grade\n/);
  assert.match(text, /units: 3\n {6}activation: softmax/);
  step('picked "grade": fruit.model.yaml opened with the hyperparameters form beside it');
  await screenshot('model-and-form', 'the commented baseline model file, and the hyperparameters form beside it');

  // 3. ▶ Train (CodeLens) to the end.
  await page.locator('.tab', { hasText: MODEL_FILE }).first().click();
  const train = page.locator('.codelens-decoration a', { hasText: '▶ Train' });
  await train.waitFor({ timeout: 30_000 });
  await train.click();
  const finished = await waitFor(
    'the run to finish',
    async () => {
      const run = runDirs(workspace)
        .map(runJson)
        .find((r) => r && r.status !== 'running');
      return run;
    },
    180_000,
    500,
  );
  assert.equal(finished.status, 'completed', JSON.stringify(finished));
  const accuracy = finished.test?.accuracy;
  assert.ok(typeof accuracy === 'number' && accuracy > 0.6, `test accuracy ${accuracy}`);
  step(`trained: ${finished.epochsDone} of ${finished.epochs} epochs, test accuracy ${accuracy}`);
  const panel = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await panel
    .locator('body[data-status="completed"]')
    .waitFor({ timeout: 30_000 })
    .catch(() => undefined);
  await screenshot('trained', 'the run completed: loss and accuracy curves in the training panel');

  // 4. Evaluate Model… on the run's test data.
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, 'Model Studio: Evaluate Model…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  const testData = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Test data of the run' }).first();
  const modelRow = page.locator('.quick-input-list .monaco-list-row', { hasText: MODEL_FILE }).first();
  // With one model file the picker may skip straight to the data.
  const first = await waitFor(
    'the model or data picker',
    async () => ((await testData.count()) > 0 ? 'data' : (await modelRow.count()) > 0 ? 'model' : undefined),
    30_000,
  );
  if (first === 'model') await modelRow.click();
  await testData.waitFor({ timeout: 30_000 });
  await testData.click();
  const evaluation = await webviewFrame(page, 'table.confusion', 120_000);
  const matrix = await waitFor('the confusion matrix', () =>
    evaluation.evaluate(() => {
      const rows = [...document.querySelectorAll('table.confusion tbody tr')];
      return rows.length > 0 ? rows.map((tr) => [...tr.querySelectorAll('td .count')].map((c) => Number(c.textContent))) : undefined;
    }),
  );
  assert.equal(matrix.length, 3);
  assert.equal(
    matrix.flat().reduce((a, b) => a + b, 0),
    ROWS * 0.2,
    'the matrix sums to the test rows',
  );
  step(`evaluated on the run's test data: confusion matrix ${JSON.stringify(matrix)}`);
  await screenshot('evaluation', "Evaluate Model… on the run's test data: metric cards and the 3×3 confusion matrix");
  assert.deepEqual(webviewErrors, [], 'the webviews logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'newModel',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace) => {
    // An empty folder with one CSV: the samples the suite runner copies are removed.
    for (const name of readdirSync(workspace)) rmSync(join(workspace, name), { recursive: true, force: true });
    writeFileSync(join(workspace, DATA), fruitTable());
    step(`workspace holds only ${DATA} (${ROWS} rows)`);
  },
  run,
});
