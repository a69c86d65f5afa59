import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readJsonHeader } from '../../src/data/json';
import { validateModelFile, type ValidationResult } from '../../src/modelFile/validateModelFile';
import { testBundles } from '../fixtures/bundles';
import { writeHandMadeRun } from '../fixtures/handMadeRun';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { assertReadable, rejectsWith } from '../fixtures/messages';
import { IRIS_CSV, irisModel, toJson, withValue } from '../fixtures/modelFile';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * Hostile or broken data (issue #19) as `validate`, `train`, `evaluate` and
 * `predict` meet it: validation reads small sources in full, so it finds
 * what training would refuse, and says when it read a big one only in part;
 * the CLI exits 1 with one readable line and writes nothing.
 */

const MiB = 1024 * 1024;

describe('hostile data through validation and the CLI (issue #19)', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV })));
  afterEach(() => workspace.remove());

  /** Validates the iris model with `data.train` replaced (and other changes). */
  async function validate(train: unknown, changes: [(string | number)[], unknown][] = []): Promise<ValidationResult> {
    let model = withValue(irisModel(), ['data', 'train'], train);
    for (const [at, value] of changes) model = withValue(model, at, value);
    return validateModelFile(workspace.file('m.model.json'), toJson(model), { workspaceRoot: workspace.root });
  }

  /** The error diagnostics as [path, message], each message checked readable. */
  function errors(result: ValidationResult): [string, string][] {
    return result.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => {
        assertReadable(d.message);
        return [d.path.join('.'), d.message];
      });
  }

  describe('validate reads small data in full, as train does', () => {
    it('a bad cell deep in the file', async () => {
      workspace.write('data/bad.csv', `${IRIS_CSV}5.0,oops,1.0,0.2,setosa\n`);
      assert.deepEqual(errors(await validate({ path: 'data/bad.csv', label: 'species' })), [
        ['data.train.path', `${path.join(workspace.root, 'data/bad.csv')}:8: column "sepal_width" is "oops", expected a number`],
      ]);
    });

    it('a truncated IDX file, a truncated gzip stream', async () => {
      workspace.write('data/l.idx', buildIdxLabels([0, 1, 2, 0, 1, 2]));
      workspace.write('data/short.idx', buildIdxImages(6, 2, 2).subarray(0, 30));
      const images = buildIdxImages(6, 2, 2, { gzip: true });
      workspace.write('data/cut.gz', images.subarray(0, images.length - 12));
      const idx = (images: string): unknown => ({ images, labels: 'data/l.idx' });
      const short = errors(await validate(idx('data/short.idx')));
      assert.deepEqual(
        short.map(([at]) => at),
        ['data.train.images'],
      );
      assert.match(short[0][1], /short\.idx: the file is cut short: the header announces 6 × 2 × 2 = 24 values, the file holds 14$/);
      const cut = errors(await validate(idx('data/cut.gz')));
      assert.deepEqual(
        cut.map(([at]) => at),
        ['data.train.images'],
      );
      assert.match(cut[0][1], /cut\.gz: cannot decompress: the gzip data is cut short$/);
    });

    it('a broken PNG among good ones', async () => {
      workspace.write('data/img/a/1.png', buildPng(2, 2));
      const broken = buildPng(2, 2);
      broken.fill(0x55, 41, broken.length - 12); // the image data and its checksum, after the IDAT chunk's name
      workspace.write('data/img/b/1.png', broken);
      const found = errors(
        await validate({ path: 'data/img', format: 'images' }, [
          [['data', 'testSplit'], undefined],
          [['data', 'validationSplit'], undefined],
          [['model', 'layers', 1, 'units'], 2],
        ]),
      );
      assert.deepEqual(
        found.map(([at]) => at),
        ['data.train.path'],
      );
      assert.match(found[0][1], /img\/b\/1\.png: cannot decode PNG: the file is damaged or cut short/);
    });

    it('splits that leave no row to train on, although their fractions add up to less than 1', async () => {
      workspace.write('data/two.csv', 'a,species\n1,x\n2,y\n');
      assert.deepEqual(errors(await validate({ path: 'data/two.csv', label: 'species' }, [[['model', 'layers', 1, 'units'], 2]])), [
        ['data.validationSplit', 'data.validationSplit and data.testSplit hold out 2 of 2 examples, leaving none to train on'],
      ]);
    });

    it('a header without rows says so, not "a single class"', async () => {
      workspace.write('data/header.csv', 'a,species\n');
      assert.deepEqual(errors(await validate({ path: 'data/header.csv', label: 'species' })), [
        [
          'data.train.path',
          `${path.join(workspace.root, 'data/header.csv')}:1: the file has a header but no rows of data: add rows below it`,
        ],
      ]);
    });

    it('a JSON object where an array of records belongs says so, also where only its first record is read', async () => {
      workspace.write('data/object.json', '{"a": 1, "species": "x"}');
      const expected = [
        [
          'data.train.path',
          `${path.join(workspace.root, 'data/object.json')}:1: expected a JSON array of records, e.g. [{"x": 1, "label": "a"}] (use format "jsonl" for one record a line)`,
        ],
      ];
      assert.deepEqual(errors(await validate({ path: 'data/object.json', label: 'species' })), expected);
      // What validation reads of a file over 32 MiB: the first record.
      await rejectsWith(readJsonHeader(workspace.file('data/object.json'), 'json'), workspace.file('data/object.json'), {
        line: 1,
        message: /: expected a JSON array of records/,
      });
    });

    it('labels in Latin-1 are refused on their line, never merged into one "caf�" class', async () => {
      workspace.write(
        'data/latin1.csv',
        Buffer.concat([
          Buffer.from('a,species\n1,tea\n2,caf'),
          Buffer.from([0xe9]),
          Buffer.from('\n3,caf'),
          Buffer.from([0xe8]),
          Buffer.from('\n'),
        ]),
      );
      const found = errors(await validate({ path: 'data/latin1.csv', label: 'species' }));
      assert.deepEqual(
        found.map(([at]) => at),
        ['data.train.path'],
      );
      assert.match(found[0][1], /latin1\.csv:3: holds the byte 0xE9, which is not UTF-8/);
      assert.doesNotMatch(found[0][1], /\uFFFD/);
    });

    it('a FIFO is a named pipe, not "a folder"', async function () {
      try {
        execFileSync('mkfifo', [workspace.file('data/pipe.csv')]);
      } catch {
        this.skip();
      }
      assert.deepEqual(errors(await validate({ path: 'data/pipe.csv', label: 'species' })), [
        ['data.train.path', '"data/pipe.csv" is a named pipe (FIFO), expected a file'],
      ]);
    });

    it('a source over 32 MiB: no problems, and which part was checked', async () => {
      const rows = '5.1,3.5,1.4,0.2,setosa\n6.3,3.3,6.0,2.5,virginica\n7.0,3.2,4.7,1.4,versicolor\n';
      workspace.write(
        'data/big.csv',
        Buffer.concat([Buffer.from(`${IRIS_CSV.split('\n')[0]}\n`), Buffer.alloc(33 * MiB - ((33 * MiB) % rows.length), rows)]),
      );
      const result = await validate({ path: 'data/big.csv', label: 'species' });
      assert.deepEqual(result.diagnostics, []);
      assert.deepEqual(result.partlyChecked, [
        `data.train: ${path.join(workspace.root, 'data/big.csv')} holds 33 MiB, more than the 32 MiB validation reads in full: only the header checked; train reads every example`,
      ]);
      assert.deepEqual((await validate({ path: 'data/iris.csv', label: 'species' })).partlyChecked, []);
    });
  });

  describe('the CLI: exit 1, one readable line, nothing written', () => {
    // writeHandMadeRun builds its model in this process: on cpu, whatever ran before.
    before(() => tf.setBackend('cpu'));

    function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
      const result = spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: workspace.root, encoding: 'utf8', timeout: 60_000 });
      assert.doesNotMatch(result.stdout + result.stderr, CONTROL_CHARACTER_EXCEPT_NEWLINE, JSON.stringify(result.stdout + result.stderr));
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }
    // eslint-disable-next-line no-control-regex -- control characters are what the output must not hold
    const CONTROL_CHARACTER_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

    function writeModel(train: unknown): void {
      workspace.write('m.model.json', toJson(withValue(irisModel(), ['data', 'train'], train)));
    }

    const hostile: [string, string | Buffer, RegExp][] = [
      [
        'escapes.csv',
        'a,\u001b]0;PWNED\u0007\u001b[2Jb,species\n1,2,x\n',
        /escapes\.csv:1: column 2 of the header is "\\u001b\]0;PWNED\\u0007\\u001b\[2Jb", which holds a control character/,
      ],
      ['gzipped.csv', gzipSync(IRIS_CSV), /gzipped\.csv: is gzip-compressed: decompress it first/],
      ['huge.csv', `${IRIS_CSV}3.5e38,1,1,1,setosa\n`, /huge\.csv:8: column "sepal_length" is 3\.5e38, beyond float32's range/],
      [
        'hex.csv',
        `${IRIS_CSV}0x1F,1,1,1,setosa\n`,
        /hex\.csv:8: column "sepal_length" is "0x1F", expected a number \(write numbers in decimal\)/,
      ],
      ['deep.json', `[${'['.repeat(10_000)}]`, /deep\.json:1: nests arrays or objects more than 32 deep/],
    ];
    for (const [name, contents, message] of hostile) {
      it(`${name}: validate and train exit 1 naming the file; no run folder`, () => {
        workspace.write(`data/${name}`, contents);
        writeModel({ path: `data/${name}`, label: 'species' });
        const validate = cli('validate', 'm.model.json');
        assert.equal(validate.status, 1, validate.stdout + validate.stderr);
        assert.equal(validate.stdout.trim().split('\n').length, 1, validate.stdout);
        assert.match(validate.stdout, message);
        const train = cli('train', 'm.model.json', '--backend', 'cpu');
        assert.equal(train.status, 1, train.stderr);
        assert.match(train.stderr, /^error: /);
        assert.equal(train.stderr.trim().split('\n').length, 1, train.stderr);
        assert.match(train.stderr, message);
        assertReadable(train.stderr.trim());
        assert.ok(!existsSync(workspace.file('.modelstudio')), String(readdirSync(workspace.root)));
      });
    }

    it('predict and evaluate on a link to /dev/zero and on a FIFO: refused at once', async function () {
      try {
        execFileSync('mkfifo', [workspace.file('data/pipe.csv')]);
      } catch {
        this.skip();
      }
      const runDir = await writeHandMadeRun(workspace, 'iris', {
        task: 'classification',
        loss: 'sparseCategoricalCrossentropy',
        train: { path: 'data/iris.csv', label: 'species' },
        kernel: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [1, 1, 1],
        ],
        activation: 'softmax',
        classes: ['setosa', 'versicolor', 'virginica'],
        featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      });
      symlinkSync('/dev/zero', workspace.file('data/zero.csv'));
      for (const [args, message] of [
        [['predict', runDir, '--input', 'data/zero.csv'], /^error: data\/zero\.csv: is a character device, expected a file\n$/],
        [['predict', runDir, '--input', 'data/pipe.csv'], /^error: data\/pipe\.csv: is a named pipe \(FIFO\), expected a file\n$/],
        [['evaluate', runDir, '--data', 'data/pipe.csv'], /^error: .*"[^"]*data\/pipe\.csv" is a named pipe \(FIFO\), expected a file\n$/],
      ] as const) {
        const result = cli(...args);
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, message);
      }
    });

    it('evaluate prints file and class names from the data escaped, its tables unbroken', async () => {
      workspace.write('img/a\tb/\u001b[2J.png', buildPng(1, 1, { gray: true, value: () => 0 }));
      workspace.write('img/c/1.png', buildPng(1, 1, { gray: true, value: () => 255 }));
      const images = { path: 'img', format: 'images' } as const;
      const runDir = await writeHandMadeRun(workspace, 'images', {
        task: 'classification',
        loss: 'sparseCategoricalCrossentropy',
        train: images,
        test: images,
        kernel: [[-1, 1]],
        bias: [128, -128],
        activation: 'softmax',
        classes: ['a\tb', 'c'],
        featureShape: [1, 1, 1],
      });
      const result = cli('evaluate', runDir, '--backend', 'cpu');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^a\\tb +1\.0000 +1\.0000 +1\.0000 +1$/m);
      assert.match(result.stdout, /\\u001b\[2J\.png#0/);
    });

    it('validate says what it read only in part, also as JSON', () => {
      workspace.write('data/big.csv', Buffer.concat([Buffer.from('a,species\n'), Buffer.alloc(33 * MiB, '1,x\n2,y\n')]));
      workspace.write(
        'm.model.json',
        toJson(
          withValue(
            withValue(irisModel(), ['data', 'train'], { path: 'data/big.csv', label: 'species' }),
            ['model', 'layers', 1, 'units'],
            2,
          ),
        ),
      );
      const text = cli('validate', 'm.model.json');
      assert.equal(text.status, 0, text.stdout);
      assert.equal(
        text.stdout,
        'm.model.json: no problems found (data.train: data/big.csv holds 33 MiB, more than the 32 MiB validation reads in full: only the header checked; train reads every example)\n',
      );
      const json = JSON.parse(cli('validate', 'm.model.json', '--json').stdout.trim()) as Record<string, unknown>;
      assert.deepEqual(json, {
        type: 'result',
        valid: true,
        errors: 0,
        warnings: 0,
        partlyChecked: [
          'data.train: data/big.csv holds 33 MiB, more than the 32 MiB validation reads in full: only the header checked; train reads every example',
        ],
      });
    });
  });
});
