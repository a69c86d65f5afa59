import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, truncateSync } from 'node:fs';
import { readCsvTable } from '../../src/data/csv';
import { DataError } from '../../src/data/dataError';
import { errorMessage } from '../../src/data/errorMessage';
import { readFeatureRows } from '../../src/data/featureRows';
import { readIdx } from '../../src/data/idx';
import { readImageFolder } from '../../src/data/images';
import { readJsonHeader, readJsonTable } from '../../src/data/json';
import { quote, showText } from '../../src/data/showText';
import { userMessage } from '../../src/trainer/userMessage';
import { buildIdx, buildIdxImages } from '../fixtures/idx';
import { rejectsWith } from '../fixtures/messages';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * Hostile or broken data behind a valid model file (issue #19), reader by
 * reader, one describe per class of failure the issue found. Each fault
 * ends in a DataError naming the file (and line, where there is one) in
 * words a person can act on; validation and the CLI are in
 * hostileDataChecks.test.ts, random files in dataFuzz.test.ts.
 */

const MiB = 1024 * 1024;
const FEATURES = { featureNames: ['a', 'b'] };

describe('hostile data files (issue #19)', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  describe('engine errors become named errors', () => {
    it('JSON nested 100,000 deep: the line, not a stack overflow, in every reader', async () => {
      const deep = workspace.write('deep.json', `[{"a": 1, "label": "x"},\n${'['.repeat(100_000)}${']'.repeat(100_000)}]`);
      await rejectsWith(readJsonTable(deep, 'json', 'label', 'string'), deep, {
        line: 2,
        message: /:2: nests arrays or objects more than 32 deep: a data file holds flat records/,
      });
      const header = workspace.write('header.json', `${'['.repeat(50_000)}{"a": 1}`);
      await rejectsWith(readJsonHeader(header, 'json'), header, { line: 1, message: /nests arrays or objects more than 32 deep/ });
      const lines = workspace.write('deep.jsonl', `{"a": 1, "label": "x"}\n{"a": ${'['.repeat(40)}${']'.repeat(40)}, "label": "y"}\n`);
      await rejectsWith(readJsonTable(lines, 'jsonl', 'label', 'string'), lines, { line: 2, message: /more than 32 deep/ });
    });

    it('a record without a key that Object.prototype has (constructor, toString, __proto__): "missing", not a TypeError', async () => {
      for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const file = workspace.write(
          'keys.json',
          JSON.stringify([
            { [key]: 1, a: 2, label: 'x' },
            { a: 3, label: 'y' },
          ]).replace('"x"}', '"x"}\n'),
        );
        await rejectsWith(readJsonTable(file, 'json', 'label', 'string'), file, {
          line: 2,
          message: new RegExp(`"${key}" is missing, expected a number`),
        });
      }
      const label = workspace.write('label.jsonl', '{"a": 1}\n');
      await rejectsWith(readJsonTable(label, 'jsonl', 'constructor', 'number'), label, {
        line: 1,
        message: /no label column "constructor"/,
      });
    });

    it('a CSV line of 17 MiB without a line break: refused at 16 MiB, not "Invalid string length"', async () => {
      const file = workspace.write('long.csv', Buffer.concat([Buffer.from('a,label\n1,'), Buffer.alloc(17 * MiB, 'x')]));
      await rejectsWith(readCsvTable(file, 'label', 'string'), file, {
        line: 2,
        message: /:2: a record runs over 16 MiB without ending: is this a CSV table\?/,
      });
    });

    it('PNG headers announcing 60000×60000 pixels, or images that multiply past 2 GiB, are refused before decoding', async () => {
      const huge = buildPng(2, 2);
      huge.writeUInt32BE(60_000, 16);
      huge.writeUInt32BE(60_000, 20);
      workspace.write('img/a/1.png', huge);
      workspace.write('img/b/1.png', buildPng(2, 2));
      await rejectsWith(readImageFolder(workspace.file('img')), workspace.file('img/a/1.png'), {
        line: undefined,
        message: /its PNG header says 60000×60000 pixels; Model Studio reads images of 1 to 8192 pixels a side/,
      });

      const big = buildPng(2, 2);
      big.writeUInt32BE(8192, 16);
      big.writeUInt32BE(8192, 20);
      for (const name of ['a/1.png', 'a/2.png', 'b/1.png', 'b/2.png']) workspace.write(`many/${name}`, big);
      await rejectsWith(readImageFolder(workspace.file('many')), workspace.file('many'), {
        line: undefined,
        message: /holds 805,306,368 values, more than the 536,870,912 \(2 GiB as float32\) Model Studio loads into memory/,
      });
    });

    it('IDX headers announcing no values, or more than 2 GiB of them, are refused before allocating', async () => {
      const zeroWidth = workspace.write('zero-images-idx3-ubyte', buildIdx([10, 0, 28], []));
      await rejectsWith(readIdx(zeroWidth), zeroWidth, {
        line: undefined,
        message: /the IDX header announces sizes 10 × 0 × 28: examples of no values/,
      });
      const noImages = workspace.write('none-images-idx3-ubyte', buildIdx([0, 28, 28], []));
      await rejectsWith(readIdx(noImages), noImages, { line: undefined, message: /announces sizes 0 × 28 × 28: no examples/ });
      const absurd = workspace.write('absurd-images-idx3-ubyte', buildIdx([100_000, 60_000, 60_000], [1, 2, 3]));
      await rejectsWith(readIdx(absurd), absurd, {
        line: undefined,
        message: /announces 100000 × 60000 × 60000 = 360,000,000,000,000 values, more than the 536,870,912/,
      });
      const zipped = workspace.write('absurd.gz', buildIdx([70_000, 100, 100], [1, 2, 3], { gzip: true }));
      await rejectsWith(readIdx(zipped), zipped, { line: undefined, message: /announces 70000 × 100 × 100 = 700,000,000 values/ });
    });

    it('an engine error that still escapes becomes an internal-error report with a log file holding its stack', () => {
      for (const error of [
        new RangeError('Maximum call stack size exceeded'),
        new TypeError("Cannot read properties of undefined (reading 'length')"),
        new Error('XNN status for xnn_create_fully_connected_nc_f32 is not successful'),
      ]) {
        const message = userMessage(error, '/w/m.model.json');
        const match = /^internal error \((RangeError|TypeError|Error)\) in Model Studio; details in (.+\.log): please report it$/.exec(
          message,
        );
        assert.ok(match, message);
        assert.doesNotMatch(message, /call stack|Cannot read|XNN/);
        const log = readFileSync(match[2], 'utf8');
        rmSync(match[2]);
        assert.ok(log.includes(error.stack as string), log);
        const again = errorMessage(error);
        rmSync(/details in (.+\.log)/.exec(again)?.[1] ?? '', { force: true });
        assert.equal(again.replace(/details in .*\.log/, ''), message.replace(/details in .*\.log/, ''));
      }
    });

    it('other errors keep their first line, escaped; DataErrors their message', () => {
      assert.equal(errorMessage(new Error('first line \u001b[2J\nsecond line')), 'first line \\u001b[2J');
      const dataError = new DataError('/w/d.csv:3: column "a\u001b]0;x\u0007" is "1"', '/w/d.csv', 3);
      assert.equal(dataError.message, '/w/d.csv:3: column "a\\u001b]0;x\\u0007" is "1"');
      assert.equal(errorMessage(dataError), dataError.message);
    });
  });

  describe('raw bytes never reach a message', () => {
    it('showText escapes controls, separators and bidi overrides, and cuts long text without splitting a character', () => {
      assert.equal(
        showText('a\u001b[2Jb\u0007c\bd\u0000e\u009bf\u202eg\u2028h\ti\nj'),
        'a\\u001b[2Jb\\u0007c\\u0008d\\u0000e\\u009bf\\u202eg\\u2028h\\ti\\nj',
      );
      assert.equal(showText('x'.repeat(50), 10), `${'x'.repeat(9)}…`);
      assert.equal(showText(`${'x'.repeat(8)}😀😀`, 10), `${'x'.repeat(8)}…`);
      assert.equal(quote('say "hi" \\ \u001b'), '"say \\"hi\\" \\\\ \\u001b"');
      assert.equal(quote('plain'), JSON.stringify('plain'));
    });

    it('binary, gzip, ZIP and PNG files named .csv are named for what they are, their bytes never listed', async () => {
      const cases: [string, Buffer, RegExp][] = [
        [
          'binary.csv',
          Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256)),
          /binary\.csv: holds NUL bytes: it is a binary file, not text$/,
        ],
        ['gzipped.csv', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x07, 0x08, 0x09]), /is gzip-compressed: decompress it first/],
        [
          'sheet.csv',
          Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000'),
          /is a ZIP archive \(an Excel workbook is one\), not text: save the sheet as CSV/,
        ],
        ['image.csv', buildPng(1, 1), /is a PNG image, not text/],
      ];
      for (const [name, bytes, message] of cases) {
        const file = workspace.write(name, bytes);
        await rejectsWith(readCsvTable(file, 'label', 'string'), file, { line: undefined, message: message });
        await rejectsWith(readFeatureRows(file, FEATURES), file, { line: undefined, message: message });
      }
    });

    it('escape sequences in a header cell, a label, a JSON key or a class folder name are refused and shown escaped', async () => {
      const header = workspace.write('esc.csv', 'a,\u001b]0;PWNED\u0007\u001b[2Jb,label\n1,2,x\n');
      await rejectsWith(readCsvTable(header, 'label', 'string'), header, {
        line: 1,
        message:
          /:1: column 2 of the header is "\\u001b\]0;PWNED\\u0007\\u001b\[2Jb", which holds a control character: column names must be plain text/,
      });
      const label = workspace.write('label.csv', 'a,label\n1,x\n2,\u001b[31mred\n');
      await rejectsWith(readCsvTable(label, 'label', 'string'), label, {
        line: 3,
        message: /:3: label column "label" is "\\u001b\[31mred", which holds a control character: class names must be plain text/,
      });
      const key = workspace.write('key.json', '[{"a\\u0007": 1, "label": "x"}]');
      await rejectsWith(readJsonTable(key, 'json', 'label', 'string'), key, {
        line: 1,
        message: /column 1 of the header is "a\\u0007", which holds a control character/,
      });
      const jsonLabel = workspace.write('label.json', '[{"a": 1, "label": "x\\u202egnp.exe"}]');
      await rejectsWith(readJsonTable(jsonLabel, 'json', 'label', 'string'), jsonLabel, {
        line: 1,
        message: /label "label" is "x\\u202egnp\.exe", which holds a control character/,
      });
      workspace.write('img/ok/1.png', buildPng(1, 1));
      workspace.write('img/\u001b[2J/1.png', buildPng(1, 1));
      await rejectsWith(readImageFolder(workspace.file('img')), workspace.file('img/\u001b[2J'), {
        line: undefined,
        message: /the class folder is "\\u001b\[2J", which holds a control character/,
      });
    });

    it('a tab-separated file gets a hint instead of its header in one piece', async () => {
      const file = workspace.write('tabs.csv', 'a\tb\tlabel\n1\t2\tx\n');
      await rejectsWith(readCsvTable(file, 'label', 'string'), file, {
        line: 1,
        message:
          /no label column "label" \(columns: a\\tb\\tlabel\); is the file tab-separated\? Model Studio reads comma-separated values/,
      });
    });
  });

  describe('special files are named, and never read', () => {
    it('a FIFO is "a named pipe (FIFO)", refused without blocking on it', async function () {
      const fifo = workspace.file('pipe.csv');
      try {
        execFileSync('mkfifo', [fifo]);
      } catch {
        this.skip();
      }
      await rejectsWith(readCsvTable(fifo, 'label', 'string'), fifo, {
        line: undefined,
        message: /pipe\.csv: is a named pipe \(FIFO\), expected a file$/,
      });
      await rejectsWith(readFeatureRows(fifo, FEATURES), fifo, { line: undefined, message: /is a named pipe \(FIFO\), expected a file/ });
      await rejectsWith(readJsonHeader(fifo, 'json'), fifo, { line: undefined, message: /is a named pipe \(FIFO\)/ });
    });

    it('links to /dev/zero and /dev/urandom are "a character device"', async function () {
      if (!existsSync('/dev/zero') || !existsSync('/dev/urandom')) this.skip();
      const zero = workspace.file('zero.csv');
      symlinkSync('/dev/zero', zero);
      const random = workspace.file('random-images-idx3-ubyte');
      symlinkSync('/dev/urandom', random);
      await rejectsWith(readFeatureRows(zero, FEATURES), zero, {
        line: undefined,
        message: /zero\.csv: is a character device, expected a file$/,
      });
      await rejectsWith(readCsvTable(zero, 'label', 'string'), zero, {
        line: undefined,
        message: /is a character device, expected a file/,
      });
      await rejectsWith(readIdx(random), random, { line: undefined, message: /is a character device, expected a file/ });
    });
  });

  describe('nothing silently wrong', () => {
    it("a value finite in float64 but not in float32 is an error naming line and column; float32's largest is read", async () => {
      const csv = workspace.write('big.csv', 'a,b,label\n1,3.4e38,x\n2,3.5e38,y\n');
      await rejectsWith(readCsvTable(csv, 'label', 'string'), csv, {
        line: 3,
        message: /:3: column "b" is 3\.5e38, beyond float32's range \(±3\.4e38\), the precision training computes in: rescale the values$/,
      });
      const target = workspace.write('target.csv', 'a,y\n1,-1e39\n');
      await rejectsWith(readCsvTable(target, 'y', 'number'), target, {
        line: 2,
        message: /:2: column "y" is -1e39, beyond float32's range/,
      });
      const json = workspace.write('big.jsonl', '{"a": 1, "label": "x"}\n{"a": 1e400, "label": "y"}\n');
      await rejectsWith(readJsonTable(json, 'jsonl', 'label', 'string'), json, {
        line: 2,
        message: /:2: "a" is Infinity, beyond float32's range/,
      });
      const fine = await readCsvTable(workspace.write('fine.csv', 'a,label\n3.4e38,x\n-3.4028234e38,y\n'), 'label', 'string');
      assert.deepEqual(Array.from(fine.x), [Math.fround(3.4e38), Math.fround(-3.4028234e38)]);
      assert.ok(Array.from(fine.x).every(Number.isFinite));
    });

    it('numbers are decimal: 0x1F, 0b11, 0o17 and Infinity are refused, .5, 5., +2 and -1e-3 read', async () => {
      for (const cell of ['0x1F', '0b11', '0o17', '-0X1f', 'Infinity', '1_000', '1e', '--1']) {
        const file = workspace.write('n.csv', `a,label\n${cell},x\n`);
        const hint = /^-?0[xbo]/i.test(cell) ? ' \\(write numbers in decimal\\)' : '';
        await rejectsWith(readCsvTable(file, 'label', 'string'), file, {
          line: 2,
          field: 'a',
          message: new RegExp(`:2: column "a" is ".*", expected a number${hint}$`),
        });
      }
      const table = await readCsvTable(workspace.write('ok.csv', 'a,label\n.5,x\n5.,x\n+2,y\n-1e-3,y\n 7 ,x\n'), 'label', 'string');
      assert.deepEqual(Array.from(table.x), [0.5, 5, 2, Math.fround(-1e-3), 7]);
    });

    it('bytes that are not UTF-8 name their line and byte, however the file is cut into pieces; labels never merge', async () => {
      const file = workspace.write(
        'latin1.csv',
        Buffer.concat([
          Buffer.from('a,label\n1,tea\n2,caf'),
          Buffer.from([0xe9]),
          Buffer.from('\n3,caf'),
          Buffer.from([0xe8]),
          Buffer.from('\n'),
        ]),
      );
      for (const chunkSize of [1, 2, 3, 7, 64 * 1024]) {
        await rejectsWith(readCsvTable(file, 'label', 'string', { chunkSize }), file, {
          line: 3,
          message: /:3: holds the byte 0xE9, which is not UTF-8 \(in Windows-1252 or Latin-1 it would be "é"\): save the file as UTF-8$/,
        });
      }
      await rejectsWith(readFeatureRows(file, { featureNames: ['a'] }), file, { line: 3, message: /:3: holds the byte 0xE9/ });
      const cut = workspace.write('cut.csv', Buffer.concat([Buffer.from('a,label\n1,caf'), Buffer.from([0xc3])]));
      await rejectsWith(readCsvTable(cut, 'label', 'string'), cut, { line: 2, message: /:2: ends in the middle of a UTF-8 character/ });
    });

    it('UTF-8 cut anywhere between pieces reads exactly as whole', async () => {
      const text = 'a,label\n1,café\n2,日本語\n3,😀\n4,naïve\n';
      const file = workspace.write('utf8.csv', text);
      for (const chunkSize of [1, 2, 3, 4, 5]) {
        const table = await readCsvTable(file, 'label', 'string', { chunkSize });
        assert.deepEqual(table.labels, ['café', '日本語', '😀', 'naïve'], `chunkSize ${chunkSize}`);
      }
    });

    it('UTF-16 is read when its byte-order mark says so; without one, and UTF-32, it is named', async () => {
      const text = 'a,label\n1,café\n2,thé\n';
      const little = workspace.write('le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      const big = workspace.write('be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
      for (const file of [little, big]) {
        for (const chunkSize of [3, 64 * 1024]) {
          const table = await readCsvTable(file, 'label', 'string', { chunkSize });
          assert.deepEqual(
            [Array.from(table.x), table.labels],
            [
              [1, 2],
              ['café', 'thé'],
            ],
          );
        }
      }
      const bare = workspace.write('bare.csv', Buffer.from(text, 'utf16le'));
      await rejectsWith(readCsvTable(bare, 'label', 'string'), bare, {
        line: undefined,
        message: /looks like UTF-16 text without a byte-order mark: save it as UTF-8/,
      });
      const wide = workspace.write('wide.csv', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('a\0\0\0')]));
      await rejectsWith(readCsvTable(wide, 'label', 'string'), wide, { line: undefined, message: /is UTF-32 text: save it as UTF-8/ });
    });

    it('a PNG without image data is refused, not decoded from memory pngjs never filled (random pixels, or random errors)', async () => {
      const renamed = buildPng(4, 4);
      renamed.write('iDAT', 37, 'latin1'); // an ancillary chunk now, which decoders skip
      workspace.write('img/a/1.png', buildPng(4, 4));
      const file = workspace.write('img/b/1.png', renamed);
      for (let attempt = 0; attempt < 5; attempt++) {
        Buffer.allocUnsafe(4096).fill(attempt * 51);
        await rejectsWith(readImageFolder(workspace.file('img')), file, {
          line: undefined,
          message: /1\.png: cannot decode PNG: it holds no image data \(no IDAT chunk\)$/,
        });
      }
    });

    it('an IDX file longer than its header announces is refused, not cut silently', async () => {
      const file = workspace.write('long-images-idx3-ubyte', Buffer.concat([buildIdxImages(2, 2, 2), Buffer.from([9, 9, 9])]));
      await rejectsWith(readIdx(file), file, {
        line: undefined,
        message: /holds 3 bytes more than the 2 × 2 × 2 = 8 values its header announces: is the header right\?/,
      });
    });
  });

  describe('absurd sizes are refused before reading', () => {
    it('an 8 GiB sparse CSV: refused from its size, not one byte read', async () => {
      const file = workspace.write('sparse.csv', 'a,label\n1,x\n');
      truncateSync(file, 8 * 1024 * MiB);
      const progress: number[] = [];
      await rejectsWith(readCsvTable(file, 'label', 'string', { onProgress: (read) => progress.push(read) }), file, {
        line: undefined,
        message: /sparse\.csv: is 8 GiB, more than the 4 GiB Model Studio reads from a CSV file/,
      });
      assert.deepEqual(progress, []);
    });

    it('JSON, predict input, IDX and PNG files over their limits', async () => {
      const json = workspace.write('big.json', '[');
      truncateSync(json, 300 * MiB);
      await rejectsWith(readJsonTable(json, 'json', 'label', 'string'), json, {
        line: undefined,
        message: /is 300 MiB, more than the 256 MiB Model Studio reads from a JSON data file/,
      });
      const input = workspace.write('input.csv', 'a,b\n');
      truncateSync(input, 300 * MiB);
      await rejectsWith(readFeatureRows(input, FEATURES), input, {
        line: undefined,
        message: /is 300 MiB, more than the 256 MiB Model Studio reads from a CSV file to predict on/,
      });
      const idx = workspace.write('big-images-idx3-ubyte', buildIdxImages(1, 1, 1));
      truncateSync(idx, 600 * MiB);
      await rejectsWith(readIdx(idx), idx, {
        line: undefined,
        message: /is 600 MiB, more than the 512 MiB Model Studio reads from an IDX file/,
      });
      const png = workspace.write('img/a/1.png', buildPng(1, 1));
      workspace.write('img/b/1.png', buildPng(1, 1));
      truncateSync(png, 300 * MiB);
      await rejectsWith(readImageFolder(workspace.file('img')), png, {
        line: undefined,
        message: /is 300 MiB, more than the 256 MiB Model Studio reads from a PNG image/,
      });
    });
  });
});
