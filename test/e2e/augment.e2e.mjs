/* global document -- functions passed to page.evaluate / waitForFunction run in the browser */
// UI suite for the hyperparameter form's Augmentation group, in a real VS
// Code (code-server) driven by Playwright, on a temporary copy of samples/:
//   1. mnist-cnn-augment.model.json's form has an Augmentation group showing
//      the file's values, and under it a preview: the first training digit
//      and eight augmented versions, drawn by a trainer process, each
//      different from the original;
//   2. changing "Rotate" in the form changes the file, and the preview is
//      drawn again (its accessible label says the new angle).
//   node test/e2e/augment.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/aug-*.png; on failure a screenshot and the
// code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { collectWebviewErrors, editorText, openFile, openWorkbench, runUiSuite, stepLogger, waitFor, webviewFrame } from './helpers.mjs';

const MODEL_FILE = 'mnist-cnn-augment.model.json';
const SUITE_TIMEOUT_MS = 3 * 60_000;

const step = stepLogger(Date.now(), 'e2e augment');

/** The preview's state in the form: how often drawn, how many variants, how many canvases, its label, and which variants differ from the original. */
function previewState(form) {
  return form.evaluate(() => {
    const figure = document.querySelector('.augment-preview');
    if (!figure) return undefined;
    const canvases = [...figure.querySelectorAll('canvas')];
    const pixels = (canvas) => [...canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data].join();
    const original = canvases[0] ? pixels(canvases[0]) : '';
    return {
      state: figure.dataset.state,
      drawn: Number(figure.dataset.drawn ?? 0),
      variants: Number(figure.dataset.variants ?? 0),
      canvases: canvases.length,
      differ: canvases.slice(1).filter((c) => pixels(c) !== original).length,
      label: figure.querySelector('.augment-grid')?.getAttribute('aria-label') ?? '',
      status: figure.querySelector('.augment-status')?.textContent ?? '',
      group: figure.closest('section')?.querySelector('h2')?.textContent ?? '',
    };
  });
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['hyperparameters.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  await openFile(page, MODEL_FILE);
  step(`${MODEL_FILE} is open`);

  // ---- 1. the Augmentation group and its preview of eight variants.
  const lens = page.locator('.codelens-decoration a', { hasText: /^Hyperparameters$/ });
  await lens.waitFor({ timeout: 30_000 });
  await lens.click();
  const form = await webviewFrame(page, '#layers');
  await form.waitForFunction(() => document.querySelector('#f-data_augment_rotate')?.value === '10', null, { timeout: 30_000 });
  const first = await waitFor(
    'the preview',
    async () => {
      const state = await previewState(form);
      if (state?.state === 'failed') throw new Error(`the preview failed: ${state.status}`);
      return state?.state === 'ready' ? state : undefined;
    },
    60_000,
  );
  assert.equal(first.group, 'Augmentation');
  assert.equal(first.variants, 8);
  assert.equal(first.canvases, 9, 'the original and eight variants');
  assert.equal(first.differ, 8, 'every variant differs from the original');
  assert.match(
    first.label,
    /^The first training image of class \d and 8 augmented versions: rotated up to 10°, shifted up to 10 % of the size/,
  );
  step(`preview: ${first.canvases} canvases, ${first.differ} variants differ from the original; label "${first.label}"`);
  await form.locator('.augment-preview').scrollIntoViewIfNeeded();
  await screenshot('preview', 'the Augmentation group and its preview of eight variants');

  // ---- 2. a change in the form edits the file and draws the preview again.
  const rotate = form.locator('#f-data_augment_rotate input');
  await rotate.fill('45');
  await rotate.press('Enter');
  await waitFor(
    'the file to say rotate 45',
    async () => ((await editorText(page, MODEL_FILE)).includes('"rotate": 45') ? true : undefined),
    30_000,
  );
  step('the form set "rotate": 45 in the file');
  const second = await waitFor(
    'the preview drawn again',
    async () => {
      const state = await previewState(form);
      return state?.state === 'ready' && state.drawn > first.drawn ? state : undefined;
    },
    60_000,
  );
  assert.match(second.label, /rotated up to 45°/);
  assert.equal(second.canvases, 9);
  step(`preview drawn again (${second.drawn} times in all): "${second.label}"`);
  await form.locator('.augment-preview').scrollIntoViewIfNeeded();
  await screenshot('preview-rotate-45', 'after Rotate 45 in the form: the file changed, the preview drawn again');

  assert.deepEqual(webviewErrors, [], 'a webview logged errors');
}

process.exitCode = await runUiSuite({ prefix: 'aug', step, timeoutMs: SUITE_TIMEOUT_MS, needs: 'trainer.js', run });
