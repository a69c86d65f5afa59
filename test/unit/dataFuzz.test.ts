import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import { DataError, displayPath } from '../../src/data/dataError';
import { readFeatureRows } from '../../src/data/featureRows';
import { prepareData } from '../../src/data/prepareData';
import type { PreparedData } from '../../src/data/preparedData';
import type { RunInfo } from '../../src/protocol/runTypes';
import type { DataSource, ModelSpec } from '../../src/modelFile/modelSpec';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { loadEvaluationExamples } from '../../src/trainer/evaluationData';
import type { RunArtifacts } from '../../src/trainer/runArtifacts';
import { userMessage } from '../../src/trainer/userMessage';
import { testBundles } from '../fixtures/bundles';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { assertReadable, ENGINE_TEXT } from '../fixtures/messages';
import { IRIS_CSV, irisModel } from '../fixtures/modelFile';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * Fuzzing the data readers (issue #19): valid CSV, JSON, JSON Lines, IDX
 * (raw and gzipped), PNG folders and a gzipped CSV, mutated at random —
 * random bytes, truncations, overwritten bytes, hostile snippets (escape
 * sequences, NUL, bytes that are not UTF-8, deep brackets, numbers beyond
 * float32, 0x1F), absurd sizes in IDX and PNG headers — then read the
 * ways `validate`, `train`, `evaluate` and `predict` read them. Each read
 * ends in data or in a DataError naming the file: no engine text, no
 * control characters, no internal-error report, nothing allocated beyond
 * a bound, and validation that passes means training's loading passes
 * (small files are read in full by both). A sample of cases goes through
 * the CLI itself: exit 0 or 1, readable output, nothing written but a run
 * folder whose status says how it ended. Time is bounded by construction
 * (files of a few KB, a fixed number of cases); the case count is in the
 * test titles.
 */

const SEED = 19;
const CASES_PER_FORMAT = 250;
const CLI_CASES = 6;
/** External memory a read may leave allocated: far above what files of a few KB need, far below what a trusted absurd header would take. */
const MEMORY_BOUND = 256 * 1024 * 1024;
const INTERNAL_ERRORS = path.join(tmpdir(), 'model-studio', 'internal-errors');
/** What a class name may not hold (a quoted CSV field may hold tabs and line breaks). */
// eslint-disable-next-line no-control-regex -- control characters are what names must not hold
const CONTROL_IN_NAMES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

type Kind = 'csv' | 'json' | 'jsonl' | 'idx' | 'idx.gz' | 'png' | 'gzip';

const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const irisRecords = IRIS_CSV.trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const cells = line.split(',');
    return Object.fromEntries([...IRIS_FEATURES.map((name, i) => [name, Number(cells[i])]), ['species', cells[4]]]) as Record<
      string,
      unknown
    >;
  });

/** The valid file each mutation starts from, and the data source a model file names it by. */
interface Start {
  readonly kind: Kind;
  /** Path in the workspace of the file that is mutated. */
  readonly file: string;
  readonly bytes: Buffer;
  /** Other files the source needs, unmutated. */
  readonly others: Readonly<Record<string, Buffer>>;
  readonly source: DataSource;
}

const STARTS: readonly Start[] = [
  { kind: 'csv', file: 'd.csv', bytes: Buffer.from(IRIS_CSV), others: {}, source: { path: 'd.csv', label: 'species' } },
  {
    kind: 'json',
    file: 'd.json',
    bytes: Buffer.from(`[\n${irisRecords.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`),
    others: {},
    source: { path: 'd.json', label: 'species' },
  },
  {
    kind: 'jsonl',
    file: 'd.jsonl',
    bytes: Buffer.from(`${irisRecords.map((r) => JSON.stringify(r)).join('\n')}\n`),
    others: {},
    source: { path: 'd.jsonl', label: 'species' },
  },
  {
    kind: 'idx',
    file: 'd-images-idx3-ubyte',
    bytes: buildIdxImages(6, 2, 2),
    others: { 'd-labels-idx1-ubyte': buildIdxLabels([0, 1, 2, 0, 1, 2]) },
    source: { images: 'd-images-idx3-ubyte', labels: 'd-labels-idx1-ubyte' },
  },
  {
    kind: 'idx.gz',
    file: 'd-labels-idx1-ubyte.gz',
    bytes: buildIdxLabels([0, 1, 2, 0, 1, 2], { gzip: true }),
    others: { 'd-images-idx3-ubyte.gz': buildIdxImages(6, 2, 2, { gzip: true }) },
    source: { images: 'd-images-idx3-ubyte.gz', labels: 'd-labels-idx1-ubyte.gz' },
  },
  {
    kind: 'png',
    file: 'img/b/1.png',
    bytes: buildPng(2, 2),
    others: { 'img/a/1.png': buildPng(2, 2), 'img/c/1.png': buildPng(2, 2) },
    source: { path: 'img', format: 'images' },
  },
  { kind: 'gzip', file: 'z.csv', bytes: gzipSync(IRIS_CSV), others: {}, source: { path: 'z.csv', label: 'species' } },
];

type Mutation = (bytes: Buffer, kind: Kind) => Buffer;

const HOSTILE = [
  '\u001b]0;PWNED\u0007',
  '\u001b[2J',
  '\u0000',
  '\u0008',
  '\u009b',
  '\u202e',
  '\uFEFF',
  '\r',
  '\n\n',
  '"',
  ',',
  ',,,',
  '[',
  '{',
  '['.repeat(40),
  '{"a":'.repeat(40),
  '"constructor": 1',
  'constructor',
  '__proto__',
  'é',
  '😀',
].map((text) => Buffer.from(text));
const RAW_BYTES = [
  Buffer.from([0xff]),
  Buffer.from([0xe9]),
  Buffer.from([0xc3]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0x1f, 0x8b]),
];
const SIZES = [0, 1, 2, 255, 65_536, 2 ** 24, 2 ** 31, 2 ** 32 - 1];

const at = (bytes: Buffer, n: number): number => (bytes.length === 0 ? 0 : n % (bytes.length + 1));

/** Whole values a word of the file may become: beyond float32, not decimal, not a number, empty. */
const VALUES = ['3.5e38', '-1e39', '1e400', '1e-50', '0x1F', '0b11', 'NaN', 'Infinity', '', '.5', '+1', '1_0'].map((text) =>
  Buffer.from(text),
);

/** Mutations weighted towards those that leave most of a file intact, so that readers get past the first line. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Random bytes instead of the file.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((random) => () => Buffer.from(random)) },
  // Cut short.
  { weight: 2, arbitrary: fc.nat().map((n) => (bytes: Buffer) => bytes.subarray(0, at(bytes, n))) },
  // Bytes overwritten.
  {
    weight: 2,
    arbitrary: fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        for (const [where, value] of edits) if (copy.length > 0) copy[where % copy.length] = value;
        return copy;
      }),
  },
  // A hostile snippet inserted.
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...HOSTILE, ...RAW_BYTES)).map(
      ([n, snippet]) =>
        (bytes: Buffer) =>
          Buffer.concat([bytes.subarray(0, at(bytes, n)), snippet, bytes.subarray(at(bytes, n))]),
    ),
  },
  // A word or number (a cell, a key, a label) replaced: where a snippet makes a whole value.
  {
    weight: 6,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...VALUES, ...HOSTILE, ...RAW_BYTES)).map(([n, snippet]) => (bytes: Buffer) => {
      const words = [...bytes.toString('latin1').matchAll(/[\w.+-]+/g)];
      if (words.length === 0) return bytes;
      const word = words[n % words.length];
      const start = word.index ?? 0;
      return Buffer.concat([bytes.subarray(0, start), snippet, bytes.subarray(start + word[0].length)]);
    }),
  },
  // A size in an IDX or PNG header (uncompressed files only) set to something absurd.
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...SIZES)).map(([n, size]) => (bytes: Buffer, kind: Kind) => {
      const offsets = kind === 'idx' ? [4, 8, 12] : kind === 'png' ? [16, 20] : [];
      const offset = offsets[n % Math.max(1, offsets.length)];
      if (offset === undefined || bytes.length < offset + 4) return bytes;
      const copy = Buffer.from(bytes);
      copy.writeUInt32BE(size, offset);
      return copy;
    }),
  },
);

interface Case {
  readonly start: Start;
  readonly bytes: Buffer;
}

const fuzzCase = (kind: Kind): fc.Arbitrary<Case> =>
  fc
    .tuple(fc.constant(STARTS.find((s) => s.kind === kind) as Start), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([start, edits]) => ({
      start,
      bytes: edits.reduce((bytes, edit) => edit(bytes, start.kind), start.bytes),
    }));

/** The model file for a case: iris's model (3 classes) on the case's data source, images flattened for its dense layers, one epoch. */
function modelFor(start: Start): ModelSpec {
  const model = irisModel() as unknown as ModelSpec;
  const shape = start.kind === 'png' ? [12] : start.kind.startsWith('idx') ? [4] : undefined;
  const features = shape === undefined ? model.data.features : { ...model.data.features, shape };
  return { ...model, data: { ...model.data, train: start.source, features }, training: { ...model.training, epochs: 1, batchSize: 4 } };
}

/**
 * Writes a case into a folder of the workspace of its own (so that no
 * cache keyed by path and modification time sees an older case); returns
 * the folder and the model file, absolute.
 */
function writeCase(workspace: TempWorkspace, name: string, { start, bytes }: Case): { folder: string; modelFile: string } {
  for (const [file, contents] of Object.entries(start.others)) workspace.write(path.join(name, file), contents);
  workspace.write(path.join(name, start.file), bytes);
  return {
    folder: workspace.file(name),
    modelFile: workspace.write(path.join(name, 'm.model.json'), JSON.stringify(modelFor(start), null, 2)),
  };
}

/** An error from reading a case: a readable DataError about a file of the case, or the model file. */
function assertNamedError(error: unknown, folder: string, modelFile: string): DataError {
  assert.ok(error instanceof DataError, `not a DataError: ${error instanceof Error ? error.stack : String(error)}`);
  assertReadable(error.message);
  assert.ok(error.file.startsWith(folder), `${error.file} is not a file of the case`);
  assert.ok(error.message.startsWith(`${displayPath(error.file)}:`), error.message);
  assert.equal(userMessage(error, modelFile), error.message);
  return error;
}

/** Runs `read`; a rejection must be a named error; external memory must stay bounded. */
async function readsOrNames<T>(read: () => Promise<T>, folder: string, modelFile: string): Promise<T | DataError> {
  const before = process.memoryUsage().arrayBuffers;
  try {
    return await read();
  } catch (error) {
    return assertNamedError(error, folder, modelFile);
  } finally {
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < MEMORY_BOUND, `${Math.round(grown / 2 ** 20)} MiB of buffers allocated`);
  }
}

/** What evaluation reads a file as, for a run trained on the case's starting data. */
function artifactsFor(start: Start, modelFile: string): RunArtifacts {
  const spec = modelFor(start);
  const table = !start.kind.startsWith('idx') && start.kind !== 'png';
  return {
    runDir: path.dirname(modelFile),
    run: { id: 'fuzz', modelFile } as RunInfo,
    spec,
    modelDir: path.dirname(modelFile),
    normalization: {
      featureShape: table ? [4] : start.kind === 'png' ? [2, 2, 3] : [2, 2],
      features: { method: 'none', offset: [0], divisor: [1] },
      target: { method: 'none', offset: [0], divisor: [1] },
      classes: table ? ['setosa', 'versicolor', 'virginica'] : start.kind === 'png' ? ['a', 'b', 'c'] : ['0', '1', '2'],
      ...(table ? { featureNames: IRIS_FEATURES } : {}),
    },
  };
}

/** Loaded data is what training can use as it is: finite numbers (also in float32, which they are), class names as written. */
function assertSound(data: PreparedData): void {
  for (const split of [data.train, data.validation, data.test]) {
    if (split !== undefined) assert.ok([...split.x, ...split.y].every(Number.isFinite), 'a value that is not finite was loaded');
  }
  assert.ok([...data.features.offset, ...data.features.divisor].every(Number.isFinite), 'normalisation statistics that are not finite');
  for (const name of data.classes ?? []) {
    assert.doesNotMatch(name, /\uFFFD/, `class ${JSON.stringify(name)} holds a replacement character: bytes that were not UTF-8`);
    assert.doesNotMatch(name, CONTROL_IN_NAMES, `class ${JSON.stringify(name)} holds a control character`);
  }
}

function internalErrorReports(): string[] {
  return existsSync(INTERNAL_ERRORS) ? readdirSync(INTERNAL_ERRORS) : [];
}

describe('fuzz: mutated data files end in data or a named error (issue #19)', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  let reportsBefore: string[];
  let cases = 0;
  before(() => {
    workspace = tempWorkspace();
    reportsBefore = internalErrorReports();
  });
  after(() => {
    workspace.remove();
    // The suite's size, for the record: in the test output, not asserted.
    console.log(`      data fuzz: ${cases} cases read in-process, ${CLI_CASES} through the CLI`);
  });
  afterEach(() => assert.deepEqual(internalErrorReports(), reportsBefore, 'an engine error was reported as an internal error'));

  for (const { kind } of STARTS) {
    it(`${kind}: validate, train's loading, evaluate's and predict's reading (${CASES_PER_FORMAT} cases)`, async () => {
      await fc.assert(
        fc.asyncProperty(fuzzCase(kind), async (fuzz) => {
          const { folder, modelFile } = writeCase(workspace, `case-${++cases}`, fuzz);
          const spec = modelFor(fuzz.start);
          const validation = await validateModelFile(modelFile, JSON.stringify(spec), { workspaceRoot: folder });
          for (const d of validation.diagnostics) assertReadable(d.message);
          const validated = !validation.diagnostics.some((d) => d.severity === 'error');

          const prepared = await readsOrNames(() => prepareData(spec, { modelFile, workspaceRoot: folder }), folder, modelFile);
          // Small files are read in full by both: what validation passes, training's loading takes.
          if (validated)
            assert.ok(
              !(prepared instanceof DataError),
              `validation passed, loading said: ${prepared instanceof DataError ? prepared.message : ''}`,
            );
          if (!(prepared instanceof DataError)) assertSound(prepared);

          const file = path.join(
            folder,
            fuzz.start.kind === 'png' ? 'img' : fuzz.start.kind === 'idx.gz' ? 'd-images-idx3-ubyte.gz' : fuzz.start.file,
          );
          await readsOrNames(
            () => loadEvaluationExamples(artifactsFor(fuzz.start, modelFile), { workspaceRoot: folder, data: file }),
            folder,
            modelFile,
          );
          if (fuzz.start.kind !== 'png')
            await readsOrNames(() => readFeatureRows(file, { featureNames: IRIS_FEATURES, label: 'species' }), folder, modelFile);
        }),
        { numRuns: CASES_PER_FORMAT, seed: SEED + kind.length },
      );
    });
  }

  it(`through the CLI: validate and train exit 0 or 1 with readable output and write nothing but a run (${CLI_CASES} cases)`, () => {
    const samples = fc.sample(fc.oneof(...STARTS.map((s) => fuzzCase(s.kind))), { numRuns: CLI_CASES, seed: SEED });
    // eslint-disable-next-line no-control-regex -- control characters are what the output must not hold
    const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    samples.forEach((fuzz, i) => {
      const { folder } = writeCase(workspace, `cli-${i}`, fuzz);
      const run = (...args: string[]): { status: number | null; output: string } => {
        const result = spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: folder, encoding: 'utf8', timeout: 60_000 });
        const output = result.stdout + result.stderr;
        assert.ok(result.status === 0 || result.status === 1, `${args.join(' ')} exited ${result.status}: ${output}`);
        assert.doesNotMatch(output, control, output);
        assert.doesNotMatch(output, ENGINE_TEXT, output);
        return { status: result.status, output };
      };
      run('validate', 'm.model.json');
      const train = run('train', 'm.model.json', '--backend', 'cpu', '--json');
      const runs = path.join(folder, '.modelstudio', 'runs');
      const statuses = existsSync(runs)
        ? readdirSync(runs).map((id) => (JSON.parse(readFileSync(path.join(runs, id, 'run.json'), 'utf8')) as RunInfo).status)
        : [];
      const result = JSON.parse(
        train.output
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .pop() ?? '{}',
      ) as { status?: string };
      if (train.status === 1) {
        assert.ok(
          statuses.every((s) => s === 'failed'),
          `exit 1 left runs ${statuses.join(', ')}`,
        );
        assert.ok(result.status === 'error' || result.status === 'failed', train.output);
      } else {
        assert.deepEqual(statuses, ['completed']);
      }
    });
  });
});
