import { strict as assert } from 'node:assert';
import { DataError } from '../../src/data/dataError';
import { jsonTable, parseJsonRecords, readJsonHeader, readJsonTable } from '../../src/data/json';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('json data', () => {
  it('reads a JSON array of records with the line each starts on', () => {
    const text = '[\n  {"x": 1, "label": "a"},\n\n  {"x": 2,\n   "label": "b"}\n]';
    const records = parseJsonRecords(text, 'r.json', 'json');
    assert.deepEqual(
      records.map((r) => [r.line, r.value]),
      [
        [2, { x: 1, label: 'a' }],
        [4, { x: 2, label: 'b' }],
      ],
    );
  });

  it('reads JSON Lines, skipping blank lines', () => {
    const records = parseJsonRecords('{"x": 1}\n\n{"x": 2}\r\n', 'r.jsonl', 'jsonl');
    assert.deepEqual(
      records.map((r) => [r.line, r.value.x]),
      [
        [1, 1],
        [3, 2],
      ],
    );
  });

  it('names the line of a broken JSON Lines record', () => {
    assert.throws(
      () => parseJsonRecords('{"x": 1}\n{"x": \n', 'r.jsonl', 'jsonl'),
      (error: DataError) => error.line === 2 && /r\.jsonl:2: not valid JSON/.test(error.message),
    );
  });

  it('names the line of a syntax error in a JSON array', () => {
    assert.throws(
      () => parseJsonRecords('[\n {"x": 1},\n {"x": 2,,}\n]', 'r.json', 'json'),
      (error: DataError) => error.line === 3,
    );
  });

  it('rejects a JSON file that is not an array, and records that are not objects', () => {
    assert.throws(() => parseJsonRecords('{"x": 1}', 'r.json', 'json'), /expected a JSON array of records/);
    assert.throws(() => parseJsonRecords('[\n{"x": 1},\n3\n]', 'r.json', 'json'), /r\.json:3: expected a record/);
  });

  it('makes a table: first record names the features, label may be text or number', () => {
    const records = parseJsonRecords('[{"a": 1, "label": 0, "b": 2}, {"a": 3, "label": "cat", "b": 4}]', 'r.json', 'json');
    const table = jsonTable(records, 'r.json', 'label', 'string');
    assert.deepEqual(table.featureNames, ['a', 'b']);
    assert.deepEqual(Array.from(table.x), [1, 2, 3, 4]);
    assert.deepEqual(table.labels, ['0', 'cat']);
  });

  it('names line and key of a missing or non-numeric feature', () => {
    const records = parseJsonRecords('{"a": 1, "y": 2}\n{"y": 3}\n', 'r.jsonl', 'jsonl');
    assert.throws(
      () => jsonTable(records, 'r.jsonl', 'y', 'number'),
      (e: DataError) => e.message === 'r.jsonl:2: "a" is missing, expected a number' && e.field === 'a',
    );
    const text = parseJsonRecords('{"a": 1, "y": 2}\n{"a": "1", "y": 3}\n', 'r.jsonl', 'jsonl');
    assert.throws(() => jsonTable(text, 'r.jsonl', 'y', 'number'), /r\.jsonl:2: "a" is "\\"1\\"", expected a number/);
  });

  describe('files', () => {
    let workspace: TempWorkspace;
    beforeEach(() => (workspace = tempWorkspace()));
    afterEach(() => workspace.remove());

    it('reads the keys of the first record without parsing the rest', async () => {
      // The second record is broken: reading the header must not reach it.
      const file = workspace.write(
        'h.json',
        `[{"a": 1, "nested": {"z": 1}, "label": "x"}, ${'{"a": 2, "label": "y"}, '.repeat(5000)} {broken`,
      );
      assert.deepEqual(await readJsonHeader(file, 'json'), ['a', 'nested', 'label']);
      const lines = workspace.write('h.jsonl', '\n{"p": 1, "q": 2}\n{oops\n');
      assert.deepEqual(await readJsonHeader(lines, 'jsonl'), ['p', 'q']);
    });

    it('reads a whole table from disk', async () => {
      const file = workspace.write('t.jsonl', '{"x": 1, "y": 2}\n{"x": 3, "y": 4}\n');
      const table = await readJsonTable(file, 'jsonl', 'y', 'number');
      assert.deepEqual(Array.from(table.labels as Float32Array), [2, 4]);
    });
  });
});
