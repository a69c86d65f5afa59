import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { PROGRESS_STEP, csvTable, readCsvTable } from '../../src/data/csv';
import { CsvStreamParser, parseCsv } from '../../src/data/csvParser';
import { DataError } from '../../src/data/dataError';
import { prepareData } from '../../src/data/prepareData';
import { FloatBuilder, parseSimpleDecimal, type TableData } from '../../src/data/table';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * The streaming CSV reader must not care where reads end: a quote, a `""`,
 * a CRLF, a BOM or a multi-byte character split between two pieces gives
 * the same records, the same table and the same error (line included) as
 * parsing the whole text at once.
 */

type Outcome = { readonly records: [number, string[]][] } | { readonly error: string };

function whole(text: string): Outcome {
  try {
    return { records: [...parseCsv(text, 'x.csv')].map((r) => [r.line, r.fields]) };
  } catch (error) {
    return { error: (error as DataError).message };
  }
}

function streamed(pieces: readonly string[]): Outcome {
  const records: [number, string[]][] = [];
  try {
    const parser = new CsvStreamParser('x.csv', (fields, line) => records.push([line, fields]));
    for (const piece of pieces) parser.write(piece);
    parser.end();
    return { records };
  } catch (error) {
    return { error: (error as DataError).message };
  }
}

/** `text` cut at the given offsets (any order, repeats allowed). */
function cut(text: string, offsets: readonly number[]): string[] {
  const at = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const offset of at) {
    pieces.push(text.slice(from, offset));
    from = offset;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** CSV-ish text made of the characters that matter to a CSV parser, and some that matter to UTF-8/16. */
const csvText = fc
  .array(fc.constantFrom('a', '1', '-', '.', ',', ',', '"', '"', '\r', '\n', '\n', '\r\n', ' ', 'é', '😀', '\uFEFF'), { maxLength: 80 })
  .map((chars) => chars.join(''));

/** A table as CSV: a header, numeric columns and a label, with quotes, CRLF, BOM and non-ASCII labels mixed in. */
const tableCsv = fc
  .record({
    columns: fc.integer({ min: 1, max: 4 }),
    rows: fc.array(
      fc.tuple(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 4, maxLength: 4 }),
        fc.constantFrom('a', 'b', 'ünï', '😀 x', 'q,"q"'),
      ),
      { maxLength: 30 },
    ),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    quoteNumbers: fc.boolean(),
    blankLines: fc.boolean(),
    // Now and then a fault: a ragged row, a bad cell or an unclosed quote.
    fault: fc.constantFrom('none', 'none', 'none', 'ragged', 'cell', 'quote'),
    faultRow: fc.nat(),
  })
  .map(({ columns, rows, crlf, bom, quoteNumbers, blankLines, fault, faultRow }) => {
    const end = crlf ? '\r\n' : '\n';
    const quoteField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    const lines = [[...Array.from({ length: columns }, (_, j) => `f${j}`), 'label'].join(',')];
    rows.forEach(([values, label], i) => {
      const cells = values.slice(0, columns).map((v) => (quoteNumbers ? `"${v}"` : String(v)));
      if (fault !== 'none' && rows.length > 0 && i === faultRow % rows.length) {
        if (fault === 'ragged') cells.pop();
        if (fault === 'cell') cells[0] = 'abc';
        if (fault === 'quote') cells[0] = `"${cells[0]}`;
      }
      lines.push([...cells, quoteField(label)].join(','));
      if (blankLines && i % 3 === 0) lines.push('');
    });
    return `${bom ? '\uFEFF' : ''}${lines.join(end)}${end}`;
  });

function tableOf(run: () => TableData): unknown {
  try {
    const table = run();
    return {
      featureNames: table.featureNames,
      count: table.count,
      x: Array.from(table.x),
      labels: Array.from(table.labels as ArrayLike<unknown>),
    };
  } catch (error) {
    assert.ok(error instanceof DataError, String(error));
    return { error: error.message, line: error.line, field: error.field };
  }
}

async function tableOfAsync(run: () => Promise<TableData>): Promise<unknown> {
  let table: TableData;
  try {
    table = await run();
  } catch (error) {
    assert.ok(error instanceof DataError, String(error));
    return { error: error.message, line: error.line, field: error.field };
  }
  return tableOf(() => table);
}

describe('CSV streaming', () => {
  it('gives the same records and errors as whole-text parsing, wherever the text is cut (property)', () => {
    fc.assert(
      fc.property(csvText, fc.array(fc.nat(), { maxLength: 12 }), (text, offsets) => {
        assert.deepEqual(streamed(cut(text, offsets)), whole(text));
      }),
      { numRuns: 300 },
    );
  });

  it('handles the hard splits: inside "", between CR and LF, in a quoted newline, after a BOM', () => {
    const text = '\uFEFFa,b\r\n"x""y","1\r\n2"\r\nlast,""\r\n';
    const expected = whole(text);
    assert.deepEqual(expected, {
      records: [
        [1, ['a', 'b']],
        [2, ['x"y', '1\r\n2']],
        [4, ['last', '']],
      ],
    });
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++)
        assert.deepEqual(streamed([text.slice(0, i), text.slice(i, j), text.slice(j)]), expected, `cut at ${i}, ${j}`);
    }
    // One character at a time, too.
    assert.deepEqual(streamed([...text]), expected);
  });

  it('reads a huge quoted field in many pieces in linear time', () => {
    const big = 'x'.repeat(2_000_000);
    const text = `a,b\n"${big}",1\n`;
    const started = performance.now();
    const result = streamed(
      cut(
        text,
        Array.from({ length: 2000 }, (_, i) => i * 1000),
      ),
    );
    assert.ok('records' in result && result.records[1][1][0].length === big.length);
    // Re-scanning the open record on every piece would be quadratic: minutes, not this.
    assert.ok(performance.now() - started < 5000);
  });

  describe('files', () => {
    let workspace: TempWorkspace;
    beforeEach(() => (workspace = tempWorkspace()));
    afterEach(() => workspace.remove());

    it('readCsvTable in pieces of any size equals csvTable on the whole text (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          tableCsv,
          fc.integer({ min: 1, max: 48 }),
          fc.constantFrom<'string' | 'number'>('string', 'number'),
          async (text, chunkSize, kind) => {
            const file = workspace.write('t.csv', text);
            const expected = tableOf(() => csvTable(text, file, 'label', kind));
            const actual = await tableOfAsync(() => readCsvTable(file, 'label', kind, { chunkSize }));
            assert.deepEqual(actual, expected);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('reports progress about once per MiB read, ending at the file size', async () => {
      const text = `x,label\n${Array.from({ length: 300_000 }, (_, i) => `${i},${i % 2}`).join('\n')}\n`;
      const file = workspace.write('p.csv', text);
      const size = Buffer.byteLength(text);
      const calls: [number, number][] = [];
      const table = await readCsvTable(file, 'label', 'string', {
        chunkSize: 64 * 1024,
        onProgress: (read, total) => calls.push([read, total]),
      });
      assert.equal(table.count, 300_000);
      assert.equal(calls.length, Math.ceil(size / PROGRESS_STEP));
      assert.deepEqual(calls[calls.length - 1], [size, size]);
      calls.forEach(([read, total], i) => {
        assert.equal(total, size);
        if (i > 0) assert.ok(read - calls[i - 1][0] >= (i === calls.length - 1 ? 1 : PROGRESS_STEP));
      });
    });

    it('prepareData passes progress on, naming each file it reads', async () => {
      workspace.write('data/train.csv', 'a,label\n1,x\n2,y\n3,x\n');
      workspace.write('data/test.csv', 'a,label\n4,y\n5,x\n');
      const spec = {
        name: 'p',
        task: 'classification',
        data: { train: { path: 'data/train.csv', label: 'label' }, test: { path: 'data/test.csv', label: 'label' } },
        model: { layers: [{ type: 'dense', units: 2, activation: 'softmax' }] },
        training: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 1 },
      } as const;
      const calls: [number, number, string][] = [];
      await prepareData(spec, {
        modelFile: workspace.file('m.model.json'),
        workspaceRoot: workspace.root,
        onProgress: (read, total, file) => calls.push([read, total, file]),
      });
      assert.deepEqual(calls, [
        [20, 20, workspace.file('data/train.csv')],
        [16, 16, workspace.file('data/test.csv')],
      ]);
    });

    it('reports the end of an empty file once', async () => {
      const calls: [number, number][] = [];
      await assert.rejects(
        readCsvTable(workspace.write('e.csv', ''), 'label', 'string', { onProgress: (read, total) => calls.push([read, total]) }),
        /the file is empty/,
      );
      assert.deepEqual(calls, [[0, 0]]);
    });

    it('sizes the feature array from the first piece, so it does not grow by copying', async () => {
      const text = `a,b,label\n${Array.from({ length: 20_000 }, (_, i) => `${i % 97},${i % 13},c${i % 3}`).join('\n')}\n`;
      const table = await readCsvTable(workspace.write('big.csv', text), 'label', 'string', { chunkSize: 16 * 1024 });
      assert.equal(table.count, 20_000);
      // A view of the reserved buffer (estimate + 5 %), not a doubled one trimmed by copying.
      assert.ok(table.x.buffer.byteLength <= table.x.byteLength * 1.125, `${table.x.buffer.byteLength} for ${table.x.byteLength}`);
      assert.equal(table.x[2 * 19_999], 19_999 % 97);
      // Labels share one string per class.
      assert.equal(new Set(table.labels as string[]).size, 3);
    });
  });

  it('parseSimpleDecimal equals Number() wherever it answers, and answers for plain decimals (property)', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{0,9}$/), fc.option(fc.stringMatching(/^[0-9]{0,9}$/)))
      .map(([minus, whole, fraction]) => `${minus ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`);
    const anything = fc.oneof(decimal, fc.double().map(String), fc.stringMatching(/^[-+.0-9eE ]{0,12}$/), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(anything, (text) => {
        const fast = parseSimpleDecimal(text);
        if (!Number.isNaN(fast)) assert.ok(Object.is(fast, Number(text)), `${JSON.stringify(text)}: ${fast} vs ${Number(text)}`);
        const digits = text.replace(/[^0-9]/g, '').length;
        if (/^-?[0-9]*\.?[0-9]*$/.test(text) && digits >= 1 && digits <= 15) assert.ok(!Number.isNaN(fast), JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
    assert.ok(Object.is(parseSimpleDecimal('-0'), -0));
    assert.equal(parseSimpleDecimal('0.1'), 0.1);
    assert.equal(parseSimpleDecimal('123456789012345'), 123456789012345);
    assert.ok(Number.isNaN(parseSimpleDecimal('1234567890123456')));
  });

  it('FloatBuilder: reserve, then finish without a copy when nearly full', () => {
    const builder = new FloatBuilder(16);
    builder.reserve(100);
    for (let i = 0; i < 95; i++) builder.push(i);
    const values = builder.finish();
    assert.equal(values.length, 95);
    assert.equal(values.buffer.byteLength, 400);
    const sparse = new FloatBuilder(1000);
    sparse.push(1);
    assert.equal(sparse.finish().buffer.byteLength, 4);
  });
});
