/* global document -- functions passed to page.evaluate / waitForFunction run in the browser */
// UI suite for sweeps, in a real VS Code (code-server) driven by Playwright
// with Debian's Chromium, on a temporary copy of samples/ whose iris model
// has a dropout layer and 8 epochs (a sweep of 12 trials in well under a
// minute on 2 cores):
//   1. the form's search toggles search the learning rate (its range made
//      log, 1e-4 to 1e-1), the units of layer 1 and the dropout rate; the
//      search block they write says 12 trials; pruning is set to median in
//      the form's Pruning group;
//   2. Run Sweep (CodeLens) starts it, Stop Sweep stops it, Resume Sweep
//      continues it; a window reload interrupts it, the restored panel
//      offers Resume Sweep, which runs it to the end: the table has
//      12 trials, at least one pruned with its reason, the parallel
//      coordinates draw a line per trial over 4 axes (learning rate on a log
//      axis), the scatter a dot per trial, and selected trials' curves;
//   3. the Runs view shows "Sweep <id>" with 12/12 trials;
//   4. Apply best values writes the best trial's values into the file (one
//      edit: one Ctrl+Z takes it back).
//   node test/e2e/sweep.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/sweep-*.png.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  collectWebviewErrors,
  openFile,
  openWorkbench,
  reloadWindow,
  restoredWebview,
  runUiSuite,
  showRunsView,
  stepLogger,
  waitFor,
  webviewFrame,
} from './helpers.mjs';

const MODEL_FILE = 'iris.model.yaml';
const SUITE_TIMEOUT_MS = 6 * 60_000;
const step = stepLogger(Date.now());

/** The sample with a dropout layer after the hidden one, and fewer epochs. */
function prepare(workspace) {
  const file = join(workspace, MODEL_FILE);
  const text = readFileSync(file, 'utf8');
  const withDropout = text
    .replace('      activation: relu\n', '      activation: relu\n    - type: dropout\n      rate: 0.1\n')
    .replace('epochs: 50', 'epochs: 8');
  assert.notEqual(withDropout, text);
  writeFileSync(file, withDropout);
}

/**
 * The model file's text once `test` passes: the editor's document saved
 * (Ctrl+S in its tab) and read from disk, since the editor renders only
 * the lines on screen.
 */
async function savedFileHas(page, workspace, what, test, timeoutMs = 30_000) {
  return waitFor(
    what,
    async () => {
      await page.locator('.tab', { hasText: MODEL_FILE }).first().click();
      await page.keyboard.press('Control+S');
      await new Promise((r) => setTimeout(r, 300));
      const text = readFileSync(join(workspace, MODEL_FILE), 'utf8');
      return test(text) ? text : undefined;
    },
    timeoutMs,
    500,
  );
}

async function toggleSearch(form, fieldId) {
  const toggle = form.locator(`.field[data-field-id="${fieldId}"] .search-toggle`);
  await toggle.click();
  await form.waitForFunction(
    (id) => document.querySelector(`.field[data-field-id="${id}"] .search-toggle`)?.getAttribute('aria-pressed') === 'true',
    fieldId,
    {
      timeout: 15_000,
    },
  );
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['hyperparameters.js', 'sweep.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  await openFile(page, MODEL_FILE);
  step(`${MODEL_FILE} is open (a dropout layer added, 8 epochs)`);

  // ---- 1. the form's search toggles write the search block.
  await page.locator('.codelens-decoration a', { hasText: /^Hyperparameters$/ }).click();
  const form = await webviewFrame(page, '#layers');
  await form.waitForFunction(() => document.querySelector('#f-training_learningRate')?.value === '0.01', null, { timeout: 30_000 });
  await toggleSearch(form, 'training.learningRate');
  await savedFileHas(page, workspace, 'the search block', (t) => t.includes('search:') && t.includes('training.learningRate:'));
  // The range starts a decade either side of 0.01 on a log scale; widen it to 1e-4.
  const min = form.locator('.field[data-field-id="training.learningRate"] .search-editor .search-bound').first().locator('input');
  await min.fill('0.0001');
  await min.press('Enter');
  await savedFileHas(page, workspace, 'the wider range', (t) => t.includes('min: 0.0001'));
  await toggleSearch(form, 'model.layers.0.units');
  await toggleSearch(form, 'model.layers.1.rate');
  const searched = await savedFileHas(
    page,
    workspace,
    'three searched parameters',
    (t) => t.includes('min: 0.0001') && t.includes('"model.layers[0].units":') && t.includes('"model.layers[1].rate":'),
  );
  assert.match(searched, /trials: 12/);
  assert.match(searched, /metric: val_accuracy/);
  step('search toggles: learningRate 1e-4…1e-1 (log), layers[0].units 4…64 (log, int), layers[1].rate 0…0.5; 12 trials, val_accuracy');

  // Pruning, in the form's Pruning group: median after 2 epochs.
  await form.locator('#f-search_prune_afterEpochs input').fill('2');
  await form.locator('#f-search_prune_afterEpochs input').press('Enter');
  await savedFileHas(page, workspace, 'prune.afterEpochs', (t) => t.includes('afterEpochs: 2'));
  await form.locator('#f-search_prune_type').click();
  await form.locator('#f-search_prune_type').getByRole('option', { name: 'median' }).click();
  await savedFileHas(page, workspace, 'prune.type', (t) => /prune:[\s\S]*type: median/.test(t));
  step('pruning: median after 2 epochs, set in the form');
  await form.locator('.field[data-field-id="training.learningRate"]').scrollIntoViewIfNeeded();
  await screenshot('form-search', 'the form with three fields searched and the search block in the editor');

  // ---- 2. Run Sweep, to the end.
  const runSweep = page.locator('.codelens-decoration a', { hasText: /^Run Sweep$/ });
  await runSweep.waitFor({ timeout: 30_000 });
  await runSweep.click();
  step('Run Sweep clicked');
  let panel = await webviewFrame(page, '#trials', 60_000);
  await panel.waitForFunction(() => Number(document.querySelector('#trials')?.dataset.rows) > 0, null, { timeout: 60_000 });
  await screenshot('sweep-running', 'the sweep panel while trials run');
  // Stop Sweep once two trials have finished, then Resume Sweep: finished trials are kept, the rest run.
  await panel.waitForFunction(
    () => document.querySelectorAll('#trials tbody tr:is([data-status="completed"], [data-status="pruned"])').length >= 2,
    null,
    {
      timeout: 60_000,
      polling: 100,
    },
  );
  await panel.locator('#stop').click();
  await panel.waitForFunction(() => document.body.dataset.status === 'stopped', null, { timeout: 60_000, polling: 250 });
  const kept = await panel.locator('#trials tbody tr:is([data-status="completed"], [data-status="pruned"])').count();
  step(`Stop Sweep: the sweep is stopped with ${kept} trials finished; Resume Sweep is offered`);
  await screenshot('sweep-stopped', 'the stopped sweep, with Resume Sweep');
  assert.ok(kept >= 2, `only ${kept} trials were kept`);
  await panel.locator('#resume').click();

  // A window reload mid-sweep: the runner goes with the window; the restored
  // panel shows the sweep interrupted (or stopped), and Resume Sweep finishes it.
  await panel.waitForFunction(
    (n) => document.querySelectorAll('#trials tbody tr:is([data-status="completed"], [data-status="pruned"])').length >= n,
    kept + 2,
    { timeout: 60_000, polling: 100 },
  );
  const reload = await reloadWindow(page);
  const restored = await restoredWebview(
    page,
    'the sweep panel after the reload',
    '#trials',
    (frame) =>
      frame.evaluate(() => (/^(interrupted|stopped)$/.test(document.body.dataset.status ?? '') ? document.body.dataset.status : undefined)),
    reload.at,
  );
  panel = restored.frame;
  step(`window reloaded: the sweep panel is back ${restored.ms} ms after the reload, the sweep ${restored.value}, Resume Sweep offered`);
  await screenshot('sweep-after-reload', 'after a window reload: the sweep interrupted, with Resume Sweep');
  await panel.locator('#resume').click();
  const started = Date.now();
  await panel.waitForFunction(() => document.body.dataset.status === 'completed', null, { timeout: 240_000, polling: 500 });
  step(`sweep completed ${((Date.now() - started) / 1000).toFixed(1)} s after Resume Sweep`);

  const statuses = await panel.locator('#trials tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.equal(statuses.length, 12, `the table has ${statuses.length} trials`);
  const pruned = statuses.filter((s) => s === 'pruned').length;
  assert.ok(pruned >= 1, `no trial was pruned (${statuses.join(', ')})`);
  const reason = await panel.locator('#trials tbody tr[data-status="pruned"] .reason').first().innerText();
  assert.match(reason, /median/);
  const plot = panel.locator('#parallel svg');
  assert.equal(await plot.getAttribute('data-axes'), '4');
  assert.equal(Number(await plot.getAttribute('data-lines')), 12);
  assert.ok(
    (await panel.locator('#parallel .axis-label').allTextContents()).includes('learningRate (log)'),
    'the learning rate axis is not log',
  );
  assert.ok(Number(await panel.locator('#scatter svg').getAttribute('data-dots')) >= 1);
  step(`table: 12 trials, ${pruned} pruned ("${reason}"); parallel coordinates: 12 lines over 4 axes; scatter drawn`);

  // Two trials' curves, drawn together.
  const rows = panel.locator('#trials tbody tr');
  await rows.nth(0).click();
  await rows.nth(1).click();
  await panel.waitForFunction(() => document.querySelectorAll('#charts canvas').length > 0, null, { timeout: 15_000 });
  await panel.locator('#parallel').scrollIntoViewIfNeeded();
  await screenshot('sweep-done', 'the finished sweep: best trial pinned, table, parallel coordinates, scatter');
  await panel.locator('#charts').scrollIntoViewIfNeeded();
  await screenshot('sweep-curves', 'curves of the two selected trials');

  // ---- 3. the Runs view groups the trials under their sweep.
  await showRunsView(page);
  const sweepRow = page.locator('.monaco-list-row', { hasText: /^Sweep / }).first();
  await sweepRow.waitFor({ timeout: 30_000 });
  const description = await sweepRow.innerText();
  assert.match(description, /12\/12 trials/);
  // Its trials under it, each with its values.
  await sweepRow.locator('.monaco-tl-twistie').click();
  const trialRow = page.locator('.monaco-list-row', { hasText: /^trial \d+/ }).first();
  await trialRow.waitFor({ timeout: 15_000 });
  assert.match(await trialRow.innerText(), /learningRate=/);
  await screenshot('runs-view', 'the Runs view: the sweep and its trials');
  step(`Runs view: ${description.replace(/\s+/g, ' ')}`);

  // ---- 4. Apply best values: the best trial's values in the file, one undo step.
  const sweepsDir = join(workspace, '.modelstudio', 'sweeps');
  const [sweepId] = readdirSync(sweepsDir);
  const sweep = JSON.parse(readFileSync(join(sweepsDir, sweepId, 'sweep.json'), 'utf8'));
  const bestIndex = Number((await panel.locator('#best-facts [data-fact="trial"] dd').innerText()).trim()) - 1;
  const best = sweep.trials.find((t) => t.index === bestIndex);
  assert.ok(best, `no trial ${bestIndex} in sweep.json`);
  await panel.locator('#apply-best').click();
  await panel.waitForFunction(() => /Applied trial/.test(document.querySelector('#notice')?.textContent ?? ''), null, { timeout: 15_000 });
  await page.locator('.tab', { hasText: MODEL_FILE }).first().click();
  await page.keyboard.press('Control+S');
  const applied = await waitFor(
    'the saved file with the best values',
    async () => {
      const spec = parse(readFileSync(join(workspace, MODEL_FILE), 'utf8'));
      return spec.training.learningRate === best.params['training.learningRate'] ? spec : undefined;
    },
    15_000,
  );
  assert.equal(applied.model.layers[0].units, best.params['model.layers[0].units']);
  assert.equal(applied.model.layers[1].rate, best.params['model.layers[1].rate']);
  const text = readFileSync(join(workspace, MODEL_FILE), 'utf8');
  assert.ok(text.startsWith("# Fisher's iris flowers"), 'the comment was lost');
  step(`Apply best values: trial ${bestIndex + 1}'s ${JSON.stringify(best.params)} written, comment kept`);
  await screenshot('applied', 'the best values applied to the model file');
  await page.keyboard.press('Control+Z');
  await savedFileHas(
    page,
    workspace,
    'the values back after one undo',
    (t) => t.includes('learningRate: 0.01\n') && t.includes('units: 16\n'),
  );
  step('one Ctrl+Z restores learningRate 0.01 and units 16');

  assert.deepEqual(webviewErrors, [], 'a webview logged errors');
}

process.exitCode = await runUiSuite({ prefix: 'sweep', step, timeoutMs: SUITE_TIMEOUT_MS, needs: 'trainer.js', prepare, run });
