/* global document -- functions passed to frame.evaluate / waitForFunction run in the browser */
// UI suite for the experiments table, in a real VS Code (code-server) driven
// by Playwright with Debian's Chromium, on a temporary copy of samples/ with
// three iris runs made with the CLI (4 epochs each): batch size 16, batch
// size 32, and batch size 32 with learning rate 0.05 and a dropout layer.
// "Model Studio: Open Experiments Table" from the Command Palette lists the
// workspace's runs:
//   1. the columns: the hyperparameters that differ (batchSize, learningRate,
//      the layers) are shown, those that do not (optimizer) are not;
//   2. sort by batchSize (click, then Enter on the header: aria-sort follows);
//   3. a filter expression keeps the matching runs; a bad one says where;
//   4. two runs selected → Diff shows batchSize 16 ↔ 32 side by side;
//   5. Enter on a row opens the inline editor: a name, tags and a note are
//      saved into run.json and shown; Escape in a new editor writes nothing;
//   6. Export CSV writes the rows shown (the save dialog's default path accepted);
//   7. Compare overlays the selected runs' curves;
//   8. the column picker hides and shows columns, remembered when the table opens again;
//   9. a run trained with the CLI meanwhile appears in the open table.
//   node test/e2e/experiments.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/experiments-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectWebviewErrors, openWorkbench, runFromPalette, runUiSuite, stepLogger, waitFor, webviewFrame } from './helpers.mjs';

const MODEL_FILE = 'iris.model.yaml';
const SUITE_TIMEOUT_MS = 4 * 60_000;
const step = stepLogger(Date.now(), 'e2e experiments');

/** Three runs of iris with the CLI, each with other hyperparameters. */
function prepare(workspace, extension) {
  const file = join(workspace, MODEL_FILE);
  const original = readFileSync(file, 'utf8').replace('epochs: 50', 'epochs: 4');
  const variants = [
    original,
    original.replace('batchSize: 16', 'batchSize: 32'),
    original
      .replace('batchSize: 16', 'batchSize: 32')
      .replace('learningRate: 0.01', 'learningRate: 0.05')
      .replace('      activation: relu\n', '      activation: relu\n    - type: dropout\n      rate: 0.2\n'),
  ];
  const train = () =>
    execFileSync(process.execPath, [join(extension.dir, 'dist', 'cli.js'), 'train', MODEL_FILE], {
      cwd: workspace,
      encoding: 'utf8',
      timeout: 180_000,
    });
  for (const text of variants) {
    writeFileSync(file, text);
    train();
  }
  const runsDir = join(workspace, '.modelstudio', 'runs');
  const runs = readdirSync(runsDir)
    .filter((name) => existsSync(join(runsDir, name, 'run.json')))
    .sort();
  assert.equal(runs.length, 3, `the CLI made ${runs.length} runs`);
  step(`prepared 3 runs with the CLI: ${runs.join(', ')}`);
  return { runsDir, train };
}

/** The run folders of the table's rows, in order. */
function rowDirs(panel) {
  return panel.locator('#runs tbody tr[data-run-dir]').evaluateAll((rows) => rows.map((r) => r.dataset.runDir));
}

/** The text of one column in the table's order. */
function columnText(panel, column) {
  return panel
    .locator(`#runs tbody tr[data-run-dir] td[data-column="${column}"]`)
    .evaluateAll((cells) => cells.map((c) => c.textContent.replace('✎', '').trim()));
}

async function rowCount(panel, n) {
  await panel.waitForFunction((count) => document.querySelectorAll('#runs tbody tr[data-run-dir]').length === count, n, {
    timeout: 15_000,
  });
}

async function run({ page, workspace, server, prepared, screenshot }) {
  const { runsDir, train } = prepared;
  const webviewErrors = collectWebviewErrors(page, ['experiments.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  await runFromPalette(page, 'Model Studio: Open Experiments Table');
  const panel = await webviewFrame(page, '#runs', 60_000);
  await rowCount(panel, 3);
  step('Open Experiments Table (Command Palette): the workspace folder, 3 runs');

  // ---- 1. columns: what differs is shown, what does not is hidden.
  const headers = await panel.locator('#runs thead th[data-column]').evaluateAll((ths) => ths.map((th) => th.dataset.column));
  for (const id of ['name', 'status', 'started', 'duration', 'backend', 'training.batchSize', 'training.learningRate', 'val_accuracy']) {
    assert.ok(headers.includes(id), `no ${id} column in ${headers.join(', ')}`);
  }
  assert.ok(headers.includes('model.layers[1].type'), 'the dropout layer that one run has is not a column');
  assert.ok(!headers.includes('training.optimizer'), 'a hyperparameter all runs share is shown');
  await screenshot('table', 'the experiments table: 3 runs, the hyperparameters that differ, metrics');
  step(`columns: ${headers.join(', ')}`);

  // ---- 2. sort by batchSize: a click sorts ascending, Enter on the header descending.
  const sortButton = panel.locator('#runs thead th[data-column="training.batchSize"] button');
  await sortButton.click();
  await panel.waitForFunction(
    () => document.querySelector('#runs th[data-column="training.batchSize"]')?.getAttribute('aria-sort') === 'ascending',
  );
  assert.deepEqual(await columnText(panel, 'training.batchSize'), ['16', '32', '32']);
  await panel.locator('#runs thead th[data-column="training.batchSize"] button').focus();
  await panel.locator('#runs thead th[data-column="training.batchSize"] button').press('Enter');
  await panel.waitForFunction(
    () => document.querySelector('#runs th[data-column="training.batchSize"]')?.getAttribute('aria-sort') === 'descending',
  );
  assert.deepEqual(await columnText(panel, 'training.batchSize'), ['32', '32', '16']);
  step('sort: batchSize ascending by click, descending by Enter on the header (aria-sort follows)');

  // ---- 3. a filter expression, and a bad one.
  const filter = panel.locator('#filter');
  await filter.fill('batchSize >');
  await panel.locator('#filter-error').waitFor({ state: 'visible' });
  const error = await panel.locator('#filter-error').innerText();
  assert.match(error, /Column 12: the expression ends too soon/);
  await screenshot('filter-error', 'a bad filter expression: the error and where');
  await filter.fill('batchSize == 32 && learningRate < 0.02');
  await rowCount(panel, 1);
  assert.ok(await panel.locator('#filter-error').isHidden());
  await filter.fill('batchSize == 32 && val_loss < 100');
  await rowCount(panel, 2);
  await screenshot('filtered', 'filter: batchSize == 32 && val_loss < 100 keeps two runs');
  step(`filter: "${error.split('.')[0]}" for "batchSize >"; batchSize == 32 && learningRate < 0.02 → 1 run; && val_loss < 100 → 2`);
  await filter.fill('');
  await rowCount(panel, 3);

  // ---- 4. select two runs (click, Ctrl+click) → Diff.
  const sorted = await rowDirs(panel); // batchSize 32, 32, 16
  const rows = panel.locator('#runs tbody tr[data-run-dir]');
  await rows.nth(1).click();
  await rows.nth(2).click({ modifiers: ['Control'] });
  await panel.waitForFunction(() => document.querySelectorAll('#runs tbody tr.selected').length === 2);
  await panel.locator('#diff').click();
  const changed = panel.locator('#diff-body tr.changed[data-key="training.batchSize"]');
  await changed.waitFor({ timeout: 15_000 });
  const sides = await changed.locator('td').allInnerTexts();
  assert.deepEqual(new Set(sides), new Set(['16', '32']));
  assert.equal(await panel.locator('#diff-body tr.same').count(), 0, 'unchanged leaves are shown before the toggle');
  await panel.locator('#show-unchanged').check();
  assert.ok((await panel.locator('#diff-body tr.same[data-key="training.optimizer"]').count()) === 1);
  await panel.locator('#diff-section').scrollIntoViewIfNeeded();
  await screenshot('diff', 'Diff of two runs: batchSize 16 ↔ 32, unchanged leaves shown with the toggle');
  await panel.locator('#show-unchanged').uncheck();
  const changedKeys = await panel.locator('#diff-body tr.changed').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
  step(`Diff: ${changedKeys.join(', ')}`);

  // ---- 5. the inline editor: name, tags, notes into run.json; Escape writes nothing.
  const target = sorted[2];
  await rows.nth(2).focus();
  await rows.nth(2).press('Enter');
  const editor = panel.locator('tr.editor');
  await editor.waitFor();
  await editor.locator('.edit-name').fill('small batches');
  await editor.locator('.edit-tags').fill('baseline, keep');
  await editor.locator('.edit-notes').fill('Batch size 16: the slowest, and "good" enough, to compare with.');
  await screenshot('editor', 'the inline editor of a run: name, tags, notes');
  await editor.locator('button.save').click();
  const info = await waitFor(
    'the note in run.json',
    () => {
      const json = JSON.parse(readFileSync(join(target, 'run.json'), 'utf8'));
      return json.notes && json.label && json.tags ? json : undefined;
    },
    15_000,
  );
  assert.equal(info.label, 'small batches');
  assert.deepEqual(info.tags, ['baseline', 'keep']);
  assert.match(info.notes, /"good" enough/);
  assert.equal(info.status, 'completed', 'run.json lost its fields');
  await panel.waitForFunction(() =>
    [...document.querySelectorAll('#runs td[data-column="name"]')].some((td) => td.textContent.includes('small batches')),
  );
  await panel.waitForFunction(() =>
    [...document.querySelectorAll('#runs td[data-column="tags"]')].some((td) => td.textContent === 'baseline, keep'),
  );
  const renamed = panel.locator('#runs tbody tr[data-run-dir]', { hasText: 'small batches' });
  await renamed.focus();
  await renamed.press('Enter');
  await editor.locator('.edit-notes').fill('not saved');
  await editor.locator('.edit-notes').press('Escape');
  await editor.waitFor({ state: 'detached' });
  assert.doesNotMatch(readFileSync(join(target, 'run.json'), 'utf8'), /not saved/);
  await screenshot('edited', 'the run renamed, tagged and with notes; Escape cancelled a second edit');
  step(`inline editor: label, tags and notes in ${target.slice(runsDir.length + 1)}/run.json; Escape wrote nothing`);

  // ---- 6. Export CSV of the rows shown: the save dialog (code-server's simple dialog) answered with a path.
  await filter.fill('tags contains "keep" || batchSize == 32');
  await rowCount(panel, 3);
  await filter.fill('batchSize == 32');
  await rowCount(panel, 2);
  await panel.locator('#export').click();
  // The dialog offers <folder>-runs.csv beside the runs; it fills its box a moment after it opens.
  const csvFile = join(workspace, 'workspace-runs.csv');
  const input = page.locator('.quick-input-widget input');
  await waitFor(
    'the save dialog with its default path',
    async () => ((await input.inputValue().catch(() => '')).endsWith('workspace-runs.csv') ? true : undefined),
    15_000,
  );
  await input.press('Enter');
  const csv = await waitFor('the CSV file', () => (existsSync(csvFile) ? readFileSync(csvFile, 'utf8') : undefined), 15_000);
  const lines = csv.split('\r\n').filter((l) => l !== '');
  assert.equal(lines.length, 3, `the CSV has ${lines.length} lines:\n${csv}`);
  assert.match(lines[0], /^name,status,started,duration,backend,.*training\.batchSize/);
  const batchAt = lines[0].split(',').indexOf('training.batchSize');
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(',')[batchAt]),
    ['32', '32'],
  );
  await panel.locator('#notice').waitFor({ state: 'visible' });
  assert.match(await panel.locator('#notice').innerText(), /Exported 2 runs/);
  await screenshot('exported', 'Export CSV: the two runs shown, written to workspace-runs.csv');
  step(`Export CSV: ${lines.length - 1} rows, header ${lines[0].slice(0, 80)}…`);
  await filter.fill('');
  await rowCount(panel, 3);

  // ---- 7. Compare: the selected runs' curves overlaid.
  await panel.locator('#runs thead th.select-col input').check();
  await panel.locator('#compare').click();
  await panel.waitForFunction(
    () => document.querySelector('#charts')?.dataset.runs === '3' && document.querySelectorAll('#charts canvas').length >= 2,
    null,
    {
      timeout: 15_000,
    },
  );
  const drawn = await panel.locator('#charts [data-runs]').evaluateAll((els) => els.map((e) => e.dataset.runs));
  assert.ok(drawn.includes('3'), `no chart draws the 3 runs (${drawn.join(', ')})`);
  await panel.locator('#curves-section').scrollIntoViewIfNeeded();
  await screenshot('compare', 'Compare: the three runs overlaid, one chart per metric');
  step(`Compare: ${await panel.locator('#charts canvas').count()} charts with 3 runs each`);

  // ---- 8. the column picker: learningRate hidden, and still hidden when the table is opened again.
  await panel.locator('#columns-toggle').click();
  await panel.locator('#columns input[data-column="training.learningRate"]').uncheck();
  await panel.waitForFunction(() => !document.querySelector('#runs th[data-column="training.learningRate"]'));
  await panel.locator('#columns input[data-column="training.optimizer"]').check();
  await panel.locator('#runs th[data-column="training.optimizer"]').waitFor();
  await panel.locator('#columns').scrollIntoViewIfNeeded();
  await screenshot('columns', 'the column picker: learningRate hidden, optimizer (the same in every run) shown');
  await runFromPalette(page, 'View: Close All Editor Groups');
  await waitFor('the table closed', async () =>
    (await page.locator('.tab', { hasText: 'Experiments' }).count()) === 0 ? true : undefined,
  );
  await runFromPalette(page, 'Model Studio: Open Experiments Table');
  const reopened = await webviewFrame(page, '#runs thead th[data-column="training.optimizer"]', 30_000);
  assert.equal(await reopened.locator('#runs th[data-column="training.learningRate"]').count(), 0, 'the hidden column came back');
  step('column picker: learningRate hidden and optimizer shown, both remembered when the table is opened again');

  // ---- 9. a run made while the table is open (the CLI, as another window would) appears without a refresh.
  train();
  await rowCount(reopened, 4);
  step('a fourth run trained with the CLI appeared in the open table');

  assert.deepEqual(webviewErrors, [], 'a webview logged errors');
}

process.exitCode = await runUiSuite({ prefix: 'experiments', step, timeoutMs: SUITE_TIMEOUT_MS, needs: 'cli.js', prepare, run });
