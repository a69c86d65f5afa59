/* global document -- functions passed to frame.evaluate run in the browser */
// UI suite for the evaluation panel's explanations (issue #16), in a real
// VS Code (code-server) driven by Playwright, on a temporary copy of samples/.
// 1. The MNIST CNN sample, shortened (its layers, 1,000 training and 200 test
//    digits, two epochs, trained with the CLI): Evaluate Model… on its test
//    data, then Explain on the worst prediction, reached with the keyboard:
//    progress while the trainer works, then the digit with its saliency and
//    Grad-CAM heatmaps overlaid (checked pixel by pixel against what a
//    trainer process returns for that example, the Grad-CAM layer named as
//    it names it) and the feature maps of each convolution layer (as
//    many maps, of the size the model file's layers give); the other layer
//    picked with the keyboard; Cancel on a second Explain; the Dark Modern theme.
//    The MLP sample, shortened the same way: saliency only, and the note
//    that Grad-CAM needs a convolution layer.
// 2. Iris (CLI-trained): Evaluate Model… on its test data, Feature
//    importance → Compute: a bar per feature column, most important first,
//    with the values a trainer process computes (seeded shuffles).
//   node test/e2e/explain.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/explain-*.png; on failure a
// screenshot and the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  collectWebviewErrors,
  extensionCli,
  openWorkbench,
  pickQuickInput,
  runFromPalette,
  runUiSuite,
  stepLogger,
  waitFor,
  webviewFrame,
} from './helpers.mjs';

const SUITE_TIMEOUT_MS = 5 * 60_000;
const COMMAND = 'Model Studio: Evaluate Model…';
const SHORT = 'mnist-cnn-e2e.model.json';
const MLP = 'mnist-mlp-e2e.model.json';
const TRAIN = 1000;
const TEST = 200;
/** The overlays' opacity when the section opens (its slider's 60 %). */
const OPACITY = 0.6;
/** The colormap's hottest colour (webview/evaluation/heatmap.ts). */
const HOT = [200, 20, 10];

const step = stepLogger(Date.now(), 'e2e explain');

/** The first `count` records of a gzipped IDX file (header: 4-byte magic, counts), gzipped again. */
function idxSubset(from, to, count, headerBytes, recordBytes) {
  const bytes = gunzipSync(readFileSync(from));
  const out = Buffer.from(bytes.subarray(0, headerBytes + count * recordBytes));
  out.writeUInt32BE(count, 4);
  writeFileSync(to, gzipSync(out));
}

/** `name`: the `sample`'s layers on the first TRAIN / TEST digits (files written by shortenedCnn), `epochs` epochs. */
function shortened(workspace, sample, name, epochs) {
  const spec = JSON.parse(readFileSync(join(workspace, sample), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
  spec.name = name.replace(/\.model\.json$/, '');
  spec.data.train = { images: 'data/e2e-train-images-idx3-ubyte.gz', labels: 'data/e2e-train-labels-idx1-ubyte.gz' };
  spec.data.test = { images: 'data/e2e-test-images-idx3-ubyte.gz', labels: 'data/e2e-test-labels-idx1-ubyte.gz' };
  spec.training.epochs = epochs;
  writeFileSync(join(workspace, name), JSON.stringify(spec, null, 2));
  return spec;
}

/** The first TRAIN / TEST digits of the MNIST files, then SHORT: the MNIST CNN sample's layers on them, two epochs. */
function shortenedCnn(workspace) {
  const data = join(workspace, 'data');
  for (const split of ['train', 'test']) {
    const count = split === 'train' ? TRAIN : TEST;
    idxSubset(join(data, `mnist-${split}-images-idx3-ubyte.gz`), join(data, `e2e-${split}-images-idx3-ubyte.gz`), count, 16, 784);
    idxSubset(join(data, `mnist-${split}-labels-idx1-ubyte.gz`), join(data, `e2e-${split}-labels-idx1-ubyte.gz`), count, 8, 1);
  }
  return shortened(workspace, 'mnist-cnn.model.json', SHORT, 2);
}

/** The last line of a CLI call with --json. */
function cliJson(extension, workspace, ...args) {
  return JSON.parse(
    extensionCli(extension, workspace, ...args, '--json')
      .trim()
      .split('\n')
      .pop(),
  );
}

/** What a trainer process of the extension under test (dist/trainer.js, as the panel's host starts it) returns for `request`. */
function trainerExplain(extension, request) {
  return new Promise((resolve, reject) => {
    const child = fork(join(extension.dir, 'dist', 'trainer.js'), [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('message', (message) => {
      if (message.type === 'explainDone') resolve(message.result);
      else if (message.type === 'taskFailed' || message.type === 'error') reject(new Error(message.message));
    });
    child.on('exit', (code) => reject(new Error(`the trainer ended (${code}) without a result: ${stderr}`)));
    child.send({ type: 'explain', request });
  });
}

async function setColorTheme(page, theme) {
  await runFromPalette(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor();
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

async function evaluateFromPalette(page, [modelFilter, modelFile], selector) {
  // The palette's key goes to the workbench, not a focused webview.
  const tab = page.locator('.tab.active').first();
  if (await tab.count()) await tab.click();
  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, COMMAND);
  await pickQuickInput(page, modelFilter, modelFile);
  await pickQuickInput(page, 'Test data', 'Test data of the run');
  return webviewFrame(page, selector, 90_000);
}

/** What the Explanation section shows: heading, captions, the overlays' RGBA, the layer picker's options and the grid's canvases. */
async function explanationShown(frame) {
  return frame.evaluate(() => {
    const section = document.querySelector('.explain');
    const gradcam = section?.querySelector('canvas.explain-overlay.gradcam');
    if (!gradcam) return undefined;
    const pixels = (canvas) => [...canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data];
    const image = section.querySelector('canvas.explain-image:not(.explain-overlay)');
    return {
      heading: section.querySelector('.explain-heading')?.textContent,
      captions: [...section.querySelectorAll('.explain-figure figcaption')].map((c) => c.textContent),
      image: pixels(image),
      saliency: pixels(section.querySelector('canvas.explain-overlay.saliency')),
      gradcam: pixels(gradcam),
      layers: [...section.querySelectorAll('.feature-maps select option')].map((o) => o.textContent),
      layer: section.querySelector('.feature-maps select')?.value,
      maps: [...section.querySelectorAll('.feature-map-grid canvas.feature-map')].map((c) => [c.width, c.height]),
      mapSize: [...section.querySelectorAll('canvas.feature-map')].slice(0, 1).map((c) => c.getBoundingClientRect().width)[0],
      status: section.querySelector('.explain-status')?.hidden ? '' : section.querySelector('.explain-status')?.textContent,
    };
  });
}

/** At the heatmap's hottest pixel the overlay is OPACITY of HOT over the image; where it is 0, the image itself. */
function checkOverlay(name, overlay, image, heatmap) {
  const width = heatmap[0].length;
  const flat = heatmap.flat();
  const hottest = flat.indexOf(Math.max(...flat));
  assert.equal(flat[hottest], 1, `${name}: the CLI's heatmap is normalized to a max of 1`);
  const at = 4 * hottest;
  for (let c = 0; c < 3; c++) {
    const expected = image[at + c] * (1 - OPACITY) + HOT[c] * OPACITY;
    assert.ok(Math.abs(overlay[at + c] - expected) <= 1, `${name} at (${hottest % width}, ${Math.floor(hottest / width)}) channel ${c}`);
  }
  const cold = flat.findIndex((v) => v === 0);
  if (cold >= 0) assert.deepEqual(overlay.slice(4 * cold, 4 * cold + 4), image.slice(4 * cold, 4 * cold + 4), `${name}: a cold pixel`);
}

async function mnist(page, screenshot, { extension, workspace, spec, cnnRunDir }) {
  const frame = await evaluateFromPalette(page, ['mnist-cnn-e2e', SHORT], 'canvas.example-image');
  const { evaluations } = JSON.parse(readFileSync(join(cnnRunDir, 'evaluation.json'), 'utf8'));
  const worst = evaluations.at(-1).worst[0];
  assert.equal(typeof worst.example, 'number', 'evaluation.json names the worst prediction’s example');
  // Computed beside the panel's own requests.
  const fromTrainer = Promise.all(
    ['saliency', 'gradcam'].map((method) =>
      trainerExplain(extension, { runDir: cnnRunDir, workspaceRoot: workspace, method, rows: [worst.example] }),
    ),
  );

  // Keyboard: the worst row, then Tab to its Explain button, then Enter.
  await frame.locator('tr.worst-row').first().focus();
  await page.keyboard.press('Tab');
  assert.equal(await frame.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Explain worst prediction 1');
  await page.keyboard.press('Enter');
  const status = await frame.evaluate(() => document.querySelector('.explain-status')?.textContent);
  assert.match(status, /Explaining…|Saliency and feature maps \(1 of 2\)/, 'the section says what it is computing');
  const shown = await waitFor('the explanation', () => explanationShown(frame), 120_000);
  const [saliencyCli, gradcamCli] = await fromTrainer;
  step(`trainer: Grad-CAM of example ${worst.example} weighs ${gradcamCli.layer}`);
  step(`shown: ${shown.heading}; ${shown.captions.join(' | ')}; layers ${shown.layers.join(' | ')}`);
  const explanation = gradcamCli.explanations[0];
  assert.equal(
    shown.heading,
    `Worst prediction 1 (#${worst.source.index}): actual ${explanation.actual}, predicted ${explanation.predicted} · Grad-CAM layer ${gradcamCli.layer}`,
  );
  assert.equal(String(explanation.actual), String(worst.actual));
  assert.match(shown.captions[2], new RegExp(`^Grad-CAM of layer ${gradcamCli.layer} · hottest 10 % of pixels: \\d+ % of the heat$`));
  checkOverlay('saliency', shown.saliency, shown.image, saliencyCli.explanations[0].heatmap);
  checkOverlay('Grad-CAM', shown.gradcam, shown.image, explanation.heatmap);
  // The feature maps: one entry per conv2d layer of the model file, as many maps as it has filters, of the size its kernels leave.
  const convs = spec.model.layers.filter((l) => l.type === 'conv2d');
  assert.equal(shown.layers.length, convs.length);
  const [first, second] = convs.map((l) => l.filters);
  assert.match(shown.layers[0], new RegExp(`^conv2d\\S*: ${first} maps, 26×26$`));
  assert.match(shown.layers[1], new RegExp(`^conv2d\\S*: ${second} maps, 11×11$`));
  assert.equal(shown.maps.length, first);
  assert.ok(
    shown.maps.every(([w, h]) => w === 26 && h === 26),
    'the maps are drawn at the layer’s resolution',
  );
  assert.ok(shown.mapSize > 26, 'and scaled up');
  assert.equal(shown.status, '', 'the progress line is gone');
  await frame.locator('.explain').scrollIntoViewIfNeeded();
  await screenshot('mnist', 'Explain on the worst digit: the image, saliency and Grad-CAM overlays, legend, first conv layer’s maps');

  // The second layer, with the keyboard.
  await frame.locator('.feature-maps select').focus();
  await page.keyboard.press('ArrowDown');
  const deeper = await waitFor('the second layer’s maps', async () => {
    const s = await explanationShown(frame);
    return s?.maps.length === second ? s : undefined;
  });
  assert.ok(deeper.maps.every(([w, h]) => w === 11 && h === 11));
  await frame.locator('.feature-maps').scrollIntoViewIfNeeded();
  await screenshot('maps', `the second conv layer's ${second} feature maps, 11×11 each`);

  // Cancel: the second worst prediction, stopped while the trainer works.
  await frame.locator('button.explain-button').nth(1).click();
  await frame.locator('.explain-status button', { hasText: 'Cancel' }).click();
  await waitFor('Cancelled.', async () =>
    (await frame.evaluate(() => document.querySelector('.explain-error:not([hidden])')?.textContent)) === 'Cancelled.' ? true : undefined,
  );
  step('a second Explain, cancelled: "Cancelled." shown');

  // The same explanation in the dark theme (the palette's keys go to the workbench, not the webview).
  await frame.locator('button.explain-button').first().click();
  await frame.waitForFunction(
    () => document.querySelector('.explain-status').hidden && document.querySelector('.explain-error').hidden,
    undefined,
    { timeout: 120_000 },
  );
  assert.equal((await explanationShown(frame)).heading, shown.heading, 'explained again after the cancel, the error gone');
  await page.locator('.tab.active').first().click();
  await setColorTheme(page, 'Dark Modern');
  await frame.waitForFunction(() => document.body.classList.contains('vscode-dark'));
  await frame.locator('.explain').scrollIntoViewIfNeeded();
  await screenshot('dark', 'the explanation in the Dark Modern theme');
  await setColorTheme(page, 'Light Modern');
}

/** An image model without convolutions (the MLP sample, shortened): saliency only, and the panel says why Grad-CAM is left out. */
async function mlp(page, screenshot) {
  const frame = await evaluateFromPalette(page, ['mnist-mlp-e2e', MLP], 'canvas.example-image');
  await frame.locator('button.explain-button').first().click();
  const shown = await waitFor(
    'the MLP’s saliency',
    () =>
      frame.evaluate(() => {
        const section = document.querySelector('.explain');
        if (!section?.querySelector('canvas.explain-overlay.saliency')) return undefined;
        return {
          gradcam: section.querySelectorAll('canvas.explain-overlay.gradcam').length,
          maps: section.querySelectorAll('.feature-maps').length,
          notes: [...section.querySelectorAll('.explain-note')].map((p) => p.textContent),
        };
      }),
    120_000,
  );
  assert.equal(shown.gradcam, 0);
  assert.equal(shown.maps, 0, 'no convolution layer, no feature maps');
  assert.equal(shown.notes.length, 1);
  assert.match(shown.notes[0], /^Left out: Grad-CAM: .*model\.layers has no convolution layer \(conv2d\)/);
  step(`MLP: saliency shown; ${shown.notes[0]}`);
  await frame.locator('.explain').scrollIntoViewIfNeeded();
  await screenshot('mlp', 'the MLP sample (no convolutions): saliency over the digit, and why Grad-CAM is left out');
}

async function iris(page, screenshot, { extension, workspace, irisRunDir }) {
  const frame = await evaluateFromPalette(page, ['iris', 'iris.model.yaml'], 'button.explain-compute');
  assert.equal(await frame.locator('button.explain-button').count(), 0, 'a table model’s rows have no Explain');
  await frame.locator('button.explain-compute').focus();
  await page.keyboard.press('Enter');
  const label = await waitFor(
    'the importance bars',
    async () => {
      const text = await frame.evaluate(() => document.querySelector('canvas.importance-chart')?.getAttribute('aria-label'));
      return text ?? undefined;
    },
    120_000,
  );
  await frame.waitForFunction(() => document.querySelector('canvas.importance-chart')?.width > 0);
  const cli = await trainerExplain(extension, { runDir: irisRunDir, workspaceRoot: workspace, method: 'importance' });
  const ranked = [...cli.explanations].sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature));
  step(`importance bars: ${label}`);
  assert.equal(
    label,
    `Feature importance: ${ranked.map((e) => `${e.feature} ${e.importance.toFixed(4)} ± ${e.std.toFixed(4)}`).join(', ')}`,
    'a bar per feature column, most important first, with the trainer’s figures',
  );
  assert.equal(cli.explanations.length, 4, 'iris has four feature columns');
  assert.match(
    await frame.locator('.explain .meta').innerText(),
    new RegExp(`${cli.importance.metric} on the unshuffled data ${cli.importance.baseline.toFixed(4)}`),
  );
  await frame.locator('.explain').scrollIntoViewIfNeeded();
  await screenshot('iris', 'iris: Feature importance bars with ± std whiskers, most important column first');
}

async function run({ page, server, workspace, prepared, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['evaluation.js']);
  await openWorkbench(page, server, workspace, SHORT);
  step('workbench is up');
  await mnist(page, screenshot, { workspace, ...prepared, extension: server.extension });
  step('MNIST CNN: explained');
  await mlp(page, screenshot);
  await iris(page, screenshot, { workspace, ...prepared, extension: server.extension });
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'explain',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace, extension) => {
    const spec = shortenedCnn(workspace);
    const cnn = cliJson(extension, workspace, 'train', SHORT);
    shortened(workspace, 'mnist-mlp.model.json', MLP, 1);
    extensionCli(extension, workspace, 'train', MLP);
    const iris = cliJson(extension, workspace, 'train', 'iris.model.yaml');
    step(`trained ${SHORT} (${TRAIN} digits, 2 epochs: ${cnn.runDir}), ${MLP} (1 epoch) and iris with the CLI`);
    return { spec, cnnRunDir: cnn.runDir, irisRunDir: iris.runDir };
  },
  run,
});
