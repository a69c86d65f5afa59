// UI suite for text data in the evaluation panel, in a real VS Code
// (code-server): a small text classifier (embedding, average pooling, one
// sigmoid unit) over test/fixtures/text/messages.csv, trained with the CLI;
// "Model Studio: Evaluate Model…" on its run and a file of raw reviews shows
// each worst prediction's text, cut to one line in the table with the whole
// text in the cell's tooltip.
//   node test/e2e/evaluationText.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/evaluationText-*.png.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectWebviewErrors,
  openWorkbench,
  runFromPalette,
  runUiSuite,
  stepLogger,
  webviewFrame,
  extensionCli,
  pickQuickInput,
} from './helpers.mjs';

const step = stepLogger(Date.now(), 'e2e evaluationText');
const here = import.meta.dirname;

const LONG =
  'Congratulations, you have been selected as the winner of our monthly cash prize draw: click the link below within 24 hours to claim your reward before it expires';
const REVIEWS = [
  ['Lunch meeting tomorrow with the project team', 'ham'],
  [LONG, 'spam'],
  ['Free offer, win money now!', 'spam'],
  ['Thanks for the notes — see you later ☕', 'ham'],
];

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['evaluation.js']);
  await openWorkbench(page, server, workspace, 'messages.model.json');
  step('workbench is up');
  await runFromPalette(page, 'Model Studio: Evaluate Model…');
  await pickQuickInput(page, 'messages', 'messages.model.json');
  await pickQuickInput(page, 'reviews', 'reviews.csv');
  const frame = await webviewFrame(page, 'td.text-cell', 120_000);
  const cells = await frame.$$eval('td.text-cell', (tds) =>
    tds.map((td) => ({ text: td.textContent, title: td.title, cut: td.scrollWidth > td.clientWidth })),
  );
  step(`the worst predictions show ${cells.length} texts`);
  assert.deepEqual(cells.map((c) => c.text).sort(), REVIEWS.map(([text]) => text).sort(), 'each example of reviews.csv with its text');
  for (const cell of cells) assert.equal(cell.title, cell.text, 'the tooltip holds the whole text');
  const long = cells.find((c) => c.text === LONG);
  assert.ok(long?.cut, 'the long review is cut to one line in its cell');
  const header = await frame.$$eval('table.worst thead th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(header.slice(0, 2), ['text', 'source']);
  await frame.locator('table.worst').scrollIntoViewIfNeeded();
  // The tooltip is the browser's own (the title checked above), which a screenshot does not show.
  await screenshot('worst-texts', 'the worst predictions of a text model, each with its text cut to one line');
  assert.deepEqual(webviewErrors, [], 'the webview logged errors');
}

process.exitCode = await runUiSuite({
  prefix: 'evaluationText',
  step,
  timeoutMs: 5 * 60_000,
  prepare: (workspace, extension) => {
    mkdirSync(join(workspace, 'data'), { recursive: true });
    copyFileSync(join(here, '..', 'fixtures', 'text', 'messages.csv'), join(workspace, 'data', 'messages.csv'));
    const csv = ['body,label', ...REVIEWS.map(([text, label]) => `"${text.replace(/"/g, '""')}",${label}`)].join('\n');
    writeFileSync(join(workspace, 'data', 'reviews.csv'), `${csv}\n`);
    copyFileSync(join(here, '..', 'fixtures', 'text', 'messages.model.json'), join(workspace, 'messages.model.json'));
    const out = extensionCli(extension, workspace, 'train', 'messages.model.json', '--json');
    step(`trained messages.model.json with the CLI: ${JSON.parse(out.trim().split('\n').pop()).runDir}`);
  },
  run,
});
