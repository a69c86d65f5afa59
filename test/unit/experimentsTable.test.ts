// The experiments table's pure code (webview/experiments): columns that
// differ, sort, the filter language and its errors, CSV; the spec diff and
// run.json edits (src/runFolder); the messages' guards.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isChangedEntry as isChanged, isExperimentsPanelState, isExperimentsToHost } from '../../src/protocol/experimentsMessages';
import type { RunRow } from '../../src/protocol/runRow';
import type { RunInfo } from '../../src/protocol/runTypes';
import { diffSpecs, specLeaves } from '../../src/runFolder/specDiff';
import { editRun, withEdit } from '../../src/runFolder/runNotes';
import { columnsOf, formatCell, sortRows, visibleColumns, type Column } from '../../webview/experiments/columns';
import { compileFilter, filterRows, type Expr } from '../../webview/experiments/filter';
import { csvField, toCsv } from '../../webview/experiments/csv';
import { isHostMessage } from '../../webview/experiments/guards';

function row(id: string, hyperparameters: RunRow['hyperparameters'], final: RunRow['final'], more: Partial<RunRow> = {}): RunRow {
  return {
    id,
    runDir: `/w/.modelstudio/runs/${id}`,
    modelFile: '/w/iris.model.yaml',
    name: id,
    status: 'completed',
    started: `2026-12-05T10:00:0${id.length}.000Z`,
    duration: 12,
    backend: 'cpu',
    epochs: 5,
    epochsDone: 5,
    executor: null,
    hyperparameters,
    final,
    best: Object.fromEntries(Object.entries(final).map(([k, v]) => [k, k.includes('loss') ? v - 0.1 : v + 0.01])),
    test: {},
    notes: '',
    tags: [],
    parent: null,
    ...more,
  };
}

const ROWS: RunRow[] = [
  row(
    'a',
    { 'training.batchSize': 32, 'training.learningRate': 0.01, 'training.optimizer': 'adam', 'model.layers[0].units': 16 },
    {
      loss: 0.3,
      val_loss: 0.4,
      val_accuracy: 0.95,
      lr: 0.01,
    },
  ),
  row(
    'bb',
    { 'training.batchSize': 16, 'training.learningRate': 0.01, 'training.optimizer': 'adam', 'model.layers[0].units': 32 },
    {
      loss: 0.5,
      val_loss: 0.6,
      val_accuracy: 0.85,
      lr: 0.01,
    },
  ),
  row(
    'ccc',
    {
      'training.batchSize': 32,
      'training.learningRate': 0.01,
      'training.optimizer': 'sgd',
      'model.layers[0].units': 16,
      'model.layers[1].units': 3,
    },
    { loss: 0.2, val_loss: 0.3, val_accuracy: 0.97, lr: 0.01 },
    { status: 'failed', duration: null, tags: ['baseline', 'keep'], test: { accuracy: 0.9 } },
  ),
];

const COLUMNS = columnsOf(ROWS);
const column = (id: string) => COLUMNS.find((c) => c.id === id) as Column;
const ids = (rows: readonly RunRow[]) => rows.map((r) => r.id);

function filter(text: string): Expr | undefined {
  const compiled = compileFilter(text, COLUMNS);
  assert.ok(compiled.ok, `${text}: ${compiled.ok ? '' : compiled.error.message}`);
  return compiled.expr;
}

function filterError(text: string) {
  const compiled = compileFilter(text, COLUMNS);
  assert.ok(!compiled.ok, `${text} compiled`);
  return compiled.error;
}

describe('experiments table: columns', () => {
  it('shows by default the hyperparameters that differ among the rows, including one only some runs have', () => {
    const shown = COLUMNS.filter((c) => c.group === 'hyperparameter' && c.byDefault).map((c) => c.id);
    assert.deepEqual(shown, ['training.batchSize', 'training.optimizer', 'model.layers[0].units', 'model.layers[1].units']);
    assert.equal(column('training.learningRate').byDefault, false);
    assert.equal(column('training.batchSize').title, 'batchSize');
  });

  it("names the spec's top-level keys spec.<key>, apart from the run's own columns", () => {
    const columns = columnsOf([row('a', { name: 'iris', 'training.epochs': 5 }, {}), row('b', { name: 'wine', 'training.epochs': 5 }, {})]);
    assert.equal(columns.filter((c) => c.id === 'name').length, 1);
    assert.equal(columns.find((c) => c.id === 'spec.name')?.byDefault, true);
  });

  it('with one run no hyperparameter differs', () => {
    assert.ok(columnsOf([ROWS[0]]).every((c) => c.group !== 'hyperparameter' || !c.byDefault));
  });

  it('lists final metrics loss first, best values of validation metrics, test metrics; lr only on request', () => {
    const metrics = COLUMNS.filter((c) => c.group !== 'run' && c.group !== 'hyperparameter');
    assert.deepEqual(
      metrics.map((c) => c.id),
      ['loss', 'val_loss', 'val_accuracy', 'lr', 'best_loss', 'best_val_loss', 'best_val_accuracy', 'best_lr', 'test_accuracy'],
    );
    assert.deepEqual(
      metrics.filter((c) => c.byDefault).map((c) => c.id),
      ['loss', 'val_loss', 'val_accuracy', 'best_val_loss', 'best_val_accuracy', 'test_accuracy'],
    );
  });

  it("the person's choices win over the default; the name always shows", () => {
    const shown = visibleColumns(COLUMNS, { 'training.learningRate': true, 'training.batchSize': false, name: false }).map((c) => c.id);
    assert.ok(shown.includes('training.learningRate'));
    assert.ok(!shown.includes('training.batchSize'));
    assert.ok(shown.includes('name'));
    assert.ok(shown.includes('tags'), 'tags show when a run has some');
  });

  it('formats numbers, durations and times', () => {
    assert.equal(formatCell(column('val_accuracy'), 0.956789), '0.9568');
    assert.equal(formatCell(column('duration'), 3725), '1h 02m');
    assert.equal(formatCell(column('duration'), 65), '1m 05s');
    const local = new Date('2026-12-05T10:00:01.000Z');
    assert.equal(formatCell(column('started'), '2026-12-05T10:00:01.000Z').slice(-8), local.toTimeString().slice(0, 8));
    assert.equal(formatCell(column('duration'), undefined), '');
  });
});

describe('experiments table: sort', () => {
  it('sorts numbers by value both ways, rows without a value last either way', () => {
    assert.deepEqual(ids(sortRows(ROWS, column('val_accuracy'), false)), ['bb', 'a', 'ccc']);
    assert.deepEqual(ids(sortRows(ROWS, column('val_accuracy'), true)), ['ccc', 'a', 'bb']);
    assert.deepEqual(ids(sortRows(ROWS, column('duration'), false)), ['a', 'bb', 'ccc']);
    assert.deepEqual(ids(sortRows(ROWS, column('duration'), true)), ['a', 'bb', 'ccc']);
    assert.deepEqual(ids(sortRows(ROWS, column('model.layers[1].units'), true)), ['ccc', 'a', 'bb']);
  });

  it('sorts text as people do (run-2 before run-10), and keeps ties in their order', () => {
    const named = ['run-10', 'run-2', 'Run-1'].map((name) => row(name, {}, {}, { name }));
    assert.deepEqual(ids(sortRows(named, column('name'), false)), ['Run-1', 'run-2', 'run-10']);
    assert.deepEqual(ids(sortRows(ROWS, column('training.optimizer'), false)), ['a', 'bb', 'ccc']);
  });
});

describe('experiments table: filter expressions', () => {
  it('compares metrics and hyperparameters by full key or unique ending', () => {
    assert.deepEqual(ids(filterRows(ROWS, filter('val_accuracy > 0.9 && batchSize == 32'))), ['a', 'ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('training.batchSize < 32'))), ['bb']);
    assert.deepEqual(ids(filterRows(ROWS, filter('layers[0].units >= 32 || optimizer == "sgd"'))), ['bb', 'ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('best_val_loss <= 0.31'))), ['a', 'ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('test_accuracy > 0.5'))), ['ccc']);
  });

  it('has !, parentheses, not/and/or words, = for ==, and precedence of && over ||', () => {
    assert.deepEqual(ids(filterRows(ROWS, filter('!(status == "completed")'))), ['ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('not status = completed'.replace('completed', "'completed'")))), ['ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('batchSize == 16 || batchSize == 32 && optimizer == "sgd"'))), ['bb', 'ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('(batchSize == 16 || batchSize == 32) and optimizer == "adam"'))), ['a', 'bb']);
  });

  it('contains / ~ look for text case-insensitively; a bare column means it has a value', () => {
    assert.deepEqual(ids(filterRows(ROWS, filter('tags contains "BASE"'))), ['ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('name ~ "b"'))), ['bb']);
    assert.deepEqual(ids(filterRows(ROWS, filter('layers[1].units'))), ['ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('duration == null'))), ['ccc']);
  });

  it('compares a number written in quotes as a number; missing values never pass < or >', () => {
    assert.deepEqual(ids(filterRows(ROWS, filter('batchSize == "16"'))), ['bb']);
    assert.deepEqual(ids(filterRows(ROWS, filter('duration < 100'))), ['a', 'bb']);
    assert.deepEqual(ids(filterRows(ROWS, filter('val_loss > -1'))), ['a', 'bb', 'ccc']);
    assert.deepEqual(ids(filterRows(ROWS, filter('  '))), ['a', 'bb', 'ccc']);
  });

  it('says what is wrong and where, never throws', () => {
    assert.deepEqual(filterError('val_accuracy >'), { message: 'the expression ends too soon: expected a value', at: 14, length: 0 });
    const unknown = filterError('batch > 3');
    assert.match(unknown.message, /no column is called "batch"/);
    assert.deepEqual([unknown.at, unknown.length], [0, 5]);
    const ambiguous = filterError('units > 3');
    assert.match(ambiguous.message, /"units" could be model\.layers\[0\]\.units, model\.layers\[1\]\.units/);
    assert.equal(filterError('name == "abc').at, 8);
    assert.match(filterError('(loss < 1').message, /this \( is not closed/);
    assert.match(filterError('loss < 1)').message, /this \) closes nothing/);
    assert.match(filterError('loss 1').message, /expected && or \|\| before "1"/);
    assert.equal(filterError('loss # 1').at, 5);
    assert.match(filterError('&& loss').message, /expected a value before "&&"/);
  });
});

describe('experiments table: CSV', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180), ends records with CRLF', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(0.123456789), '0.123456789');
    assert.equal(
      toCsv(
        ['name', 'notes'],
        [
          ['a', 'x, y'],
          ['b', null],
        ],
      ),
      'name,notes\r\na,"x, y"\r\nb,\r\n',
    );
  });
});

describe('experiments table: diff of two specs', () => {
  const a = {
    data: { path: 'iris.csv', validationSplit: 0.2 },
    model: { layers: [{ type: 'dense', units: 16 }] },
    training: { epochs: 5 },
  };
  const b = {
    data: { path: 'iris2.csv', validationSplit: 0.2, testSplit: 0.1 },
    model: {
      layers: [
        { type: 'dense', units: 16 },
        { type: 'dropout', rate: 0.1 },
      ],
    },
    training: { epochs: 5, callbacks: [] },
  };

  it('lists every leaf by its path', () => {
    assert.deepEqual(
      [...specLeaves(a)],
      [
        ['data.path', 'iris.csv'],
        ['data.validationSplit', 0.2],
        ['model.layers[0].type', 'dense'],
        ['model.layers[0].units', 16],
        ['training.epochs', 5],
      ],
    );
  });

  it('marks data paths, splits and layers added as changed, the rest unchanged', () => {
    const entries = diffSpecs(a, b);
    assert.deepEqual(entries.filter(isChanged), [
      { key: 'data.path', a: 'iris.csv', b: 'iris2.csv' },
      { key: 'data.testSplit', b: 0.1 },
      { key: 'model.layers[1].type', b: 'dropout' },
      { key: 'model.layers[1].rate', b: 0.1 },
      { key: 'training.callbacks', b: '[]' },
    ]);
    assert.deepEqual(
      entries.filter((e) => !isChanged(e)).map((e) => e.key),
      ['data.validationSplit', 'model.layers[0].type', 'model.layers[0].units', 'training.epochs'],
    );
  });
});

describe('experiments table: notes, names and tags in run.json', () => {
  const run: RunInfo = {
    id: 'r1',
    name: 'iris',
    modelFile: '/w/iris.model.yaml',
    status: 'completed',
    backend: 'cpu',
    backendSkipped: [],
    startedAt: '2026-12-05T10:00:00.000Z',
    seed: 1,
    epochs: 5,
    trainSamples: 100,
    batchesPerEpoch: 4,
  };

  it('sets, trims and removes fields; tags lose blanks and repeats', () => {
    assert.equal(withEdit(run, { field: 'label', value: ' best so far ' }).label, 'best so far');
    assert.ok(!('notes' in withEdit({ ...run, notes: 'old' }, { field: 'notes', value: '' })));
    assert.deepEqual(withEdit(run, { field: 'tags', value: ['a', ' a', '', 'b'] }).tags, ['a', 'b']);
  });

  it('writes a finished run, refuses one whose trainer is alive, edits one whose trainer died', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'notes-'));
    const file = path.join(dir, 'run.json');
    writeFileSync(file, JSON.stringify(run));
    await editRun(dir, [
      { field: 'notes', value: 'lr too high' },
      { field: 'tags', value: ['a'] },
    ]);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).tags, ['a']);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).notes, 'lr too high');
    const now = Date.parse('2026-12-05T10:01:00.000Z');
    writeFileSync(file, JSON.stringify({ ...run, status: 'running', pid: 42, heartbeatAt: '2026-12-05T10:00:58.000Z' }));
    await assert.rejects(
      editRun(dir, [{ field: 'label', value: 'x' }], now, () => true),
      /is training: its name, notes and tags can be edited once it ends/,
    );
    await editRun(dir, [{ field: 'label', value: 'x' }], now, () => false);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).label, 'x');
  });
});

describe('experiments table: messages', () => {
  it('accepts what the page sends and drops the rest', () => {
    assert.ok(isExperimentsToHost({ type: 'edit', runDir: '/r', edits: [{ field: 'tags', value: ['a'] }] }));
    assert.ok(!isExperimentsToHost({ type: 'edit', runDir: '/r', edits: [{ field: 'status', value: 'completed' }] }));
    assert.ok(!isExperimentsToHost({ type: 'edit', runDir: '/r', edits: [{ field: 'tags', value: [''] }] }));
    assert.ok(isExperimentsToHost({ type: 'diff', runDirs: ['/a', '/b'] }));
    assert.ok(!isExperimentsToHost({ type: 'diff', runDirs: ['/a'] }));
    assert.ok(isExperimentsToHost({ type: 'columns', choices: { lr: true } }));
    assert.ok(!isExperimentsToHost({ type: 'columns', choices: { lr: 'yes' } }));
    assert.ok(isExperimentsPanelState({ scope: { kind: 'folder', path: '/w' } }));
    assert.ok(!isExperimentsPanelState({ scope: { kind: 'drive', path: '/w' } }));
  });

  it("the page checks the host's rows", () => {
    const rows = {
      type: 'rows',
      title: 't',
      scope: { kind: 'folder', path: '/w' },
      rows: ROWS,
      constants: { 'data.path': 'iris.csv' },
      columns: {},
      total: ROWS.length + 100,
    };
    assert.ok(isHostMessage(rows));
    assert.ok(!isHostMessage({ ...rows, total: undefined }));
    assert.ok(!isHostMessage({ ...rows, total: ROWS.length - 1 }));
    assert.ok(!isHostMessage({ ...rows, constants: undefined }));
    assert.ok(!isHostMessage({ ...rows, constants: { 'data.path': ['iris.csv'] } }));
    assert.ok(!isHostMessage({ ...rows, rows: [{ ...ROWS[0], final: { loss: 'x' } }] }));
    assert.ok(isHostMessage({ type: 'diff', diff: { a: '/a', b: '/b', entries: [{ key: 'x', a: 1 }] } }));
  });
});
