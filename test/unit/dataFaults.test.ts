import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { readCsvTable } from '../../src/data/csv';
import { readJsonTable } from '../../src/data/json';
import type { LabelKind } from '../../src/data/table';
import { prepareData } from '../../src/data/prepareData';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { rejectsWith, type Expected } from '../fixtures/messages';
import { irisModel, toJson, withValue } from '../fixtures/modelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * Faults in data files, as a user makes them. Each must end in a DataError
 * whose message starts with the file (and line, where there is one) and
 * whose `line` / `field` say the same, so the CLI, the trainer and the
 * editor can all point at it.
 */

describe('data file faults', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  describe('CSV', () => {
    const cases: { name: string; text: string; label?: string; kind?: LabelKind; expected: Expected }[] = [
      {
        name: 'a non-numeric cell',
        text: 'a,b,label\n1,2,x\n3,abc,y\n',
        expected: { line: 3, field: 'b', message: /column "b" is "abc", expected a number$/ },
      },
      {
        name: 'a NaN cell',
        text: 'a,b,label\n1,NaN,x\n',
        expected: { line: 2, field: 'b', message: /column "b" is "NaN", expected a number/ },
      },
      {
        name: 'an Infinity cell',
        text: 'a,b,label\n1,2,x\n-Infinity,2,y\n',
        expected: { line: 3, field: 'a', message: /column "a" is "-Infinity", expected a number/ },
      },
      {
        name: 'a decimal comma',
        text: 'a,b,label\n"1,5",2,x\n',
        expected: { line: 2, field: 'a', message: /column "a" is "1,5", expected a number/ },
      },
      {
        name: 'an empty cell',
        text: 'a,b,label\n1,,x\n',
        expected: {
          line: 2,
          field: 'b',
          message: /column "b" is empty, expected a number \(missing values are not supported: fill in or drop the row\)/,
        },
      },
      {
        name: 'a row with too few fields',
        text: 'a,b,label\n1,2,x\n3,y\n',
        expected: { line: 3, message: /found 2 fields, but the header has 3 columns/ },
      },
      {
        name: 'a row with too many fields',
        text: 'a,b,label\n1,2,x,extra\n',
        expected: { line: 2, message: /found 4 fields, but the header has 3 columns/ },
      },
      { name: 'an empty file', text: '', expected: { line: 1, message: /the file is empty, expected a header row with column names/ } },
      { name: 'a file of blank lines', text: '\n\r\n\n', expected: { line: 1, message: /the file is empty/ } },
      {
        name: 'a header and no rows',
        text: 'a,b,label\n',
        expected: { line: 1, message: /the file has a header but no rows of data: add rows below it/ },
      },
      {
        name: 'a header after a BOM and blank lines, and no rows',
        text: '\uFEFF\r\n\r\na,label\r\n\r\n',
        expected: { line: 3, message: /has a header but no rows/ },
      },
      {
        name: 'an empty label',
        text: 'a,label\n1,x\n2, \n',
        expected: { line: 3, field: 'label', message: /label column "label" is empty/ },
      },
      {
        name: 'a missing label column',
        text: 'a,species\n1,x\n',
        expected: { line: 1, field: 'label', message: /no label column "label" \(columns: a, species\)/ },
      },
      {
        name: 'a misspelt label column',
        text: 'a,labels\n1,x\n',
        expected: { line: 1, field: 'label', message: /no label column "label" — did you mean "labels"\?/ },
      },
      {
        name: 'a non-numeric regression target',
        text: 'a,label\n1,2\n2,high\n',
        kind: 'number',
        expected: { line: 3, field: 'label', message: /column "label" is "high", expected a number/ },
      },
      {
        name: 'an unclosed quote',
        text: 'a,label\n1,x\n2,"y\n3,z\n',
        expected: { line: 3, message: /a quoted field is never closed \(missing "\)/ },
      },
      {
        name: 'text after a closing quote',
        text: 'a,label\n1,"x"y\n',
        expected: { line: 2, message: /unexpected text after a closing quote/ },
      },
      {
        name: 'a repeated column',
        text: 'a,a,label\n1,2,x\n',
        expected: { line: 1, field: 'a', message: /column "a" appears twice in the header/ },
      },
      { name: 'a column without a name', text: 'a,,label\n1,2,x\n', expected: { line: 1, message: /column 2 of the header has no name/ } },
      {
        name: 'a quoted field over several lines before a bad cell',
        text: 'a,label\n1,"one\ntwo\r\nthree"\noops,y\n',
        expected: { line: 5, field: 'a', message: /column "a" is "oops"/ },
      },
    ];
    for (const { name, text, label, kind, expected } of cases) {
      it(name, async () => {
        const file = workspace.write('data.csv', text);
        await rejectsWith(readCsvTable(file, label ?? 'label', kind ?? 'string'), file, expected);
        // Read in 3-byte pieces the verdict is the same: the line does not depend on where reads end.
        await rejectsWith(readCsvTable(file, label ?? 'label', kind ?? 'string', { chunkSize: 3 }), file, expected);
      });
    }

    it('a bad cell deep in a long file names its line, read in pieces', async () => {
      const rows = Array.from({ length: 60_000 }, (_, i) => (i === 50_000 ? `${i},x1,a` : `${i},${i % 7},${i % 2 ? 'a' : 'b'}`));
      const file = workspace.write('long.csv', `id,v,label\n${rows.join('\r\n')}\r\n`);
      await rejectsWith(readCsvTable(file, 'label', 'string', { chunkSize: 4096 }), file, {
        line: 50_002,
        field: 'v',
        message: /column "v" is "x1"/,
      });
    });

    it('one row is a table of one row', async () => {
      const table = await readCsvTable(workspace.write('one.csv', 'a,b,label\n1,2,x'), 'label', 'string');
      assert.equal(table.count, 1);
      assert.deepEqual(Array.from(table.x), [1, 2]);
      assert.deepEqual(table.labels, ['x']);
    });

    it('a missing file and a folder name the path', async () => {
      const missing = workspace.file('none.csv');
      await rejectsWith(readCsvTable(missing, 'label', 'string'), missing, { line: undefined, message: /file not found/ });
      const folder = workspace.file('folder.csv');
      mkdirSync(folder);
      await rejectsWith(readCsvTable(folder, 'label', 'string'), folder, { line: undefined, message: /is a folder, expected a file/ });
    });
  });

  describe('JSON and JSON Lines', () => {
    it('NaN in a JSON array is not JSON: the line of the record', async () => {
      const file = workspace.write('d.json', '[\n  {"a": 1, "label": "x"},\n  {"a": NaN, "label": "y"}\n]\n');
      await rejectsWith(readJsonTable(file, 'json', 'label', 'string'), file, {
        line: 3,
        message: /not valid JSON: NaN is not a JSON number; write a finite number/,
      });
    });

    it('Infinity in JSON Lines: the line', async () => {
      const file = workspace.write('d.jsonl', '{"a": 1, "label": "x"}\n{"a": Infinity, "label": "y"}\n');
      await rejectsWith(readJsonTable(file, 'jsonl', 'label', 'string'), file, {
        line: 2,
        message: /not valid JSON: Infinity is not a JSON number; write a finite number/,
      });
    });

    it('"NaN" as text, null, or a missing key where a number belongs: line and key', async () => {
      const cases: [string, number, string, RegExp][] = [
        ['[{"a": 1, "label": "x"}, {"a": "NaN", "label": "y"}]', 1, 'a', /"a" is "\\"NaN\\"", expected a number/],
        ['[\n{"a": 1, "label": "x"},\n{"a": null, "label": "y"}\n]', 3, 'a', /"a" is "null", expected a number/],
        ['[\n{"a": 1, "label": "x"},\n{"label": "y"}\n]', 3, 'a', /"a" is missing, expected a number/],
      ];
      for (const [text, line, field, message] of cases) {
        const file = workspace.write('d.json', text);
        await rejectsWith(readJsonTable(file, 'json', 'label', 'string'), file, { line, field, message });
      }
    });

    it('an empty array, and a record that is not an object', async () => {
      const empty = workspace.write('e.json', '[]');
      await rejectsWith(readJsonTable(empty, 'json', 'label', 'string'), empty, { line: 1, message: /the file holds no records/ });
      const scalar = workspace.write('s.json', '[\n{"a": 1, "label": "x"},\n42\n]');
      await rejectsWith(readJsonTable(scalar, 'json', 'label', 'string'), scalar, {
        line: 3,
        message: /expected a record \(a JSON object\), found 42/,
      });
    });
  });

  describe('through prepareData', () => {
    function spec(train: unknown, changes: [(string | number)[], unknown][] = []): ModelSpec {
      let model = withValue(irisModel(), ['data', 'train'], train);
      for (const [path, value] of changes) model = withValue(model, path, value);
      return model as unknown as ModelSpec;
    }
    const options = () => ({ modelFile: workspace.file('m.model.json'), workspaceRoot: workspace.root });

    /*
     * A label with a single class is an error, not a warning: crossentropy
     * over one class is 0 from the first step, so training would report
     * 100 % accuracy and hide the real mistake (most often the wrong label
     * column, or a file filtered down to one class).
     */
    it('a label column with a single class is an error naming the column and the field', async () => {
      workspace.write('data/one.csv', 'a,b,species\n1,2,setosa\n3,4,setosa\n5,6,setosa\n');
      await rejectsWith(
        prepareData(
          spec({ path: 'data/one.csv', label: 'species' }, [
            [['data', 'testSplit'], undefined],
            [['data', 'validationSplit'], undefined],
          ]),
          options(),
        ),
        workspace.file('m.model.json'),
        {
          line: undefined,
          field: 'data.train.label',
          message:
            /data\.train\.label: the label column "species" of "data\/one\.csv" holds a single class \("setosa"\); classification needs at least 2 classes/,
        },
      );
    });

    it('IDX labels with a single class name the labels file field', async () => {
      workspace.write('i.idx', buildIdxImages(3, 2, 2));
      workspace.write('l.idx', buildIdxLabels([4, 4, 4]));
      const model = spec({ images: 'i.idx', labels: 'l.idx' }, [
        [['data', 'testSplit'], undefined],
        [['data', 'validationSplit'], undefined],
      ]);
      await rejectsWith(prepareData(model, options()), workspace.file('m.model.json'), {
        line: undefined,
        field: 'data.train.labels',
        message: /data\.train\.labels: the labels file "l\.idx" holds a single class \("4"\)/,
      });
    });

    it('one row: held-out splits leave nothing to train on; without them it loads', async () => {
      workspace.write('data/one.csv', 'x,y\n1,2\n');
      const one = { path: 'data/one.csv', label: 'y' };
      await rejectsWith(prepareData(spec(one, [[['task'], 'regression']]), options()), workspace.file('m.model.json'), {
        line: undefined,
        field: 'data.validationSplit',
        message: /hold out 2 of 1 examples, leaving none to train on/,
      });
      const data = await prepareData(
        spec(one, [
          [['task'], 'regression'],
          [['data', 'testSplit'], undefined],
          [['data', 'validationSplit'], undefined],
          [['data', 'features'], undefined],
        ]),
        options(),
      );
      assert.equal(data.train.count, 1);
      assert.deepEqual([...data.train.x, ...data.train.y], [1, 2]);
    });

    it('a bad cell in data.test names the test file and line', async () => {
      workspace.write('data/train.csv', 'a,label\n1,x\n2,y\n3,x\n');
      const test = workspace.write('data/test.csv', 'a,label\n1,x\noops,y\n');
      const model = spec({ path: 'data/train.csv', label: 'label' }, [
        [['data', 'test'], { path: 'data/test.csv', label: 'label' }],
        [['data', 'testSplit'], undefined],
        [['data', 'validationSplit'], undefined],
      ]);
      await rejectsWith(prepareData(model, options()), test, { line: 3, field: 'a', message: /column "a" is "oops"/ });
    });

    it('validation flags a single class on the label key before training', async () => {
      // Three rows: the model's testSplit and validationSplit take one each and leave one to train on.
      workspace.write('data/one.csv', 'a,b,species\n1,2,setosa\n3,4,setosa\n5,6,setosa\n');
      const model = withValue(irisModel(), ['data', 'train'], { path: 'data/one.csv', label: 'species' });
      const text = toJson(model);
      const result = await validateModelFile(workspace.file('m.model.json'), text, { workspaceRoot: workspace.root });
      assert.deepEqual(
        result.diagnostics.map((d) => [d.severity, d.path.join('.'), d.message.replace(/;.*/, '')]),
        [['error', 'data.train.label', 'the column "species" of "data/one.csv" holds a single class ("setosa")']],
      );
    });
  });
});
