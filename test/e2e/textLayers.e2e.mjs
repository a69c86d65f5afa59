// UI suite for Model Studio's Transformer layers in the editor, in a real VS Code
// (code-server) driven by Playwright, on a temporary copy of samples/ plus a
// model file whose features are token ids (the text pipeline is not needed):
//   1. the inlay hints show each layer's shape and parameter count, the
//      transformerEncoder's among them (closed form: 4·(d·d+d) + 2·2d + d·f+f+f·d+d);
//   2. the graph shows the five layers and the total.
//   node test/e2e/textLayers.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/text-*.png.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectWebviewErrors, editorText, openFile, openWorkbench, runUiSuite, stepLogger, waitFor, webviewFrame } from './helpers.mjs';

const MODEL_FILE = 'ids-transformer.model.json';
const step = stepLogger(Date.now());

/** d = 8, 2 heads, ffDim 16. */
const ENCODER_PARAMS = 4 * (8 * 8 + 8) + 2 * 2 * 8 + (8 * 16 + 16 + 16 * 8 + 8);

function prepare(workspace) {
  const rows = ['t0,t1,t2,t3,t4,t5,t6,t7,label'];
  for (let r = 0; r < 40; r++) {
    const ids = Array.from({ length: 8 }, (_, t) => (t < 2 + (r % 6) ? 2 + ((r * 7 + t * 3) % 17) : 0));
    rows.push([...ids, ids.includes(5) ? 'yes' : 'no'].join(','));
  }
  writeFileSync(join(workspace, 'data', 'ids.csv'), `${rows.join('\n')}\n`);
  const spec = {
    name: 'ids-transformer',
    task: 'classification',
    data: { train: { path: 'data/ids.csv', label: 'label' }, features: { normalize: 'none' } },
    model: {
      layers: [
        { type: 'embedding', inputDim: 20, outputDim: 8, maskZero: true },
        { type: 'positionEmbedding', sequenceLength: 8 },
        { type: 'transformerEncoder', numHeads: 2, ffDim: 16, dropout: 0.1 },
        { type: 'globalAveragePooling1d' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
    },
    training: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], epochs: 2 },
  };
  writeFileSync(join(workspace, MODEL_FILE), `${JSON.stringify(spec, null, 2)}\n`);
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['graph.js']);
  await openWorkbench(page, server, workspace, MODEL_FILE);
  await openFile(page, MODEL_FILE);
  step(`${MODEL_FILE} is open`);

  const expected = ['→ [null,8,8] · 160 params', '→ [null,8,8] · 64 params', `→ [null,8,8] · ${ENCODER_PARAMS} params`, '→ [null,8]'];
  await waitFor(
    'the inlay hints',
    async () => {
      const text = await editorText(page, MODEL_FILE);
      return expected.every((hint) => text.includes(hint)) ? text : undefined;
    },
    90_000,
  );
  step(`inlay hints: ${expected.join(' | ')}`);
  await screenshot('inlay-hints');

  await page.locator('.codelens-decoration a', { hasText: /^Graph$/ }).click();
  const graph = await webviewFrame(page, '#graph');
  const total = await waitFor(
    'the total parameter count',
    async () =>
      (await graph
        .locator('dd[data-fact="Total params"]')
        .textContent({ timeout: 1000 })
        .catch(() => null)) || undefined,
    60_000,
  );
  assert.equal(total, String(160 + 64 + ENCODER_PARAMS + 0 + 18));
  const nodes = await graph.locator('button.node').allTextContents();
  assert.equal(nodes.length, 5);
  assert.match(nodes[1], /positionEmbedding/);
  assert.match(nodes[2], new RegExp(`transformerEncoder.*${ENCODER_PARAMS} params`));
  step(`graph: ${nodes.length} layers, total params ${total}`);
  await screenshot('graph');
  assert.deepEqual(webviewErrors, [], 'a webview logged errors');
}

process.exitCode = await runUiSuite({ prefix: 'text', step, timeoutMs: 5 * 60_000, needs: 'inspector.js', prepare, run });
