/* global document, getComputedStyle -- functions passed to frame.evaluate run in the browser */
// UI suite for the evaluation panel's attention view (issue #15), in a real
// VS Code (code-server) driven by Playwright, on a temporary copy of samples/.
// 1. A hand-made text evaluation with known attention weights (two encoder
//    layers, two heads, two e-mails), put beside a CLI-trained iris run and
//    picked in the panel after evaluating that run: the chips, the summary
//    line for the average and for each head and layer, a worst prediction
//    chosen with the keyboard (its radio button, and its Explain button), in a
//    light and a dark theme.
// 2. The Transformer sample for real, shortened (its layers, on every 30th
//    e-mail's first 32 words, one epoch: TF.js's cpu backend takes seconds a batch):
//    ▶ Train, then Evaluate Model… on its test data; the panel's attention view
//    shows the tokens of a worst prediction with the weights evaluation.json
//    holds, and switching to a head shows that head's.
//   node test/e2e/attention.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/attention-*.png; on failure a
// screenshot and the code-server log in test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  openFile,
  openWorkbench,
  runFromPalette,
  runUiSuite,
  stepLogger,
  waitFor,
  webviewFrame,
  extensionCli,
  pickQuickInput,
} from './helpers.mjs';

const SUITE_TIMEOUT_MS = 10 * 60_000;
const COMMAND = 'Model Studio: Evaluate Model…';
const SAMPLE = 'spam-transformer.model.json';
/** The suite's shortened copy of SAMPLE. */
const SHORT = 'spam-transformer-e2e.model.json';
const EPOCHS = 1;
/** Every how many e-mails of samples/data/spam.csv the shortened copy trains on. */
const EVERY = 30;
/** The shortened copy's text settings: the sample's tokenizer, fewer words. */
const TEXT = { maxLength: 32, vocabSize: 1000 };
const FIXTURE_ID = '20260101-000000-a77e';

const step = stepLogger(Date.now(), 'e2e attention');

/**
 * A classification evaluation of e-mails, written by hand: the weights are
 * chosen so the summary lines are known (layer 1 averaged: free 40 %, win
 * 30 %, money 20 %; head 2: win 50 %; layer 2 averaged: win 40 %, now 36 %).
 */
function fixtureEvaluation(runDir, runJson, csv) {
  const scores = { precision: 0.5, recall: 0.5, f1: 0.5 };
  return {
    id: FIXTURE_ID,
    runId: runJson.id,
    runDir,
    modelName: 'iris',
    modelFile: runJson.modelFile,
    createdAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1200,
    backend: 'cpu',
    dataset: {
      kind: 'file',
      description: 'data/attention-fixture.csv (hand-made text evaluation)',
      files: [csv],
      sha256: '0'.repeat(64),
      count: 4,
    },
    count: 4,
    lossName: 'binaryCrossentropy',
    loss: 0.9,
    result: {
      kind: 'classification',
      classes: ['ham', 'spam'],
      accuracy: 0.5,
      confusion: [
        [1, 1],
        [1, 1],
      ],
      perClass: [
        { ...scores, support: 2 },
        { ...scores, support: 2 },
      ],
      macro: scores,
      weighted: scores,
      topK: [],
    },
    worst: [
      {
        source: { file: csv, line: 2, index: 0 },
        actual: 'ham',
        predicted: 'spam',
        confidence: 0.93,
        trueClassProbability: 0.07,
        loss: 2.66,
        text: 'WIN free money now, click here to claim your prize',
        attention: {
          tokens: ['win', 'free', 'money', 'now', 'click', 'here', 'to', 'claim', 'your', 'prize'],
          layers: [
            {
              name: 'transformerEncoder_2',
              heads: [
                [0.1, 0.6, 0.2, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01],
                [0.5, 0.2, 0.2, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01],
              ],
            },
            {
              name: 'transformerEncoder_3',
              heads: [
                [0.7, 0.1, 0.1, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01],
                [0.1, 0.02, 0.02, 0.7, 0.1, 0.02, 0.01, 0.01, 0.01, 0.01],
              ],
            },
          ],
        },
      },
      {
        source: { file: csv, line: 3, index: 1 },
        actual: 'spam',
        predicted: 'ham',
        confidence: 0.8,
        trueClassProbability: 0.2,
        loss: 1.61,
        text: 'Meeting moved to 3pm, see agenda attached',
        attention: {
          tokens: ['meeting', 'moved', 'to', '<unk>', ',', 'see', 'agenda', 'attached'],
          layers: [
            { name: 'transformerEncoder_2', heads: [[0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.6, 0.1], new Array(8).fill(0.125)] },
            { name: 'transformerEncoder_3', heads: [new Array(8).fill(0.125), new Array(8).fill(0.125)] },
          ],
        },
      },
    ],
  };
}

/** What the attention view shows: its caption, summary, pickers and each chip's label, aria-label and shade. */
async function attentionShown(frame) {
  return frame.evaluate(() => {
    const view = document.querySelector('.attention');
    if (!view) return undefined;
    const [layer, head] = view.querySelectorAll('select');
    return {
      caption: view.querySelector('.attention-example')?.textContent,
      summary: view.querySelector('.attention-summary')?.textContent,
      layers: layer.parentElement.hidden ? [] : [...layer.options].map((o) => o.textContent),
      heads: [...head.options].map((o) => o.textContent),
      head: head.value,
      chips: [...view.querySelectorAll('.token')].map((chip) => ({
        text: chip.textContent,
        label: chip.getAttribute('aria-label'),
        weight: Number(chip.style.getPropertyValue('--weight')),
        background: getComputedStyle(chip).backgroundColor,
      })),
      checked: [...document.querySelectorAll('td.attention-pick input')].findIndex((r) => r.checked),
    };
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

/** The hand-made evaluation, picked in the panel opened on the iris run. */
async function handMade(page, screenshot) {
  await runFromPalette(page, COMMAND);
  await pickQuickInput(page, 'iris', 'iris.model.yaml');
  await pickQuickInput(page, 'Test data', 'Test data of the run');
  const frame = await webviewFrame(page, 'table.confusion', 90_000);
  const fixture = await waitFor('the hand-made evaluation in the picker', async () => {
    const values = await frame.$$eval('#primary option', (os) => os.map((o) => o.value));
    return values.find((v) => v.includes(FIXTURE_ID));
  });
  await frame.selectOption('#primary', fixture);
  let shown = await waitFor('the attention view', () => attentionShown(frame), 30_000);
  assert.equal(shown.caption, 'Worst prediction 1: actual ham, predicted spam · 10 tokens read');
  assert.equal(shown.summary, 'The model attended most to: free (40%), win (30%), money (20%)');
  assert.deepEqual(shown.layers, ['1: transformerEncoder_2', '2: transformerEncoder_3']);
  assert.deepEqual(shown.heads, ['Average of 2 heads', 'Head 1', 'Head 2']);
  assert.deepEqual(
    shown.chips.map((c) => [c.text, c.label, c.weight]),
    [
      ['win', 'win: 30% of the attention', 64],
      ['free', 'free: 40% of the attention', 85],
      ['money', 'money: 20% of the attention', 43],
      ['now', 'now: 2.0% of the attention', 4],
      ['click', 'click: 2.0% of the attention', 4],
      ['here', 'here: 2.0% of the attention', 4],
      ['to', 'to: 1.0% of the attention', 2],
      ['claim', 'claim: 1.0% of the attention', 2],
      ['your', 'your: 1.0% of the attention', 2],
      ['prize', 'prize: 1.0% of the attention', 2],
    ],
  );
  assert.equal(shown.checked, 0, 'the first worst prediction is the one shown');
  step(`hand-made evaluation: ${shown.summary}; chips ${shown.chips.map((c) => `${c.text} ${c.background}`).join(', ')}`);
  await frame.locator('.attention').scrollIntoViewIfNeeded();
  await screenshot('average', 'hand-made evaluation: the e-mail’s tokens shaded by the attention averaged over layer 1’s two heads');

  // Head 2, then layer 2, with the keyboard: the pickers are <select>s.
  await frame.locator('.attention select').nth(1).focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  shown = await waitFor('head 2', async () => {
    const s = await attentionShown(frame);
    return s.head === '1' ? s : undefined;
  });
  assert.equal(shown.summary, 'The model attended most to: win (50%), free (20%), money (20%)');
  await screenshot('head-2', 'the same e-mail, head 2 of layer 1: "win" gets half the attention');
  await frame.selectOption('.attention select >> nth=0', '1');
  shown = await waitFor('layer 2', async () => {
    const s = await attentionShown(frame);
    return s.summary.includes('now (36%)') ? s : undefined;
  });
  assert.equal(shown.summary, 'The model attended most to: win (40%), now (36%), free (6.0%)');
  assert.equal(shown.head, 'average', 'another layer starts from the average of its heads');

  // The second worst prediction, chosen with the arrow keys in the table's radio buttons (no file opens).
  await frame.locator('td.attention-pick input').first().focus();
  await page.keyboard.press('ArrowDown');
  shown = await waitFor('the second example', async () => {
    const s = await attentionShown(frame);
    return s.checked === 1 ? s : undefined;
  });
  assert.equal(shown.caption, 'Worst prediction 2: actual spam, predicted ham · 8 tokens read');
  assert.equal(shown.summary, 'The model attended most to: meeting (13%), moved (13%), to (13%)');
  await frame.selectOption('.attention select >> nth=0', '0');
  await frame.selectOption('.attention select >> nth=1', '0');
  shown = await waitFor('head 1 of layer 1', async () => {
    const s = await attentionShown(frame);
    return s.summary.startsWith('The model attended most to: agenda (60%)') ? s : undefined;
  });
  assert.equal(await page.locator('.tab', { hasText: 'attention-fixture.csv' }).count(), 0, 'choosing an example opened its file');
  step(`second example by keyboard: ${shown.summary}`);
  await screenshot('second-example', 'the second worst prediction, picked with the arrow keys: head 1 of layer 1 reads "agenda"');
  // Explain on the first row (its button, with the keyboard) shows that e-mail in the attention view.
  await frame.locator('button.explain-button').first().focus();
  await page.keyboard.press('Enter');
  shown = await waitFor('the first example again', async () => {
    const s = await attentionShown(frame);
    return s.checked === 0 ? s : undefined;
  });
  assert.match(shown.caption, /^Worst prediction 1: actual ham, predicted spam/);
  assert.equal(await page.locator('.tab', { hasText: 'attention-fixture.csv' }).count(), 0, 'Explain opened the example’s file');
  // The palette's key goes to the workbench, not the focused webview.
  await page.locator('.tab.active').first().click();
  await setColorTheme(page, 'Dark Modern');
  await frame.locator('.attention').scrollIntoViewIfNeeded();
  await screenshot('dark', 'the same view in the Dark Modern theme: the chips take the theme’s chart blue');
  await setColorTheme(page, 'Light Modern');
}

/** Every EVERY-th record of a CSV (quoted fields may hold line breaks), header kept. */
function csvSubset(text) {
  const records = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '\n' && !quoted) {
      records.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(`${text.slice(start)}\n`);
  return [records[0], ...records.slice(1).filter((_, i) => i % EVERY === 0)].join('');
}

/** The newest run folder of `modelFile` in the workspace. */
function runOf(workspace, modelFile) {
  const runsDir = join(workspace, '.modelstudio', 'runs');
  if (!existsSync(runsDir)) return undefined;
  for (const name of readdirSync(runsDir).sort().reverse()) {
    try {
      const run = JSON.parse(readFileSync(join(runsDir, name, 'run.json'), 'utf8'));
      if (run.modelFile.endsWith(modelFile)) return { dir: join(runsDir, name), run };
    } catch {
      // caught between a write and its rename
    }
  }
  return undefined;
}

/** The Transformer sample, shortened, trained with ▶ Train and evaluated: the view shows evaluation.json's weights. */
async function trained(page, workspace, screenshot) {
  assert.ok(existsSync(join(workspace, SAMPLE)), `samples/${SAMPLE} is missing (issue #15's samples)`);
  const spec = JSON.parse(readFileSync(join(workspace, SAMPLE), 'utf8'));
  writeFileSync(join(workspace, 'data', 'spam-e2e.csv'), csvSubset(readFileSync(join(workspace, spec.data.train.path), 'utf8')));
  const data = { ...spec.data, train: { ...spec.data.train, path: 'data/spam-e2e.csv' }, text: { ...spec.data.text, ...TEXT } };
  const short = { ...spec, data };
  writeFileSync(join(workspace, SHORT), JSON.stringify({ ...short, training: { ...spec.training, epochs: EPOCHS } }, null, 2));
  await runFromPalette(page, 'View: Close All Editor Groups');
  await openFile(page, SHORT);
  const train = page.locator('.codelens-decoration a', { hasText: '▶ Train' });
  await train.waitFor({ timeout: 30_000 });
  await train.click();
  await waitFor('the Transformer run to start', () => runOf(workspace, SHORT), 60_000, 500);
  const done = await waitFor(
    'the Transformer run to finish',
    () => {
      const found = runOf(workspace, SHORT);
      return found && found.run.status !== 'running' ? found : undefined;
    },
    300_000,
    1000,
  );
  assert.equal(done.run.status, 'completed', `the run ended ${done.run.status}`);
  step(`trained ${SHORT} (${EPOCHS} epoch): test accuracy ${done.run.test?.accuracy}`);

  await runFromPalette(page, 'View: Close All Editor Groups');
  await runFromPalette(page, COMMAND);
  await pickQuickInput(page, 'spam-transformer-e2e', SHORT);
  await pickQuickInput(page, 'Test data', 'Test data of the run');
  const frame = await webviewFrame(page, '.attention .token', 120_000);
  const saved = JSON.parse(readFileSync(join(done.dir, 'evaluation.json'), 'utf8')).evaluations.at(-1);
  const first = saved.worst.find((w) => w.attention);
  assert.ok(first, 'evaluation.json holds attention for the worst predictions');
  const heads = first.attention.layers[0].heads;
  assert.equal(heads.length, spec.model.layers.find((l) => l.type === 'transformerEncoder').numHeads);
  let shown = await attentionShown(frame);
  assert.equal(
    shown.caption.split(':')[0],
    `Worst prediction ${saved.worst.indexOf(first) + 1}`,
    'the first example with attention is shown',
  );
  const visible = { ' ': '␣', '\n': '⏎', '\t': '⇥' };
  assert.deepEqual(
    shown.chips.map((c) => c.text),
    first.attention.tokens.map((t) => visible[t] ?? t),
  );
  assert.ok(
    shown.chips.every((c) => /: (\d+(\.\d)?|<0\.1)% of the attention$/.test(c.label)),
    'each chip names its weight',
  );
  assert.match(shown.summary, /^The model attended most to: .+ \(.+%\), .+ \(.+%\), .+ \(.+%\)$/);
  step(`${first.attention.tokens.length} tokens, ${heads.length} heads; ${shown.summary}`);
  await frame.locator('.attention').scrollIntoViewIfNeeded();
  await screenshot('transformer', 'the trained Transformer sample: a worst e-mail’s tokens, shaded by the attention averaged over heads');

  await frame.selectOption('.attention select >> nth=1', '1');
  shown = await waitFor('head 2', async () => {
    const s = await attentionShown(frame);
    return s.head === '1' ? s : undefined;
  });
  // The most attended token fully shaded, unless the head spreads its attention nearly evenly (under 3 even shares).
  const scale = Math.max(...heads[1], Math.min(1, 3 / heads[1].length));
  const expected = heads[1].map((w) => Math.round((Math.max(0, w) / scale) * 85));
  assert.deepEqual(
    shown.chips.map((c) => c.weight),
    expected,
    'the chips show head 2’s weights from evaluation.json',
  );
  await screenshot('transformer-head-2', 'the same e-mail, head 2 of the trained Transformer');
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['evaluation.js']);
  await openWorkbench(page, server, workspace, 'iris.model.yaml');
  step('workbench is up');
  await handMade(page, screenshot);
  await trained(page, workspace, screenshot);
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'attention',
  step,
  timeoutMs: SUITE_TIMEOUT_MS,
  prepare: (workspace, extension) => {
    const iris = JSON.parse(extensionCli(extension, workspace, 'train', 'iris.model.yaml', '--json').trim().split('\n').pop());
    const csv = join(workspace, 'data', 'attention-fixture.csv');
    writeFileSync(
      csv,
      'text,label\n"WIN free money now, click here to claim your prize",ham\n"Meeting moved to 3pm, see agenda attached",spam\n',
    );
    const runJson = JSON.parse(readFileSync(join(iris.runDir, 'run.json'), 'utf8'));
    const evaluation = fixtureEvaluation(iris.runDir, runJson, csv);
    writeFileSync(join(iris.runDir, 'evaluation.json'), JSON.stringify({ evaluations: [evaluation] }, null, 2));
    step(`trained iris with the CLI (${iris.runDir}) and gave it a hand-made text evaluation`);
  },
  run,
});
