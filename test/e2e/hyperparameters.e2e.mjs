/* global document -- functions passed to page.evaluate / waitForFunction run in the browser */
// UI suite for the hyperparameter form and the layer graph, in a real VS Code
// (code-server) driven by Playwright with Debian's Chromium, on a temporary
// copy of samples/:
//   1. mnist-mlp's graph shows 407,050 parameters (and the editor's inlay hints
//      the shape and count of each layer);
//   2. clicking a graph node moves the editor's cursor to that layer;
//   3. changing the learning rate in the form changes the editor, and one
//      Ctrl+Z in the editor restores it;
//   4. typing a new batch size in the editor changes the form;
//   5. after a window reload the form and the graph are back, showing the
//      file's current values and layers;
// and measures the latencies of both directions (form → document,
// document → form, document → graph), printed at the end.
//   node test/e2e/hyperparameters.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/hp-*.png; on failure a screenshot and the
// code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  editorText,
  goToLine,
  median,
  openFile,
  openWorkbench,
  reloadWindow,
  restoredWebview,
  runUiSuite,
  stepLogger,
  waitFor,
  webviewFrame,
} from './helpers.mjs';

const MODEL_FILE = 'mnist-mlp.model.json';
const YAML_FILE = 'iris.model.yaml';
const SUITE_TIMEOUT_MS = 5 * 60_000;
/** Repetitions of each latency measurement. */
const SAMPLES = 5;

const step = stepLogger(Date.now());

/** Focus on the model file's editor (from a webview, say), by its tab. */
async function focusEditor(page) {
  await page.locator('.tab', { hasText: MODEL_FILE }).first().click();
  await page.locator('.monaco-editor.focused').waitFor({ timeout: 5_000 });
}

/** 1-based line and column of `needle` in `text`. */
function positionOf(text, needle) {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `${needle} is not in the file`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

async function run({ page, server, workspace, screenshot }) {
  const file = join(workspace, MODEL_FILE);
  const original = readFileSync(file, 'utf8');
  const latencies = { formToDocument: [], documentToForm: [], documentToGraph: [] };

  // The webviews' consoles arrive here too: a CSP violation or an exception in a panel fails the suite.
  const webviewErrors = collectWebviewErrors(page, ['hyperparameters.js', 'graph.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  step('workbench is up');
  await openFile(page, MODEL_FILE);
  step(`${MODEL_FILE} is open`);

  // ---- 1. the graph shows 407,050 parameters; the editor shows shapes and counts per layer.
  const graphLens = page.locator('.codelens-decoration a', { hasText: /^Graph$/ });
  await graphLens.waitFor({ timeout: 30_000 });
  await page.locator('.codelens-decoration a', { hasText: /^Hyperparameters$/ }).waitFor();
  const hint = await waitFor(
    'the inlay hints',
    async () => {
      const text = await editorText(page, MODEL_FILE);
      return text.includes('→ [null,512] · 401,920 params') && text.includes('→ [null,10] · 5,130 params') ? text : undefined;
    },
    60_000,
  );
  assert.ok(hint);
  step('CodeLenses Graph and Hyperparameters shown; inlay hints: → [null,512] · 401,920 params, → [null,10] · 5,130 params');
  await screenshot('codelens-and-hints');

  await graphLens.click();
  const graph = await webviewFrame(page, '#graph');
  const total = await waitFor(
    'the total parameter count',
    async () => {
      const text = await graph
        .locator('dd[data-fact="Total params"]')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      return text || undefined;
    },
    60_000,
  );
  assert.equal(total, '407,050');
  const nodes = await graph.locator('button.node').allTextContents();
  assert.equal(nodes.length, 2);
  assert.match(nodes[0], /dense.*\[null, 512\].*401,920 params/);
  assert.match(nodes[1], /dense.*\[null, 10\].*5,130 params/);
  step(`graph: ${nodes.length} layers, total params ${total}`);
  await screenshot('graph');

  // ---- 2. clicking a node puts the cursor on that layer.
  const second = positionOf(original, '{ "type": "dense", "units": 10');
  await graph.locator('button.node[data-index="1"]').click();
  const cursor = page.locator('[id="status.editor.selection"]');
  const where = await waitFor(
    'the cursor on layer 2',
    async () => {
      const text = (await cursor.innerText().catch(() => '')).trim();
      return text.startsWith(`Ln ${second.line}, Col ${second.column}`) ? text : undefined;
    },
    30_000,
  );
  step(`clicked node 2: cursor at "${where}" (layer 2 starts at line ${second.line}, column ${second.column})`);
  // And the other way: the node of the layer the cursor is in is highlighted.
  await waitFor(
    'node 2 highlighted',
    async () =>
      (await graph
        .locator('button.node.current')
        .getAttribute('data-index')
        .catch(() => null)) === '1'
        ? true
        : undefined,
    30_000,
  );
  const first = positionOf(original, '"units": 512');
  await goToLine(page, first.line, first.column + 9);
  await waitFor(
    'node 1 highlighted',
    async () =>
      (await graph
        .locator('button.node.current')
        .getAttribute('data-index')
        .catch(() => null)) === '0'
        ? true
        : undefined,
    30_000,
  );
  step('moving the cursor into layer 1 highlights node 1');
  await screenshot('graph-node-clicked');

  // Document → graph: retype the first layer's units and time the graph's update.
  for (let i = 0; i < SAMPLES; i++) {
    const units = 256 + i;
    await goToLine(page, first.line, first.column + 9);
    await page.keyboard.press('Shift+End');
    for (let k = 0; k < ', "activation": "relu" },'.length; k++) await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.type(String(units).slice(0, -1));
    const typedAt = Date.now();
    await page.keyboard.type(String(units).slice(-1));
    await graph.waitForFunction(
      (n) => document.querySelector('button.node[data-index="0"] .params')?.textContent === `${(785 * n).toLocaleString('en-US')} params`,
      units,
      { polling: 'raf', timeout: 10_000 },
    );
    latencies.documentToGraph.push(Date.now() - typedAt);
  }
  step(`document → graph: ${latencies.documentToGraph.join(', ')} ms`);
  // An invalid spec shows the diagnostic, not a stale graph.
  await goToLine(page, first.line, first.column + 9);
  await page.keyboard.press('Shift+End');
  for (let k = 0; k < ', "activation": "relu" },'.length; k++) await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.type('0');
  await graph.waitForFunction(() => document.body.dataset.state === 'invalid', null, { timeout: 10_000 });
  const problem = await graph.locator('#problem-list').innerText();
  assert.match(problem, /"model\.layers\[0\]\.units" must be an integer ≥ 1 \(got 0\)/);
  assert.equal(await graph.locator('button.node').count(), 0, 'a stale graph is still shown');
  step(`invalid units: the graph shows "${problem.trim()}"`);
  await screenshot('graph-invalid');
  // Back to the file as it was: undo until the editor holds 512 again.
  await waitFor(
    'the units restored by undo',
    async () => {
      if ((await editorText(page, MODEL_FILE)).includes('"units": 512,')) return true;
      await page.keyboard.press('Control+Z');
      return undefined;
    },
    20_000,
    150,
  );
  await graph.waitForFunction(() => document.querySelector('dd[data-fact="Total params"]')?.textContent === '407,050', null, {
    timeout: 10_000,
  });

  // ---- 3. the form changes the document; one undo in the editor restores it.
  await page.locator('.codelens-decoration a', { hasText: /^Hyperparameters$/ }).click();
  let form = await webviewFrame(page, '#layers');
  const lr = form.locator('#f-training_learningRate');
  await waitFor(
    'the learning rate in the form',
    async () => ((await lr.evaluate((el) => el.value).catch(() => '')) === '0.001' ? true : undefined),
    30_000,
  );
  step('the form shows learningRate 0.001');
  await screenshot('form');

  let lrInput = form.locator('#f-training_learningRate input');
  const values = ['0.002', '0.003', '0.004', '0.006', '0.005'];
  for (const value of values.slice(0, SAMPLES)) {
    await lrInput.fill(value);
    const pressedAt = Date.now();
    await lrInput.press('Enter');
    await page.waitForFunction(
      ([name, v]) => {
        const group = [...document.querySelectorAll('.editor-group-container')].find((g) =>
          g.querySelector('.tab.active')?.textContent?.includes(name),
        );
        return (group?.querySelector('.monaco-editor .view-lines')?.textContent ?? '')
          .replace(/\u00a0/g, ' ')
          .includes(`"learningRate": ${v},`);
      },
      [MODEL_FILE, value],
      { polling: 'raf', timeout: 10_000 },
    );
    latencies.formToDocument.push(Date.now() - pressedAt);
  }
  step(`form → document: ${latencies.formToDocument.join(', ')} ms`);
  const changed = await editorText(page, MODEL_FILE);
  assert.ok(changed.includes('"learningRate": 0.005,'), 'the editor does not show the new learning rate');
  // Comments and everything else stay: the tab is dirty, nothing else in sight changed.
  assert.ok(changed.includes('// Batch 32: on this data set'), 'a comment was lost');
  await screenshot('form-changed-learning-rate');

  // One Ctrl+Z in the editor undoes the last form change (0.005 → 0.006), and only it.
  await focusEditor(page);
  await page.keyboard.press('Control+Z');
  await waitFor(
    'the undo',
    async () => ((await editorText(page, MODEL_FILE)).includes('"learningRate": 0.006,') ? true : undefined),
    30_000,
  );
  await form.waitForFunction(() => document.querySelector('#f-training_learningRate')?.value === '0.006', null, { timeout: 5_000 });
  step('one Ctrl+Z in the editor: learningRate back to 0.006, in the editor and in the form');
  // Four more undo the other four changes: each form change is exactly one undo step.
  for (let i = 0; i < SAMPLES - 1; i++) await page.keyboard.press('Control+Z');
  await waitFor(
    'the original learning rate',
    async () => ((await editorText(page, MODEL_FILE)).includes('"learningRate": 0.001,') ? true : undefined),
    30_000,
  );
  await form.waitForFunction(() => document.querySelector('#f-training_learningRate')?.value === '0.001', null, { timeout: 5_000 });
  step(`${SAMPLES - 1} more Ctrl+Z: learningRate back to 0.001`);
  await screenshot('undo');

  // ---- 4. typing in the editor changes the form.
  const batch = positionOf(original, '"batchSize": 32');
  for (let i = 0; i < SAMPLES; i++) {
    const size = String(64 + i);
    await goToLine(page, batch.line, batch.column + '"batchSize": '.length);
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Shift+ArrowLeft'); // keep the comma
    await page.keyboard.type(size.slice(0, -1));
    const typedAt = Date.now();
    await page.keyboard.type(size.slice(-1));
    await form.waitForFunction((v) => document.querySelector('#f-training_batchSize')?.value === v, size, {
      polling: 'raf',
      timeout: 10_000,
    });
    latencies.documentToForm.push(Date.now() - typedAt);
  }
  step(`document → form: ${latencies.documentToForm.join(', ')} ms`);
  assert.equal(await form.locator('#f-training_batchSize').evaluate((el) => el.value), String(64 + SAMPLES - 1));
  await screenshot('editor-typed-batch-size');

  // ---- Another tool edits the file on disk while the user types in the form: the form follows, the field keeps focus and text.
  await page.keyboard.press('Control+S');
  await waitFor('the save', () => (readFileSync(file, 'utf8').includes(`"batchSize": ${64 + SAMPLES - 1}`) ? true : undefined), 30_000);
  const epochs = form.locator('#f-training_epochs input');
  await epochs.click();
  await epochs.fill('7');
  writeFileSync(file, readFileSync(file, 'utf8').replace('"seed": 42', '"seed": 43'));
  await form.waitForFunction(() => document.querySelector('#f-training_seed')?.value === '43', null, { timeout: 15_000 });
  const focus = await form.evaluate(() => ({ id: document.activeElement?.id, value: document.querySelector('#f-training_epochs')?.value }));
  assert.deepEqual(focus, { id: 'f-training_epochs', value: '7' }, 'the field being typed into lost its focus or text');
  step('the file changed on disk while typing in Epochs: the form shows seed 43, Epochs keeps focus and "7"');
  await epochs.press('Enter');
  await waitFor(
    'epochs 7 in the editor',
    async () => ((await editorText(page, MODEL_FILE)).includes('"epochs": 7,') ? true : undefined),
    30_000,
  );
  await screenshot('form-focus-kept');

  // Reset to file on disk drops the unsaved change.
  await form.locator('#revert').click();
  await waitFor('the revert', async () => ((await editorText(page, MODEL_FILE)).includes('"epochs": 5,') ? true : undefined), 30_000);
  await form.waitForFunction(() => document.querySelector('#f-training_epochs')?.value === '5', null, { timeout: 5_000 });
  step('Reset to file on disk: epochs back to 5');

  // ---- A window reload restores the form and the graph (registerWebviewPanelSerializer), showing the file as it is now.
  // The form is the visible tab of its group, the graph the hidden one behind it.
  const onDisk = { learningRate: '0.001', epochs: '5', batchSize: String(64 + SAMPLES - 1), seed: '43' };
  /** The form's frame once it shows the file's values (a webview hidden and shown again is a new page). */
  const formShowingFile = async (since) => {
    let shown;
    const found = await restoredWebview(
      page,
      "the form to show the file's values",
      '#layers',
      async (frame) => {
        shown = await frame.evaluate(
          (keys) => Object.fromEntries(keys.map((k) => [k, document.querySelector(`#f-training_${k}`)?.value])),
          Object.keys(onDisk),
        );
        return JSON.stringify(shown) === JSON.stringify(onDisk) ? shown : undefined;
      },
      since,
    ).catch((error) => {
      throw new Error(`${error.message}; the form showed ${JSON.stringify(shown)}, the file says ${JSON.stringify(onDisk)}`);
    });
    form = found.frame;
    lrInput = form.locator('#f-training_learningRate input');
    return found;
  };
  const reload = await reloadWindow(page);
  const restoredForm = await formShowingFile(reload.at);
  assert.match(await form.locator('h1#name').innerText(), /mnist-mlp/);
  assert.equal(await form.locator('#layers > li').count(), 2, "the restored form lists the file's two layers");
  assert.equal(await form.locator('#dirty').isVisible(), false, 'the restored form says the file has unsaved changes');
  step(
    `reload: workbench back in ${reload.workbenchMs} ms; the form is back ${restoredForm.ms} ms after the reload with ` +
      `${Object.entries(onDisk)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} and 2 layers`,
  );
  await screenshot('restored', "after a window reload: the form is back, showing the file's current values (batch size 68, seed 43)");
  const graphTab = page.locator('.tab', { hasText: 'Graph: mnist-mlp' });
  await graphTab.click();
  const graphShownAt = Date.now();
  const restoredGraph = await restoredWebview(
    page,
    'the restored graph to show the layers',
    '#graph',
    async (frame) => {
      const totalParams = await frame.locator('dd[data-fact="Total params"]').textContent({ timeout: 500 });
      const layers = await frame.locator('button.node').allTextContents();
      return totalParams === '407,050' && layers.length === 2 ? layers : undefined;
    },
    graphShownAt,
  );
  assert.match(restoredGraph.value[0], /dense.*\[null, 512\].*401,920 params/);
  assert.match(restoredGraph.value[1], /dense.*\[null, 10\].*5,130 params/);
  step(`the graph's tab clicked: the graph is back ${restoredGraph.ms} ms later, 2 layers, total params 407,050`);
  await screenshot('restored-graph', "after the reload, the graph's tab (behind the form): 2 layers, 407,050 parameters");
  await page.locator('.tab', { hasText: 'Hyperparameters: mnist-mlp' }).click();
  await formShowingFile(Date.now());

  // Add a layer, then remove it, from the form.
  await form.locator('#add-layer').click();
  await form.waitForFunction(() => document.querySelectorAll('#layers > li').length === 3, null, { timeout: 5_000 });
  assert.ok((await editorText(page, MODEL_FILE)).includes('{ "type": "dense", "units": 32, "activation": "relu" }'));
  await form.locator('#layers-section').scrollIntoViewIfNeeded();
  await screenshot('form-layers');
  await form.locator('#layers > li[data-index="2"] vscode-button', { hasText: 'Remove' }).click();
  await form.waitForFunction(() => document.querySelectorAll('#layers > li').length === 2, null, { timeout: 5_000 });
  step('Add layer and Remove: the file gains and loses a dense layer');

  // Invalid values show in the form with the editor's message; Train explains why it cannot start.
  await lrInput.fill('-1');
  await lrInput.press('Enter');
  const message = await waitFor(
    'the inline problem',
    async () => {
      const text = await form
        .locator('[data-field-id="training.learningRate"] .problems')
        .innerText()
        .catch(() => '');
      return text ? text : undefined;
    },
    30_000,
  );
  assert.match(message, /"training\.learningRate" must be a number > 0 \(got -1\)/);
  await form.locator('#train').click();
  const notice = await waitFor(
    'the Train notice',
    async () => {
      const text = await form
        .locator('#notice')
        .innerText()
        .catch(() => '');
      return /Training cannot start/.test(text) ? text : undefined;
    },
    30_000,
  );
  step(`learning rate -1: "${message.trim()}"; ▶ Train says: "${notice.split('\n')[0]}"`);
  await screenshot('form-invalid');

  // ---- The same for YAML: inlay hints, and a form change that keeps the file's style.
  await openFile(page, YAML_FILE);
  await waitFor(
    'the YAML inlay hints',
    async () => ((await editorText(page, YAML_FILE)).includes('→ [null,16] · 80 params') ? true : undefined),
    30_000,
  );
  await page
    .locator('.codelens-decoration a', { hasText: /^Hyperparameters$/ })
    .filter({ visible: true })
    .click();
  const yamlForm = await webviewFrame(page, 'h1#name:has-text("iris")');
  const yamlLr = yamlForm.locator('#f-training_learningRate input');
  await yamlForm.waitForFunction(() => document.querySelector('#f-training_learningRate')?.value === '0.01', null, { timeout: 30_000 });
  await yamlLr.fill('0.02');
  await yamlLr.press('Enter');
  await waitFor(
    'the YAML edit',
    async () => ((await editorText(page, YAML_FILE)).includes('learningRate: 0.02') ? true : undefined),
    30_000,
  );
  const yamlText = await editorText(page, YAML_FILE);
  assert.ok(
    yamlText.includes("# Fisher's iris flowers") && yamlText.includes('metrics: [accuracy]'),
    'the YAML lost a comment or its flow list',
  );
  step('iris.model.yaml: inlay hint → [null,16] · 80 params; the form set learningRate: 0.02, comment and flow list kept');
  await screenshot('yaml-form');

  assert.deepEqual(webviewErrors, [], 'a webview logged errors');
  const describe = (list) => `median ${median(list)} ms (${list.join(', ')})`;
  step(`latency form change → document change: ${describe(latencies.formToDocument)}`);
  step(`latency document edit → form update: ${describe(latencies.documentToForm)}`);
  step(`latency document edit → graph update: ${describe(latencies.documentToGraph)}`);
}

process.exitCode = await runUiSuite({ prefix: 'hp', step, timeoutMs: SUITE_TIMEOUT_MS, needs: 'inspector.js', run });
