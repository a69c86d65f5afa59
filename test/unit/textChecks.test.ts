import { strict as assert } from 'node:assert';
import type { SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { formatDiagnostic, validateModelFile } from '../../src/modelFile/validateModelFile';
import { toJson, withValue } from '../fixtures/modelFile';
import { MESSAGES_CSV, textModel } from '../fixtures/textModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('validating text data (data.train.text, data.text)', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace({ 'data/messages.csv': MESSAGES_CSV })));
  afterEach(() => workspace.remove());

  async function validate(
    changes: [path: (string | number)[], value: unknown][] = [],
  ): Promise<{ messages: string[]; diagnostics: SpecDiagnostic[] }> {
    let model = textModel();
    for (const [path, value] of changes) model = withValue(model, path, value);
    const result = await validateModelFile(workspace.file('m.model.json'), toJson(model), { workspaceRoot: workspace.root });
    return { messages: result.diagnostics.map(formatDiagnostic), diagnostics: result.diagnostics };
  }

  it('a text model over its text and label columns has no problems (the other columns are not read as numbers)', async () => {
    assert.deepEqual((await validate()).messages, []);
  });

  it('an unknown text column: did-you-mean over the header, with a fix per column', async () => {
    const { messages, diagnostics } = await validate([[['data', 'train', 'text'], 'bodyy']]);
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /m\.model\.json:\d+:\d+: error: data\.train\.text: no column "bodyy" in "data\/messages\.csv" — did you mean "body"\? \(columns: id, body, label\)/,
    );
    assert.deepEqual(
      diagnostics[0].fixes?.map((f) => f.title),
      ['Use column "body"', 'Use column "id"'],
    );
  });

  it('data.train.text without data.text, and data.text without data.train.text', async () => {
    const missing = await validate([[['data', 'text'], undefined]]);
    assert.deepEqual(missing.messages.length, 1);
    assert.match(missing.messages[0], /error: data\.train\.text reads texts from column "body": add "data\.text"/);
    assert.deepEqual(missing.diagnostics[0].fixes?.[0], {
      kind: 'set',
      title: 'Add "data.text" with the defaults',
      path: ['data', 'text'],
      value: { tokenizer: 'word', vocabSize: 10000, maxLength: 200, lowercase: true },
    });
    workspace.write('data/numbers.csv', 'x,label\n1,a\n2,b\n');
    const stray = await validate([[['data', 'train'], { path: 'data/numbers.csv', label: 'label' }]]);
    assert.ok(
      stray.messages.some((m) => /error: "data\.text" says how to tokenize a text column: name that column in "data\.train\.text"/.test(m)),
    );
  });

  it('data.features with text data, and data.test without a text column', async () => {
    workspace.write('data/test.csv', 'body,label\nhi,spam\nyo,ham\n');
    const { messages } = await validate([
      [['data', 'features'], { normalize: 'standard' }],
      [['data', 'testSplit'], undefined],
      [['data', 'test'], { path: 'data/test.csv', label: 'label' }],
    ]);
    assert.ok(
      messages.some((m) => /error: "data\.features" does not apply to text: each example is data\.text\.maxLength token ids \(8\)/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /error: data\.test: name its text column in "text", as data\.train does \("body"\)/.test(m)),
      messages.join('\n'),
    );
  });

  it('vocabSize below 3 is a schema error; one that leaves most tokens unknown is a warning with a size that covers 95 %', async () => {
    const tiny = await validate([[['data', 'text', 'vocabSize'], 2]]);
    assert.equal(tiny.messages.length, 1);
    assert.match(tiny.messages[0], /error: "data\.text\.vocabSize" must be an integer ≥ 3 \(got 2\)/);
    const small = await validate([[['data', 'text', 'vocabSize'], 4]]);
    assert.equal(small.messages.length, 1, small.messages.join('\n'));
    assert.match(
      small.messages[0],
      /warning: data\.text\.vocabSize 4 gives ids to \d+ % of the words in data\.train \(\d+ distinct\): the rest read as <unk>; vocabSize \d+ covers 95 %/,
    );
  });

  it('an embedding smaller than vocabSize: refused, with the size that fits', async () => {
    const { messages, diagnostics } = await validate([[['model', 'layers', 0, 'inputDim'], 20]]);
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /error: embedding inputDim 20 is below data\.text\.vocabSize 30: token ids go up to 29; set "inputDim": 30/);
    assert.deepEqual(diagnostics[0].path, ['model', 'layers', 0, 'inputDim']);
    assert.equal(diagnostics[0].fixes?.[0]?.kind === 'set' && diagnostics[0].fixes[0].value, 30);
  });

  it('empty texts in the file: how many and the first line', async () => {
    workspace.write('data/messages.csv', 'body,label\nhello,spam\n"",ham\nbye,ham\n');
    const { messages } = await validate([[['data', 'testSplit'], undefined]]);
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /error: \S*data\/messages\.csv:3: 1 of 3 texts in column "body" are empty/);
  });
});
