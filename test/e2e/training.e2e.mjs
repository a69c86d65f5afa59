/* global window, MutationObserver -- functions passed to evaluate run in the webview */
// UI suite: what a person does and sees, in a real VS Code (code-server)
// driven by Playwright with Debian's Chromium, on a temporary copy of
// samples/ that also holds a run made with the CLI. Open a model file with
// Ctrl+P, click ▶ Train, watch the loss curve grow in the training panel,
// click Stop; the Runs view shows the run as stopped (and the CLI's run as
// completed), also after a window reload, which restores the panel with the
// same points; smoothing, log scale, epoch view and zoom change the charts;
// a second run and the two selected in the Runs view are drawn together;
// the panel in dark and high-contrast themes; a second reload keeps the two
// runs overlaid; Delete Run with its modal.
//   node test/e2e/training.e2e.mjs     (after `npm run build`)
// Screenshots of each step: test/e2e/screenshots/training-*.png; on
// failure, a screenshot and the code-server log: test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  extensionLog,
  logTime,
  notification,
  openFile,
  openWorkbench,
  reloadWindow,
  runFromPalette,
  runUiSuite,
  showRunsView,
  stepLogger,
  waitFor,
} from './helpers.mjs';

const MODEL_FILE = 'mnist-mlp-small.model.json';
/**
 * Planned epochs of the e2e's copy of MODEL_FILE (10 in samples/): minutes
 * of training, so that the run is still going whenever Stop is clicked,
 * however busy the machine (30 epochs, 35 s, once ended first).
 */
const EPOCHS = 200;
/** Trained with the CLI before the workbench opens: the Runs view must show it. */
const CLI_MODEL_FILE = 'iris.model.yaml';
const SUITE_TIMEOUT_MS = 6 * 60_000;
/** How long after the Stop click the run may take to be `stopped` on disk. */
const STOP_WITHIN_MS = 2000;

const step = stepLogger(Date.now());

/** The run folders of the model files in the workspace's root, oldest first. */
function runDirs(workspace) {
  const runsDir = join(workspace, '.modelstudio', 'runs');
  return existsSync(runsDir)
    ? readdirSync(runsDir)
        .sort()
        .map((name) => join(runsDir, name))
    : [];
}

function readRunJson(runDir) {
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  } catch {
    return undefined; // caught between a write and its rename
  }
}

/** The newest run of the e2e's model file. */
function latestRunDir(workspace) {
  return runDirs(workspace)
    .filter((d) => d.endsWith('mnist-mlp-small'))
    .pop();
}

function latestRunJson(workspace) {
  const runDir = latestRunDir(workspace);
  return runDir ? readRunJson(runDir) : undefined;
}

/** The loss points metrics.jsonl holds: one per batch, plus loss and val_loss per epoch. */
function lossPointsOnDisk(runDir) {
  const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  let points = 0;
  for (const record of lines.map((l) => JSON.parse(l))) {
    if (Number.isFinite(record.loss)) points++;
    if (record.batch === null && Number.isFinite(record.val_loss)) points++;
  }
  return points;
}

async function setColorTheme(page, theme) {
  await runFromPalette(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor();
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Rows of the Runs view (the side bar shows the Model Studio container). */
function runRows(page, modelFile) {
  return page.locator(`.sidebar .monaco-list-row[aria-label^="Run "][aria-label*=" of ${modelFile},"]`);
}

async function run({ page, server, workspace, screenshot }) {
  // The webview's console arrives here too: a CSP violation or an exception in
  // the panel's script fails the suite.
  const webviewErrors = collectWebviewErrors(page, ['training.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  step('workbench is up');
  await screenshot('workbench', 'the samples in the Explorer, the Model Studio icon in the activity bar');

  await openFile(page, MODEL_FILE);
  step(`${MODEL_FILE} is open`);

  const train = page.locator('.codelens-decoration a', { hasText: '▶ Train' });
  await train.waitFor({ timeout: 30_000 });
  step('▶ Train CodeLens is shown');
  await screenshot('codelens', '▶ Train and the other lenses above the model file');

  await train.click();
  const clickedAt = Date.now();
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const chart = webview.locator('#loss-chart');
  await chart.waitFor({ state: 'attached', timeout: 30_000 });
  const points = async () => Number((await chart.getAttribute('data-points')) ?? 0);
  const first = await waitFor('the first loss point', async () => ((await points()) > 0 ? points() : undefined), 90_000);
  step(`first loss point ${Date.now() - clickedAt} ms after the click (${first} points)`);
  await screenshot('first-points', 'the panel beside the editor with the first points');
  const later = await waitFor('the loss curve to grow', async () => {
    const n = await points();
    return n >= first + 20 ? n : undefined;
  });
  assert.ok(later > first, `the curve did not grow: ${first} → ${later}`);
  assert.equal(await webview.locator('body').getAttribute('data-status'), 'running');
  assert.equal(latestRunJson(workspace)?.status, 'running', 'run.json does not say running');
  for (const fact of ['epoch', 'batch', 'elapsed', 'backend']) {
    await webview.locator(`[data-fact="${fact}"]`).waitFor({ timeout: 10_000 });
  }
  // Why other backends were skipped (run.json backendSkipped) is the backend's tooltip.
  const backendTitle = (await webview.locator('[data-fact="backend"]').locator('..').getAttribute('title')) ?? '';
  for (const skip of latestRunJson(workspace).backendSkipped) {
    assert.ok(backendTitle.includes(`${skip.backend}: ${skip.reason}`), `the backend tooltip lacks ${skip.backend}: ${backendTitle}`);
  }
  // wasm's threads: by default the cores but one, which the editor keeps (modelStudio.trainer.threads 0).
  const { backend, threads } = latestRunJson(workspace);
  if (backend === 'wasm') {
    assert.equal(threads, Math.min(8, Math.max(1, availableParallelism() - 1)), 'run.json threads');
    const shown = await webview.locator('[data-fact="backend"]').textContent();
    assert.ok(shown.startsWith(`wasm · ${threads} thread${threads === 1 ? '' : 's'}`), `the header's backend: ${shown}`);
  }
  await waitFor('samples/s and ETA in the header', async () =>
    (await webview.locator('[data-fact="samples/s"]').count()) && (await webview.locator('[data-fact="ETA"]').count()) ? true : undefined,
  );
  await page.locator('.codelens-decoration a', { hasText: '■ Stop' }).waitFor();
  const statusBar = page.locator('.statusbar-item', { hasText: 'mnist-mlp-small' });
  await statusBar.waitFor();
  // The progress notification.
  const progress = await notification(page, 'Training mnist-mlp-small');
  assert.ok(
    await progress.locator('.notification-list-item-buttons-container', { hasText: 'Cancel' }).count(),
    'no Cancel on the progress notification',
  );
  const header = (await webview.locator('#facts').innerText()).replace(/\s+/g, ' ');
  step(`curve grew to ${later} points; status bar: ${(await statusBar.innerText()).trim()}; header: ${header}`);
  await screenshot(
    'training',
    'a run going: header (epoch, batch, elapsed, ETA, samples/s, backend), smoothed curves, status bar, progress notification',
  );
  await page.locator('[id="status.notifications"]').click(); // hide the notification centre again

  // Stop, timed in parts. The webview notes when it saw the click and when it
  // first showed `stopped` (hooks added here, not in the product); run.json's
  // mtime says when the trainer finished; the extension's log, when the host
  // heard the trainer's `done`.
  const stopButton = webview.locator('#stop');
  await stopButton.evaluate((button) =>
    button.addEventListener(
      'click',
      () => {
        window.e2eStopClickedAt = Date.now();
      },
      { once: true },
    ),
  );
  await webview.locator('body').evaluate((body) =>
    new MutationObserver(() => {
      if (body.dataset.status === 'stopped') window.e2eStoppedShownAt ??= Date.now();
    }).observe(body, { attributes: true, attributeFilter: ['data-status'] }),
  );
  await stopButton.click();
  // Both polled at once, so neither observation waits for the other.
  const [onDisk, inPanel] = await Promise.all([
    waitFor(
      'run.json to leave running',
      () => {
        const runJson = latestRunJson(workspace);
        return runJson && runJson.status !== 'running' ? { runJson, seenAt: Date.now() } : undefined;
      },
      10_000,
    ),
    waitFor(
      'the panel to leave running',
      async () => {
        const status = await webview.locator('body').getAttribute('data-status');
        return status === 'running' || status === 'stopping' ? undefined : { status, seenAt: Date.now() };
      },
      10_000,
    ),
  ]);
  assert.equal(onDisk.runJson.status, 'stopped');
  assert.equal(inPanel.status, 'stopped');
  const stopClickedAt = await stopButton.evaluate(() => window.e2eStopClickedAt);
  const shownAt = await webview.locator('body').evaluate(() => window.e2eStoppedShownAt);
  const writtenAt = statSync(join(latestRunDir(workspace), 'run.json')).mtimeMs;
  const heardAt = await waitFor(
    'the host to log the stopped run',
    () => logTime(extensionLog(server), `run ${onDisk.runJson.id} stopped`),
    5_000,
  );
  const ms = (t) => `${Math.round(t - stopClickedAt)} ms`;
  step(
    `stop, from the click: run.json stopped ${ms(writtenAt)}, host told ${ms(heardAt)}, panel stopped ${ms(shownAt)} ` +
      `(${Math.round(shownAt - writtenAt)} ms after run.json); polls saw run.json at ${ms(onDisk.seenAt)}, the panel at ${ms(inPanel.seenAt)}`,
  );
  assert.ok(onDisk.seenAt - stopClickedAt <= STOP_WITHIN_MS, `run.json said stopped ${ms(onDisk.seenAt)} after the click`);
  // How long the panel then takes is printed above, not bounded: it is the webview's renderer on a shared machine
  // (0.04–0.8 s over eleven runs, 2.4 s in one CI run with the machine busy; docs/decisions.md).
  // Every record of the run is on the chart: none lost between the panel's
  // read of metrics.jsonl (written in batches) and the live stream.
  const firstRun = latestRunDir(workspace);
  const expected = lossPointsOnDisk(firstRun);
  const shown = await waitFor(
    'the chart to hold every record',
    async () => {
      const n = await points();
      return n === expected ? n : undefined;
    },
    5_000,
  ).catch(async () => points());
  assert.equal(shown, expected, `the chart shows ${shown} loss points, metrics.jsonl has ${expected}`);
  step(`the chart holds all ${expected} loss points of metrics.jsonl`);
  await page.locator('.codelens-decoration a', { hasText: '▶ Train' }).waitFor({ timeout: 10_000 });
  await statusBar.waitFor({ state: 'hidden', timeout: 5_000 });
  step('▶ Train is back and the status bar item is gone');

  // The Runs view: this run stopped, the CLI's run completed.
  await showRunsView(page);
  const stoppedRow = runRows(page, MODEL_FILE).filter({ has: page.locator('.codicon-debug-stop') });
  await waitFor(
    'the run as stopped in the Runs view',
    async () => ((await runRows(page, MODEL_FILE).first().getAttribute('aria-label'))?.includes(', stopped,') ? true : undefined),
    30_000,
  );
  await stoppedRow.first().waitFor();
  const cliRow = runRows(page, CLI_MODEL_FILE).first();
  assert.match((await cliRow.getAttribute('aria-label')) ?? '', /, completed, val_accuracy [\d.]+% · [\d:]+ · \w+/);
  step(
    `Runs view: "${await runRows(page, MODEL_FILE).first().getAttribute('aria-label')}"; CLI run: "${await cliRow.getAttribute('aria-label')}"`,
  );
  await screenshot(
    'stopped',
    'after Stop: the panel says stopped; the Runs view lists the stopped run and the CLI run (completed) by model file',
  );

  // A reload (Developer: Reload Window) restores the panel from the run folder
  // (registerWebviewPanelSerializer), and the Runs view from disk.
  const reload = await reloadWindow(page);
  const restored = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const restoredPoints = await waitFor(
    'the restored panel to show the run',
    async () => {
      const status = await restored
        .locator('body')
        .getAttribute('data-status', { timeout: 1000 })
        .catch(() => null);
      const n = Number(
        (await restored
          .locator('#loss-chart')
          .getAttribute('data-points', { timeout: 1000 })
          .catch(() => 0)) ?? 0,
      );
      return status === 'stopped' && n === expected ? n : undefined;
    },
    60_000,
  );
  step(
    `after a reload the panel is back: stopped, ${restoredPoints} points, ${Date.now() - reload.at} ms after the reload (workbench up in ${reload.workbenchMs} ms)`,
  );
  if (!(await page.locator('.sidebar .title-label', { hasText: 'Runs' }).isVisible())) await showRunsView(page);
  await waitFor(
    'the Runs view after the reload',
    async () =>
      (
        await runRows(page, MODEL_FILE)
          .first()
          .getAttribute('aria-label', { timeout: 1000 })
          .catch(() => '')
      )?.includes(', stopped,')
        ? true
        : undefined,
    30_000,
  );
  step('after a reload the Runs view lists the run as stopped');
  await screenshot('restored', 'after a window reload: the same panel, points and Runs view');

  // The chart controls.
  const panel = restored;
  const lossChart = panel.locator('#loss-chart');
  const attr = (name) => lossChart.getAttribute(name);
  const until = (what, probe, timeoutMs = 30_000) => waitFor(what, async () => ((await probe()) ? true : undefined), timeoutMs);
  await panel.locator('#smoothing').fill('0');
  await until('smoothing off', async () => (await attr('data-smoothed')) === 'false');
  const rawCurves = Number(await attr('data-datasets'));
  await panel.locator('#smoothing').fill('0.9');
  await until('smoothing on', async () => (await attr('data-smoothed')) === 'true');
  assert.equal(Number(await attr('data-datasets')), rawCurves, 'the smoothed curves replace the raw ones in the legend');
  await panel.locator('#log').click();
  await until('a log y axis', async () => (await attr('data-y-scale')) === 'logarithmic');
  const batchPoints = Number(await attr('data-drawn-points'));
  await panel.locator('vscode-radio[value="epoch"]').click();
  // One point per epoch (train and validation, raw and smoothed) instead of hundreds per epoch.
  await until('the epoch view', async () => Number(await attr('data-drawn-points')) < batchPoints / 4);
  const epochPoints = Number(await attr('data-drawn-points'));
  await panel.locator('vscode-radio[value="batch"]').click();
  await until('the batch view', async () => Number(await attr('data-drawn-points')) > epochPoints);
  step(
    `smoothing, log scale, epoch view (${epochPoints} points drawn) and batch view (${await attr('data-drawn-points')}) change the loss chart`,
  );
  // Drag across the chart zooms the epoch axis; double-click goes back.
  const box = await lossChart.locator('canvas').boundingBox();
  const fullRange = await attr('data-x-range');
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await until('a zoomed x axis', async () => (await attr('data-x-range')) !== fullRange);
  assert.equal(await panel.locator('#reset-zoom').getAttribute('disabled'), null, 'Reset zoom stays disabled when zoomed');
  step(`drag zoomed the epochs from ${fullRange} to ${await attr('data-x-range')}`);
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
  await screenshot('controls', 'smoothing 0.9 (raw faint behind), log y axis, zoomed by a drag, a tooltip with exact values');
  await lossChart.locator('canvas').dblclick();
  await until('the whole run again', async () => (await attr('data-x-range')) === fullRange);
  await panel.locator('#log').click();
  await until('a linear y axis', async () => (await attr('data-y-scale')) === 'linear');

  // A second run, then both selected in the Runs view: drawn together.
  await panel.locator('#train').click();
  await waitFor(
    'the second run to draw points',
    async () => {
      const status = await panel.locator('body').getAttribute('data-status');
      return status === 'running' && Number(await attr('data-points')) > 30 ? true : undefined;
    },
    90_000,
  );
  await panel.locator('#stop').click();
  await waitFor(
    'the second run to stop',
    async () => ((await panel.locator('body').getAttribute('data-status')) === 'stopped' ? true : undefined),
    30_000,
  );
  await waitFor('two runs in the Runs view', async () => ((await runRows(page, MODEL_FILE).count()) === 2 ? true : undefined), 30_000);
  step('a second run was made and stopped');
  // The model file changes on disk: the header says the run trained on another spec, until it is changed back.
  const modelPath = join(workspace, MODEL_FILE);
  const modelText = readFileSync(modelPath, 'utf8');
  writeFileSync(modelPath, modelText.replace('"learningRate": 0.001', '"learningRate": 0.002'));
  await until(
    '"model file changed since this run started"',
    async () =>
      (await panel.locator('body').getAttribute('data-file-changed')) === 'true' && (await panel.locator('#file-changed').isVisible()),
    30_000,
  );
  await screenshot('file-changed', 'the model file was edited after the run started: the header says so');
  writeFileSync(modelPath, modelText);
  await until('the notice to go', async () => !(await panel.locator('#file-changed').isVisible()), 30_000);
  step('the header said "model file changed since this run started" while the file differed from the run');
  await runRows(page, MODEL_FILE).nth(0).click();
  await runRows(page, MODEL_FILE)
    .nth(1)
    .click({ modifiers: ['Control'] });
  await until(
    'both runs in the panel',
    async () => (await panel.locator('body').getAttribute('data-runs')) === '2' && (await attr('data-runs')) === '2',
    30_000,
  ).catch(async (error) => {
    const rows = await runRows(page, MODEL_FILE).evaluateAll((els) =>
      els.map((e) => `${e.getAttribute('aria-label')} selected=${e.getAttribute('aria-selected')}`),
    );
    throw new Error(`${error.message}; rows: ${rows.join(' | ')}; panel runs ${await panel.locator('body').getAttribute('data-runs')}`);
  });
  step(`two runs selected: the panel draws both (${await attr('data-datasets')} curves on the loss chart)`);
  await screenshot(
    'compare',
    'two runs selected in the Runs view, overlaid in the panel (colour per run, validation dashed); Light Modern theme',
  );

  for (const [theme, name] of [
    ['Dark Modern', 'dark'],
    ['Dark High Contrast', 'high-contrast'],
    ['Light High Contrast', 'light-high-contrast'],
  ]) {
    await setColorTheme(page, theme);
    await page.waitForTimeout(500); // the charts redraw on the theme change, on the next frame
    await screenshot(`theme-${name}`, `the same comparison in ${theme}`);
  }
  await setColorTheme(page, 'Light Modern');
  step('screenshots in dark and high-contrast themes');

  // A reload brings the comparison back too: the panel's saved state names the compared runs' folders
  // (the Runs view's selection itself is not restored by VS Code).
  const comparedCurves = await attr('data-datasets');
  const reloadCompared = await reloadWindow(page);
  const curvesBack = await waitFor(
    'the restored panel to draw both runs again',
    async () => {
      const runs = await panel
        .locator('body')
        .getAttribute('data-runs', { timeout: 1000 })
        .catch(() => null);
      return runs === '2' ? lossChart.getAttribute('data-datasets', { timeout: 1000 }).catch(() => undefined) : undefined;
    },
    60_000,
  );
  assert.equal(curvesBack, comparedCurves, 'the restored comparison draws the curves it drew before the reload');
  step(
    `after a second reload the panel draws both runs again (${curvesBack} curves on the loss chart), ${Date.now() - reloadCompared.at} ms after the reload`,
  );
  await screenshot('compare-restored', 'after a window reload: the two runs are still overlaid');
  if (!(await page.locator('.sidebar .title-label', { hasText: 'Runs' }).isVisible())) await showRunsView(page);
  await waitFor(
    'both runs in the Runs view after the reload',
    async () => ((await runRows(page, MODEL_FILE).count()) === 2 ? true : undefined),
    30_000,
  );

  // Delete Run from the context menu, after a modal confirmation.
  // Selected alone first: a right-click inside a selection acts on all of it.
  const older = runRows(page, MODEL_FILE).nth(1);
  await older.click();
  await older.click({ button: 'right' });
  // The menu ignores a click that comes as it opens: point at the item, then Enter.
  await page.locator('.context-view .action-label', { hasText: 'Delete Run' }).hover();
  await page.keyboard.press('Enter');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Delete run .*mnist-mlp-small\?/);
  await screenshot('delete-confirm', 'Delete Run asks first, in a modal dialog naming the folder');
  await dialog.locator('.monaco-button', { hasText: 'Delete' }).first().click();
  await waitFor('one run left', async () => ((await runRows(page, MODEL_FILE).count()) === 1 ? true : undefined), 30_000);
  assert.ok(!existsSync(firstRun), 'the deleted run folder is still on disk');
  step('Delete Run removed the older run from disk and from the view');
  await screenshot('deleted', 'the Runs view after Delete Run');
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'training',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace, extension) => {
    // Runs long enough that Stop always finds them going, however busy the machine.
    const modelFile = join(workspace, MODEL_FILE);
    writeFileSync(modelFile, readFileSync(modelFile, 'utf8').replace('"epochs": 10', `"epochs": ${EPOCHS}`));
    // A run made outside the editor, before it opens.
    execFileSync(process.execPath, [join(extension.dir, 'dist', 'cli.js'), 'train', join(workspace, CLI_MODEL_FILE), '--epochs', '2'], {
      stdio: 'ignore',
      timeout: 120_000,
    });
    step(`trained ${CLI_MODEL_FILE} with the CLI`);
  },
  run,
});
