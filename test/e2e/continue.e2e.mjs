// UI suite: every number of a run in the training panel, read by everyone,
// and Continue with Changes. Train the iris sample (a few epochs) with
// ▶ Train; when it ends the header shows each metric's latest value
// (accuracy too) and the test and saved-model validation metrics; the charts
// are labelled images with a table of values, and a polite live line says
// how the run ended. The hyperparameters form names its checkbox by its
// label. Lower the learning rate in the form, then Continue with Changes in
// the panel: a new run starts from the first one's checkpoint, its run.json
// records the parent, its epochs use the new rate, and the panel draws its
// curve after the parent's, the parent's in grey. The Runs view offers
// Continue with Changes on a finished run.
//   node test/e2e/continue.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/continue-*.png.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  editorText,
  openFile,
  openWorkbench,
  runUiSuite,
  showRunsView,
  stepLogger,
  waitFor,
  webviewFrame,
} from './helpers.mjs';

const MODEL_FILE = 'iris.model.yaml';
const EPOCHS = 4;
const SUITE_TIMEOUT_MS = 5 * 60_000;
const step = stepLogger(Date.now());

/** run.json of each run of the model file, oldest first. */
function runs(workspace) {
  const runsDir = join(workspace, '.modelstudio', 'runs');
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((name) => name.endsWith('-iris'))
    .sort()
    .map((name) => {
      try {
        return { dir: join(runsDir, name), run: JSON.parse(readFileSync(join(runsDir, name, 'run.json'), 'utf8')) };
      } catch {
        return { dir: join(runsDir, name), run: undefined }; // between a write and its rename
      }
    });
}

function epochRecords(runDir) {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line))
    .filter((record) => record.batch === null);
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['training.js', 'hyperparameters.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  await openFile(page, MODEL_FILE);
  const train = page.locator('.codelens-decoration a', { hasText: '▶ Train' }).filter({ visible: true });
  await train.waitFor({ timeout: 30_000 });
  await train.click();
  // A hidden webview's frame goes away: found again once its tab is back.
  let panel = await webviewFrame(page, '#loss-chart', 90_000);
  const status = () => panel.locator('body').getAttribute('data-status');
  await waitFor('the first run to complete', async () => ((await status()) === 'completed' ? true : undefined), 120_000);
  const [first] = runs(workspace);
  assert.equal(first.run.status, 'completed');
  step(`run ${first.run.id} completed`);

  // ---- every number: each metric's latest value, then the test and saved-model metrics.
  for (const fact of ['loss', 'val_loss', 'accuracy', 'val_accuracy']) {
    const value = await panel.locator(`[data-fact="${fact}"]`).innerText();
    assert.match(value, /^\d\.\d+(e-?\d+)?$/, `${fact}: "${value}"`);
  }
  const test = await panel.locator('[data-result="Test"]').innerText();
  assert.match(test, /accuracy \d\.\d+/, `test metrics: ${test}`);
  assert.equal(
    test.includes(first.run.test.accuracy.toPrecision(4)),
    true,
    `the panel's ${test} is not run.json's ${JSON.stringify(first.run.test)}`,
  );
  assert.match(await panel.locator('[data-result="Saved model, validation"]').innerText(), /accuracy \d\.\d+/);
  step(
    `header: ${(await panel.locator('#facts').innerText()).replace(/\s+/g, ' ')} | ${(await panel.locator('#results').innerText()).replace(/\s+/g, ' ')}`,
  );

  // ---- accessibility: charts are labelled images with a table of values; the live line says how the run ended.
  const lossImage = panel.getByRole('img', { name: /^loss chart, per batch\./ });
  await lossImage.waitFor({ state: 'attached' });
  assert.match((await lossImage.getAttribute('aria-label')) ?? '', /training \d\.\d+ at epoch \d+, validation \d\.\d+ at epoch 4/);
  assert.equal(await panel.getByRole('img', { name: /^accuracy chart/ }).count(), 1);
  const live = panel.locator('[aria-live="polite"]');
  assert.match(await live.innerText(), new RegExp(`^Run completed\\. Epoch ${EPOCHS} of ${EPOCHS}: loss \\d`));
  await panel.getByText('Values of loss').click();
  const table = panel.getByRole('table', { name: 'loss per epoch' });
  await table.waitFor();
  assert.equal(await table.getByRole('row').count(), EPOCHS + 1, 'a header row and one row per epoch');
  assert.deepEqual(await table.getByRole('columnheader').allInnerTexts(), ['epoch', 'training', 'validation']);
  step(`loss chart: "${await lossImage.getAttribute('aria-label')}"; live: "${await live.innerText()}"`);
  await screenshot('ended', 'the run ended: every metric in the header, test and saved-model metrics, the table of loss values opened');
  await panel.getByText('Values of loss').click();

  // ---- the form: the checkbox is named by its label; a lower learning rate.
  await page
    .locator('.codelens-decoration a', { hasText: /^Hyperparameters$/ })
    .filter({ visible: true })
    .click();
  const form = await webviewFrame(page, 'h1#name:has-text("iris")');
  const restore = form.getByRole('checkbox', { name: 'Restore best weights' });
  await restore.waitFor({ state: 'attached', timeout: 30_000 });
  assert.equal(await form.getByRole('checkbox', { name: '(default)' }).count(), 0, 'a checkbox is still named "(default)"');
  const lrInput = form.getByRole('spinbutton', { name: 'Learning rate' });
  await waitFor(
    'the learning rate in the form',
    async () => ((await lrInput.inputValue().catch(() => '')) === '0.01' ? true : undefined),
    30_000,
  );
  await lrInput.fill('0.002');
  await lrInput.press('Enter');
  await waitFor(
    'the edit in the file',
    async () => ((await editorText(page, MODEL_FILE)).includes('learningRate: 0.002') ? true : undefined),
    30_000,
  );
  step('form: the checkbox is "Restore best weights", the learning rate is set to 0.002');
  await screenshot('form', 'the hyperparameters form with the lower learning rate');

  // ---- Continue with Changes from the panel.
  const trainingTab = page.locator('.tab', { hasText: 'Training' }).first();
  await trainingTab.click();
  panel = await webviewFrame(page, '#continue:not([hidden])');
  const continueButton = panel.locator('#continue');
  await continueButton.waitFor({ state: 'visible' });
  await screenshot('before-continue', 'Continue with Changes beside Open Run Folder once the run has ended');
  await continueButton.click();
  const child = await waitFor(
    'the continued run to complete',
    () => {
      const second = runs(workspace).find((r) => r.dir !== first.dir);
      return second?.run?.status === 'completed' ? second : undefined;
    },
    120_000,
  );
  assert.deepEqual(child.run.parent, { id: first.run.id, epochs: EPOCHS });
  assert.deepEqual(
    epochRecords(child.dir).map((r) => r.lr),
    Array(EPOCHS).fill(0.002),
  );
  assert.ok(
    epochRecords(child.dir)[0].loss < epochRecords(first.dir)[0].loss,
    'the continued run starts where its parent ended, below a fresh first epoch',
  );
  step(`run ${child.run.id} continued ${first.run.id}: parent ${JSON.stringify(child.run.parent)}, lr 0.002`);

  // ---- the panel draws the continued curve after the parent's.
  await waitFor('the continued run in the panel', async () =>
    (await status()) === 'completed' && (await panel.locator('#parent-note').isVisible()) ? true : undefined,
  );
  assert.match(
    await panel.locator('#parent-note').innerText(),
    new RegExp(`Continues run .*\\(${first.run.id}\\).*epoch ${EPOCHS}.*epoch ${EPOCHS + 1}`),
  );
  assert.equal(await panel.locator('#loss-chart').getAttribute('data-runs'), '2', 'the parent and the continued run on the loss chart');
  // The last batches are drawn on the next frame after the run's end arrives.
  await waitFor('the continued curve to end at epoch 8', async () =>
    (await panel.locator('#loss-chart').getAttribute('data-x-range')) === `0:${2 * EPOCHS}` ? true : undefined,
  );
  assert.match(
    (await panel.getByRole('img', { name: /^loss chart/ }).getAttribute('aria-label')) ?? '',
    /\(continued from\): training .* at epoch 4.*validation .* at epoch 8/,
  );
  step(`panel: ${await panel.locator('#parent-note').innerText()}`);
  await panel.locator('[data-view="epoch"], vscode-radio[value="epoch"]').first().click();
  await screenshot('continued', "the continued run's curves after its parent's (grey), per epoch");

  // ---- the Runs view offers it on a finished run.
  await showRunsView(page);
  const row = page.locator(`.sidebar .monaco-list-row[aria-label^="Run "][aria-label*=" of ${MODEL_FILE},"]`).first();
  await row.click({ button: 'right' });
  const menuItem = page.locator('.monaco-menu .action-label', { hasText: 'Continue with Changes' });
  await menuItem.waitFor({ timeout: 10_000 });
  await screenshot('runs-menu', "Continue with Changes in a finished run's context menu");
  await page.keyboard.press('Escape');
  assert.deepEqual(webviewErrors, [], 'the webviews logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'continue',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace) => {
    const modelFile = join(workspace, MODEL_FILE);
    writeFileSync(modelFile, readFileSync(modelFile, 'utf8').replace('epochs: 50', `epochs: ${EPOCHS}`));
  },
  run,
});
