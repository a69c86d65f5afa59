/* global document -- functions passed to page.evaluate / waitForFunction run in the browser */
// UI suite for writing a model file, in a real VS Code (code-server) driven
// by Playwright, on a temporary copy of samples/ without the iris sample and
// with a CSV of its own (data/wine.csv) and a model file being written for it:
//   1. Get Started (Help: Welcome) lists the Model Studio walkthrough; it
//      opens with its six steps; its Open Sample button copies the iris
//      sample into the folder and opens it, and that step shows as done;
//   2. completion in the YAML model file offers the CSV's column names for
//      `label`, the data files for `path`, a dense layer's keys (no
//      `kernelSize`), the layer types with their docs (Keras name);
//   3. the dense block snippet, inserted in the layer list, adds a dense
//      and a dropout layer, and the file still validates (no problems);
//   4. in a JSON model file, a dense layer's keys (the JSON service, from
//      the editor schema) have no kernelSize either.
//   node test/e2e/editing.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/editing-*.png.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goToLine, openFile, openWorkbench, runFromPalette, runUiSuite, stepLogger, waitFor } from './helpers.mjs';

const MODEL_FILE = 'wine.model.yaml';
const SUITE_TIMEOUT_MS = 4 * 60_000;
const step = stepLogger(Date.now());

const WINE_CSV = [
  'alcohol,malic_acid,ash,magnesium,quality',
  ...Array.from({ length: 20 }, (_, i) => `${12 + (i % 5) * 0.4},${1.5 + (i % 3) * 0.5},2.${i % 10},${95 + i},${i % 2 ? 'good' : 'poor'}`),
  '',
].join('\n');

/** Line numbers (1-based) below refer to this text. */
const MODEL_TEXT = [
  'name: wine', // 1
  'task: classification', // 2
  'data:', // 3
  '  train:', // 4
  '    path: data/wine.csv', // 5
  '    label: ', // 6
  '  validationSplit: 0.2', // 7
  'model:', // 8
  '  layers:', // 9
  '    - type: dense', // 10
  '      units: 8', // 11
  '    - type: dense', // 12
  '      units: 2', // 13
  '      activation: softmax', // 14
  'training:', // 15
  '  optimizer: adam', // 16
  '  loss: sparseCategoricalCrossentropy', // 17
  '  epochs: 2', // 18
  '',
].join('\n');

function prepare(workspace) {
  // Open Sample must bring these back.
  rmSync(join(workspace, 'iris.model.yaml'));
  rmSync(join(workspace, 'data', 'iris.csv'));
  writeFileSync(join(workspace, 'data', 'wine.csv'), WINE_CSV);
  writeFileSync(join(workspace, MODEL_FILE), MODEL_TEXT);
}

/** Opens completion at the cursor and returns the labels it lists (once it lists `expected`). */
async function suggestions(page, expected) {
  const widget = page.locator('.editor-widget.suggest-widget');
  return waitFor(
    `completion listing ${expected}`,
    async () => {
      if (!(await widget.isVisible())) await page.keyboard.press('Control+Space');
      await new Promise((r) => setTimeout(r, 400));
      const labels = await page.locator('.suggest-widget .monaco-list-row .label-name').allInnerTexts();
      return labels.includes(expected) ? labels : undefined;
    },
    30_000,
    300,
  );
}

async function closeSuggestions(page) {
  await page.keyboard.press('Escape');
  await page.locator('.editor-widget.suggest-widget').waitFor({ state: 'hidden' });
}

process.exitCode = await runUiSuite({
  prefix: 'editing',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare,
  run: async ({ page, server, workspace, screenshot }) => {
    await openWorkbench(page, server, workspace, MODEL_FILE);
    step('workbench up');

    // ---- 1. The walkthrough from Get Started.
    await runFromPalette(page, 'Help: Welcome');
    const entry = page.locator('.getting-started-category', { hasText: 'Get Started with Model Studio' }).first();
    await waitFor(
      'the Model Studio walkthrough on the Welcome page',
      async () => {
        if (await entry.isVisible()) return true;
        // Walkthroughs beyond the first few are behind "More…".
        const more = page.locator('.gettingStartedContainer button, .gettingStartedContainer a', { hasText: /^More/ }).first();
        if (await more.isVisible()) await more.click();
        return undefined;
      },
      30_000,
      500,
    );
    await screenshot('welcome', 'Get Started lists the Model Studio walkthrough');
    await entry.click();
    const stepTitles = page.locator('.getting-started-step .step-title');
    const titles = await waitFor(
      'the walkthrough steps',
      async () => {
        const found = (await stepTitles.allInnerTexts()).map((t) => t.trim()).filter((t) => t !== '');
        return found.length >= 6 ? found : undefined;
      },
      30_000,
      300,
    );
    assert.deepEqual(titles.slice(0, 6), [
      'Open a sample',
      'Train it',
      'Read the curves',
      'Change a hyperparameter in the form',
      'Evaluate',
      'Run a sweep',
    ]);
    step(`walkthrough steps: ${titles.join(' · ')}`);
    await screenshot('walkthrough', 'the walkthrough: six steps, the first open with its Open Sample button');

    await page.getByRole('button', { name: 'Open Sample' }).first().click();
    await page.locator('.tab', { hasText: 'iris.model.yaml' }).first().waitFor({ timeout: 30_000 });
    assert.ok(existsSync(join(workspace, 'iris.model.yaml')) && existsSync(join(workspace, 'data', 'iris.csv')), 'the sample copied');
    await page.locator('.tab', { hasText: 'Walkthrough' }).first().click();
    // A step done is ticked: its checkbox icon turns into a check mark.
    const ticked = await waitFor(
      'the Open a sample step done',
      async () => {
        const icon = await page.evaluate(() => {
          const title = [...document.querySelectorAll('.getting-started-step .step-title')].find(
            (t) => t.textContent?.trim() === 'Open a sample',
          );
          return title?.closest('.getting-started-step')?.querySelector('.codicon')?.className ?? '';
        });
        return /complete|checked|pass/.test(icon) ? icon : undefined;
      },
      30_000,
      500,
    );
    step(`Open a sample step icon: ${ticked}`);
    step('Open Sample copied iris.model.yaml and data/iris.csv, opened it; the step shows as done');
    await screenshot('walkthrough-step-done', 'the Open a sample step ticked after its button ran');

    // ---- 2. Completion that knows the workspace.
    await openFile(page, MODEL_FILE);
    await goToLine(page, 6, 12);
    const columns = await suggestions(page, 'quality');
    assert.deepEqual(columns, ['alcohol', 'malic_acid', 'ash', 'magnesium', 'quality'], 'the header, in its order');
    step(`label: completion lists the CSV's columns ${columns.join(', ')}`);
    await screenshot('label-columns', 'label: the columns of data/wine.csv');
    await page.locator('.suggest-widget .monaco-list-row', { hasText: 'quality' }).first().click();

    await goToLine(page, 5, 16);
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Backspace');
    const files = await suggestions(page, 'wine.csv');
    assert.ok(files.includes('iris-versicolor-virginica.csv') && files.includes('linear.csv'));
    assert.ok(!files.some((f) => f.endsWith('.gz') || f === 'README.md'), `only tables: ${files.join(', ')}`);
    step(`path: data/ lists ${files.join(', ')}`);
    await screenshot('data-paths', 'path: the tables in data/');
    await page.keyboard.type('wine.csv');
    await closeSuggestions(page).catch(() => undefined);

    await goToLine(page, 11, 15);
    await page.keyboard.press('Enter');
    const denseKeys = await suggestions(page, 'activation');
    assert.ok(!denseKeys.includes('kernelSize') && !denseKeys.includes('filters'), `dense offers ${denseKeys.join(', ')}`);
    step(`a dense layer's keys: ${denseKeys.join(', ')} (no kernelSize)`);
    await screenshot('dense-keys', "a dense layer's keys, without kernelSize");
    await closeSuggestions(page);

    // The new line (12) becomes a new layer.
    await goToLine(page, 12, 1);
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('    - type: ');
    const types = await suggestions(page, 'dense');
    assert.ok(types.includes('conv2d'), types.join(', '));
    // Ctrl+Space again shows the focused entry's docs beside the list.
    // Each editor has its own details pane (the sample is open too): the text of all of them.
    const detailsText = () => page.evaluate(() => [...document.querySelectorAll('.suggest-details')].map((d) => d.innerText).join('\n'));
    await waitFor(
      'the docs of dense',
      async () => {
        const text = await detailsText();
        if (/keras\.layers\.Dense/.test(text)) return text;
        if (!/Fully connected/.test(text)) await page.keyboard.press('Control+Space');
        await new Promise((r) => setTimeout(r, 500));
        return undefined;
      },
      15_000,
    );
    step('layer types: dense with its docs and Keras name');
    await screenshot('layer-docs', 'layer types with the docs of dense');
    // One name per layer: TF.js's maxPool2d is not offered beside maxPooling2d.
    await page.keyboard.type('maxP');
    const pooling = await suggestions(page, 'maxPooling2d');
    assert.ok(!pooling.includes('maxPool2d') && !pooling.includes('maxPool1d'), pooling.join(', '));
    step(`typing maxP lists ${pooling.join(', ')}: no aliases`);
    await closeSuggestions(page);

    // ---- 3. A snippet: the dense block, in place of the layer being typed.
    await goToLine(page, 12, 1);
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('    - ');
    const blocks = await suggestions(page, 'dense block');
    assert.ok(blocks.includes('conv block'));
    await screenshot('snippets', 'the layer blocks offered on a new item of the layer list');
    await page.locator('.suggest-widget .monaco-list-row', { hasText: 'dense block' }).first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    const saved = await waitFor(
      'the dense block saved',
      async () => {
        const text = readFileSync(join(workspace, MODEL_FILE), 'utf8');
        return text.includes('type: dropout') ? text : undefined;
      },
      15_000,
      300,
    );
    assert.match(saved, / {4}- type: dense\n {6}units: 64\n {6}activation: relu\n {4}- type: dropout\n {6}rate: 0\.2\n/);
    step('dense block inserted: a dense and a dropout layer');
    await screenshot('dense-block', 'the dense block inserted into the layer list');
    // The file as written validates: no problem in the Problems view's count.
    const problems = page.locator('[id="status.problems"]');
    await waitFor(
      'no problems',
      async () => ((await problems.getAttribute('aria-label').catch(() => '')) ?? '').match(/No Problems/i) ?? undefined,
      30_000,
      500,
    );
    assert.match(saved, /label: quality\n/);
    step('the file validates: no problems');

    // ---- 4. JSON: the same per-type keys from the editor schema, through VS Code's JSON service.
    await openFile(page, 'mnist-mlp.model.json');
    await goToLine(page, 20, 25);
    await page.keyboard.type(' "');
    const jsonKeys = await suggestions(page, 'useBias');
    assert.ok(!jsonKeys.includes('kernelSize') && !jsonKeys.includes('poolSize') && !jsonKeys.includes('filters'), jsonKeys.join(', '));
    step(`JSON: a dense layer's keys: ${jsonKeys.join(', ')} (no kernelSize)`);
    await screenshot('json-dense-keys', "JSON: a dense layer's keys, without kernelSize");
    await closeSuggestions(page);
  },
});
