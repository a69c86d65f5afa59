import { strict as assert } from 'node:assert';
import { csvTable, readCsvHeader, readCsvTable } from '../../src/data/csv';
import { parseCsv } from '../../src/data/csvParser';
import { DataError } from '../../src/data/dataError';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const rows = (text: string) => [...parseCsv(text, 'x.csv')].map((r) => [r.line, r.fields]);

describe('csv', () => {
  describe('parseCsv', () => {
    it('reads LF and CRLF line ends alike, numbering lines from 1', () => {
      assert.deepEqual(rows('a,b\n1,2\n'), [
        [1, ['a', 'b']],
        [2, ['1', '2']],
      ]);
      assert.deepEqual(rows('a,b\r\n1,2\r\n3,4'), [
        [1, ['a', 'b']],
        [2, ['1', '2']],
        [3, ['3', '4']],
      ]);
    });

    it('keeps commas, doubled quotes and newlines inside quoted fields', () => {
      const text = 'name,note\n"Smith, J","said ""hi"""\n"multi\nline",x\nlast,y\n';
      assert.deepEqual(rows(text), [
        [1, ['name', 'note']],
        [2, ['Smith, J', 'said "hi"']],
        [3, ['multi\nline', 'x']],
        // The embedded newline moves the next record to line 5.
        [5, ['last', 'y']],
      ]);
    });

    it('skips a byte-order mark and blank lines, keeps empty fields', () => {
      assert.deepEqual(rows('\uFEFFa,b\n\n1,\n\n'), [
        [1, ['a', 'b']],
        [3, ['1', '']],
      ]);
    });

    it('reports an unclosed quote at the line where it opens', () => {
      assert.throws(
        () => rows('a,b\n1,2\n"open,3\n4,5\n'),
        (error: DataError) =>
          error instanceof DataError && error.line === 3 && /x\.csv:3: a quoted field is never closed/.test(error.message),
      );
    });

    it('reports text after a closing quote', () => {
      assert.throws(() => rows('a\n"x"y\n'), /x\.csv:2: unexpected text after a closing quote/);
    });
  });

  describe('tables', () => {
    it('turns feature columns into numbers and keeps class names as text', () => {
      const table = csvTable('f1,label,f2\n1,cat,2.5\n-3,dog,1e2\n', '/w/x.csv', 'label', 'string');
      assert.deepEqual(table.featureNames, ['f1', 'f2']);
      assert.equal(table.count, 2);
      assert.deepEqual(Array.from(table.x), [1, 2.5, -3, 100]);
      assert.deepEqual(table.labels, ['cat', 'dog']);
    });

    it('reads numeric labels for regression', () => {
      const table = csvTable('x,y\n1,2\n3,4.5\n', '/w/x.csv', 'y', 'number');
      assert.deepEqual(Array.from(table.labels as Float32Array), [2, 4.5]);
    });

    it('names file, line and column of a missing value', () => {
      const text = 'a,petal_width,label\n1,2,x\n3,,y\n';
      assert.throws(
        () => csvTable(text, `${process.cwd()}/data/x.csv`, 'label', 'string'),
        (error: DataError) =>
          error.line === 3 &&
          error.field === 'petal_width' &&
          error.message.startsWith('data/x.csv:3: column "petal_width" is empty, expected a number'),
      );
    });

    it('names file, line and value of a non-numeric cell', () => {
      assert.throws(
        () => csvTable('petal_width,label\n1,a\nabc,b\n', `${process.cwd()}/data/x.csv`, 'label', 'string'),
        (error: DataError) => error.message === 'data/x.csv:3: column "petal_width" is "abc", expected a number',
      );
    });

    it('rejects a row with the wrong number of fields', () => {
      assert.throws(() => csvTable('a,b,c\n1,2,3\n4,5\n', '/w/x.csv', 'c', 'string'), /:3: found 2 fields, but the header has 3 columns/);
    });

    it('rejects a missing label column with a suggestion', () => {
      assert.throws(
        () => csvTable('a,species\n1,x\n', '/w/x.csv', 'specie', 'string'),
        /no label column "specie" — did you mean "species"\?/,
      );
    });

    it('rejects a non-numeric regression target', () => {
      assert.throws(() => csvTable('x,y\n1,high\n', '/w/x.csv', 'y', 'number'), /:2: column "y" is "high", expected a number/);
    });
  });

  describe('files', () => {
    let workspace: TempWorkspace;
    beforeEach(() => (workspace = tempWorkspace()));
    afterEach(() => workspace.remove());

    it('reads the header only, even when it spans lines in quotes', async () => {
      const file = workspace.write('h.csv', '\uFEFF"first\ncolumn", second ,label\r\n1,2,3\n');
      assert.deepEqual(await readCsvHeader(file), ['first\ncolumn', 'second', 'label']);
    });

    it('reads a header longer than one read chunk', async () => {
      const names = Array.from({ length: 20000 }, (_, i) => `pixel${i}`);
      const file = workspace.write('wide.csv', `${names.join(',')}\n${names.map(() => '0').join(',')}\n`);
      assert.deepEqual(await readCsvHeader(file), names);
    });

    it('reports an empty file and a missing file', async () => {
      await assert.rejects(readCsvHeader(workspace.write('e.csv', '')), /e\.csv:1: the file is empty/);
      await assert.rejects(readCsvHeader(workspace.file('none.csv')), /none\.csv: file not found/);
    });

    it('rejects duplicate column names', async () => {
      await assert.rejects(readCsvHeader(workspace.write('d.csv', 'a,b,a\n')), /column "a" appears twice in the header/);
    });

    it('reads a whole table from disk', async () => {
      const table = await readCsvTable(workspace.write('t.csv', 'x,y\r\n1,2\r\n'), 'y', 'number');
      assert.equal(table.count, 1);
      assert.deepEqual(Array.from(table.x), [1]);
    });
  });
});
