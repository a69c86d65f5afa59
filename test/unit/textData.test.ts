import { strict as assert } from 'node:assert';
import { DataError } from '../../src/data/dataError';
import { prepareData } from '../../src/data/prepareData';
import { readTextTable } from '../../src/data/textTable';
import { buildVocabulary } from '../../src/data/vocabulary';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { withValue } from '../fixtures/modelFile';
import { MESSAGES_CSV, textModel } from '../fixtures/textModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const label = { name: 'label', kind: 'string' } as const;

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

describe('readTextTable', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  it('reads the text and label columns of a CSV file, quoted commas and newlines kept, other columns ignored', async () => {
    const file = workspace.write('a.csv', 'id,body,label\n1,"Hello, world",ham\n2,"two\nlines",spam\n');
    const table = await readTextTable(file, 'csv', { text: 'body', label });
    assert.deepEqual(table, { count: 2, texts: ['Hello, world', 'two\nlines'], labels: ['ham', 'spam'], lines: [2, 3] });
  });

  it('reads JSON and JSON Lines records; without a label column when predicting', async () => {
    const json = workspace.write('a.json', '[\n{"t": "héllo 😀", "y": "a"},\n{"t": "bye", "y": "b"}\n]');
    assert.deepEqual((await readTextTable(json, 'json', { text: 't', label: { name: 'y', kind: 'string' } })).labels, ['a', 'b']);
    const jsonl = workspace.write('a.jsonl', '{"t": "one"}\n\n{"t": "two"}\n');
    assert.deepEqual(await readTextTable(jsonl, 'jsonl', { text: 't' }), { count: 2, texts: ['one', 'two'], lines: [1, 3] });
  });

  it('names an unknown text column with a did-you-mean over the header', async () => {
    const file = workspace.write('a.csv', 'id,body,label\n1,hi,a\n');
    await rejectsWith(
      readTextTable(file, 'csv', { text: 'bdy', label }),
      /a\.csv:1: no text column "bdy" — did you mean "body"\? \(columns: id, body, label\)/,
    );
  });

  it('counts empty texts and names the line of the first', async () => {
    const file = workspace.write('a.csv', 'body,label\nhi,a\n"  ",b\nyo,a\n,b\n');
    await rejectsWith(readTextTable(file, 'csv', { text: 'body', label }), /a\.csv:3: 2 of 4 texts in column "body" are empty/);
  });

  it('refuses a text column that holds only numbers, and a row with a missing cell', async () => {
    const numbers = workspace.write('n.csv', 'id,label\n1,a\n2.5,b\n');
    await rejectsWith(readTextTable(numbers, 'csv', { text: 'id', label }), /n\.csv:2: text column "id" holds only numbers/);
    const short = workspace.write('s.csv', 'body,label\nhi,a\nb\n');
    await rejectsWith(readTextTable(short, 'csv', { text: 'body', label }), /s\.csv:3: found 1 fields, but the header has 2 columns/);
  });

  it('refuses a JSON record whose text is missing or not a string, naming the line', async () => {
    const number = workspace.write('a.jsonl', '{"t": "ok", "y": "a"}\n{"t": 12, "y": "b"}\n');
    await rejectsWith(
      readTextTable(number, 'jsonl', { text: 't', label: { name: 'y', kind: 'string' } }),
      /a\.jsonl:2: text "t" is 12, not a string/,
    );
    const missing = workspace.write('b.jsonl', '{"t": "ok"}\n{"u": "x"}\n');
    await rejectsWith(readTextTable(missing, 'jsonl', { text: 't' }), /b\.jsonl:2: text "t" is missing/);
  });
});

function spec(changes: [path: (string | number)[], value: unknown][] = []): ModelSpec {
  let model = textModel();
  for (const [path, value] of changes) model = withValue(model, path, value);
  return model as unknown as ModelSpec;
}

describe('prepareData with text', () => {
  let workspace: TempWorkspace;
  let options: { modelFile: string; workspaceRoot: string };
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/messages.csv': MESSAGES_CSV });
    options = { modelFile: workspace.file('m.model.json'), workspaceRoot: workspace.root };
  });
  afterEach(() => workspace.remove());

  it('gives maxLength ids per example, unnormalised, with classes as for tables', async () => {
    const data = await prepareData(spec(), options);
    assert.deepEqual(data.featureShape, [8]);
    assert.equal(data.features.method, 'none');
    assert.deepEqual(data.classes, ['ham', 'spam']);
    assert.equal(data.train.count + (data.test?.count ?? 0), 48);
    assert.equal(data.train.x.length, data.train.count * 8);
    assert.ok(data.train.x.every((id) => Number.isInteger(id) && id >= 0 && id < 30));
    assert.equal(data.vocabulary?.tokens.length, 30);
    assert.equal(data.featureNames, undefined);
  });

  it('builds the vocabulary from the training rows only: words of held-out rows stay unknown', async () => {
    // Each row has a word of its own: the vocabulary is exactly the training rows' words.
    const csv = ['body,label', ...Array.from({ length: 20 }, (_, i) => `own${i} shared,${i % 2 ? 'a' : 'b'}`)].join('\n');
    workspace.write('data/messages.csv', csv);
    const data = await prepareData(spec([[['data', 'text', 'vocabSize'], 100]]), options);
    const tokens = data.vocabulary?.tokens ?? [];
    assert.equal(tokens.length, 2 + 1 + data.train.count);
    const firstIds = (x: Float32Array | undefined): number[] => Array.from(x ?? []).filter((_, i) => i % 8 === 0);
    assert.ok(firstIds(data.train.x).every((id) => id >= 2));
    assert.deepEqual(firstIds(data.test?.x), [1, 1, 1, 1, 1]);
  });

  it('uses a saved vocabulary as it is (a resumed or continued run), maxLength from the spec', async () => {
    const saved = buildVocabulary(['prize meeting'], { tokenizer: 'word', lowercase: true, vocabSize: 30, maxLength: 3 });
    const data = await prepareData(spec(), { ...options, vocabulary: saved });
    assert.deepEqual(data.vocabulary, { ...saved, maxLength: 8 });
    assert.ok(data.train.x.every((id) => id <= 3));
  });

  it('refuses a saved vocabulary built with other tokenizer settings', async () => {
    const saved = buildVocabulary(['a'], { tokenizer: 'char', lowercase: true, vocabSize: 30, maxLength: 3 });
    await rejectsWith(
      prepareData(spec(), { ...options, vocabulary: saved }),
      /data\.text\.tokenizer is "word" but the run's vocabulary was built with "char"/,
    );
  });

  it('encodes data.test with the training vocabulary', async () => {
    workspace.write('data/test.csv', 'body,label\nfree prize aardvark,spam\n');
    const data = await prepareData(
      spec([
        [['data', 'testSplit'], undefined],
        [['data', 'test'], { path: 'data/test.csv', label: 'label', text: 'body' }],
      ]),
      options,
    );
    const tokens = data.vocabulary?.tokens ?? [];
    assert.deepEqual(Array.from(data.test?.x ?? []), [tokens.indexOf('free'), tokens.indexOf('prize'), 1, 0, 0, 0, 0, 0]);
    assert.equal(data.train.count, 48);
  });

  it('regression on text: numeric targets, normalised with the training split as for tables', async () => {
    workspace.write(
      'data/scores.jsonl',
      Array.from({ length: 10 }, (_, i) => JSON.stringify({ review: `good `.repeat(i + 1), stars: i })).join('\n'),
    );
    const data = await prepareData(
      spec([
        [['task'], 'regression'],
        [['data', 'train'], { path: 'data/scores.jsonl', label: 'stars', text: 'review' }],
        [['data', 'testSplit'], undefined],
        [['data', 'target'], { normalize: 'standard' }],
      ]),
      options,
    );
    assert.equal(data.target.method, 'standard');
    assert.ok(Math.abs(data.train.y.reduce((a, b) => a + b, 0)) < 1e-5);
    assert.equal(data.classes, undefined);
    await rejectsWith(
      prepareData(
        spec([
          [['task'], 'regression'],
          [['data', 'train'], { path: 'data/messages.csv', label: 'label', text: 'body' }],
        ]),
        options,
      ),
      /messages\.csv:2: column "label" is "spam", expected a number/,
    );
  });

  it('each cross-validation fold builds its vocabulary from the rows it trains on', async () => {
    const csv = ['body,label', ...Array.from({ length: 12 }, (_, i) => `word${i} shared,${i % 2 ? 'a' : 'b'}`)].join('\n');
    workspace.write('data/messages.csv', csv);
    const noTest = spec([[['data', 'testSplit'], undefined]]);
    for (const index of [1, 2, 3]) {
      const data = await prepareData(noTest, { ...options, fold: { index, folds: 3 } });
      // 8 training rows: "shared" and their own word each; the 4 validating rows' words are unknown.
      assert.equal(data.vocabulary?.tokens.length, 2 + 1 + 8);
      assert.ok(Array.from(data.validation?.x ?? []).every((id, i) => (i % 8 === 0 ? id === 1 : true)));
    }
  });
});
