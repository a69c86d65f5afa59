import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { csvTable } from '../../src/data/csv';
import { DataError } from '../../src/data/dataError';
import { jsonTable, parseJsonRecords } from '../../src/data/json';
import type { SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { modelFileFormat } from '../../src/modelFile/parseModelFile';
import { validateModelFile } from '../../src/modelFile/validateModelFile';

/*
 * Property-based tests: valid model files and data files, mutated at
 * random, never make the parser, the validator or the table readers throw.
 * A model file comes out valid (no errors) or with at least one error whose
 * range lies inside the document; a data file comes out as a table or as a
 * DataError whose line lies inside the file. Runs are bounded (a few
 * hundred cases each, seconds in all); a failure prints the seed and the
 * shrunk counterexample to replay.
 */

const ROOT = path.resolve(__dirname, '../..');
const SAMPLES = path.join(ROOT, 'samples');

/** The sample model files a new user opens first: the valid starting points. */
const samples = readdirSync(SAMPLES)
  .filter((name) => /\.model\.(json|ya?ml)$/.test(name))
  .map((name) => ({ file: path.join(SAMPLES, name), text: readFileSync(path.join(SAMPLES, name), 'utf8') }));
const jsonSamples = samples.filter((s) => modelFileFormat(s.file) === 'json');
const yamlSamples = samples.filter((s) => modelFileFormat(s.file) === 'yaml');

const RUNS = 300;

/** Characters that matter to JSON, YAML and CSV syntax, and some that matter to UTF-16. */
const SYNTAX_CHARS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ',',
  ':',
  '#',
  '/',
  '*',
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '-',
  '!',
  '&',
  '|',
  '>',
  '?',
  '%',
  '@',
  '`',
  '\\',
  '0',
  'e',
  '.',
  'é',
  '😀',
  '\uFEFF',
  '\u2028',
  '\0',
];

const insertion = fc.oneof(
  fc.constantFrom(...SYNTAX_CHARS),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('NaN', 'Infinity', 'true', 'null', '!!js/function', '!foo', '*a', '&a', '<<: ', '---', '__proto__', '\\u0000'),
);

type TextMutation = (text: string) => string;

/** One random edit of a text: delete, insert, duplicate a slice, truncate. */
const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.nat().map((at) => (text: string) => (text.length === 0 ? text : text.slice(0, at % text.length) + text.slice((at % text.length) + 1))),
  fc.tuple(fc.nat(), insertion).map(
    ([at, what]) =>
      (text: string) =>
        text.slice(0, at % (text.length + 1)) + what + text.slice(at % (text.length + 1)),
  ),
  fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(([at, length]) => (text: string) => {
    const from = at % (text.length + 1);
    return text.slice(0, from) + text.slice(from, from + length) + text.slice(from);
  }),
  fc.nat().map((at) => (text: string) => text.slice(0, at % (text.length + 1))),
);

/** Values of every JSON type, and the ones that trip validators. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    'NaN',
    'Infinity',
    '-1',
    '',
    ' ',
    -1,
    0,
    0.5,
    1,
    1.5,
    1e308,
    -1e308,
    2 ** 53,
    null,
    true,
    [],
    {},
    [[]],
    '../../etc/passwd',
    '/etc/passwd',
    'C:\\\\x.csv',
  ),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown),
);

type JsonPath = (string | number)[];

function pathsOf(value: unknown, at: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => [[...at, key], ...pathsOf((value as Record<string | number, unknown>)[key], [...at, key])]);
}

/** A structural edit: replace the value at a random path by a value of another kind, or remove it. */
type ValueMutation = (value: unknown) => unknown;
const valueMutation: fc.Arbitrary<ValueMutation> = fc
  .tuple(fc.nat(), fc.option(oddValue, { nil: undefined, freq: 4 }))
  .map(([pick, replacement]) => (value: unknown) => {
    const copy = JSON.parse(JSON.stringify(value)) as unknown;
    const paths = pathsOf(copy);
    if (paths.length === 0) return copy;
    const target = paths[pick % paths.length];
    let parent = copy as Record<string | number, unknown>;
    for (const segment of target.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
    const last = target[target.length - 1];
    if (replacement === undefined) {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      // defineProperty: `parent.__proto__ = …` would set the prototype, not a key.
      Object.defineProperty(parent, last, { value: replacement, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });

/** The lines of a text as LineIndex counts them (LF, CRLF or CR end a line), after a BOM. */
function linesOf(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

function assertRangeInside(d: SpecDiagnostic, text: string): void {
  const lines = linesOf(text);
  const { start, end } = d.range;
  for (const p of [start, end]) {
    assert.ok(Number.isInteger(p.line) && p.line >= 0 && p.line < lines.length, `line ${p.line} of ${lines.length}: ${d.message}`);
    assert.ok(
      Number.isInteger(p.character) && p.character >= 0 && p.character <= lines[p.line].length,
      `character ${p.character} > ${lines[p.line].length} on line ${p.line}: ${d.message}`,
    );
  }
  assert.ok(
    start.line < end.line || (start.line === end.line && start.character <= end.character),
    `range ends before it starts: ${JSON.stringify(d.range)}`,
  );
}

/** The property: never throws; valid with no errors, or at least one error, every range inside the document. */
async function checkModelFile(file: string, text: string): Promise<void> {
  const result = await validateModelFile(file, text, { workspaceRoot: ROOT });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (result.spec !== undefined) assert.equal(errors.length, 0);
  else assert.ok(errors.length >= 1, 'no spec, yet no error');
  for (const d of result.diagnostics) {
    assertRangeInside(d, text);
    assert.ok(d.message.trim().length > 0);
    assert.equal(d.file, file);
  }
}

describe('properties: mutated files never throw', function () {
  this.timeout(60_000);
  // Nor print: a process warning from a parser would land in the extension host's log on every keystroke.
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.message);
  before(() => process.on('warning', onWarning));
  after(() => process.off('warning', onWarning));
  afterEach(() => {
    assert.deepEqual(warnings.splice(0), []);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('has JSON and YAML samples to start from', () => {
    assert.ok(jsonSamples.length >= 1 && yamlSamples.length >= 1);
  });

  for (const [format, pool] of [
    ['JSON with comments', jsonSamples],
    ['YAML', yamlSamples],
  ] as const) {
    describe(format, () => {
      it(`text edits (${RUNS} cases)`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...pool), fc.array(textMutation, { minLength: 1, maxLength: 4 }), async (sample, edits) => {
            await checkModelFile(
              sample.file,
              edits.reduce<string>((text, edit) => edit(text), sample.text),
            );
          }),
          { numRuns: RUNS },
        );
      });

      it(`values swapped for other types, keys dropped (${RUNS} cases)`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...pool), fc.array(valueMutation, { minLength: 1, maxLength: 3 }), async (sample, edits) => {
            const parsed =
              format === 'YAML'
                ? ((await import('yaml')).parse(sample.text) as unknown)
                : (JSON.parse(stripComments(sample.text)) as unknown);
            const value = edits.reduce((v, edit) => edit(v), parsed);
            const text = format === 'YAML' ? toYaml(value) : JSON.stringify(value, null, 2);
            await checkModelFile(sample.file, text);
          }),
          { numRuns: RUNS },
        );
      });
    });
  }

  describe('CSV tables', () => {
    const iris = readFileSync(path.join(SAMPLES, 'data/iris.csv'), 'utf8').split('\n').slice(0, 12).join('\n');
    const quoted = 'a,"b ""quoted""",label\r\n1,2,"x, y"\r\n3,4,"multi\nline"\r\n5,6,z\r\n';
    const csvEdits = fc.array(
      fc.oneof(
        textMutation,
        // Swap two lines, or repeat one: rows in the wrong place, headers twice.
        fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (text: string) => {
          const lines = text.split('\n');
          [lines[a % lines.length], lines[b % lines.length]] = [lines[b % lines.length], lines[a % lines.length]];
          return lines.join('\n');
        }),
        fc.nat().map((a) => (text: string) => {
          const lines = text.split('\n');
          lines.splice(a % lines.length, 0, lines[a % lines.length]);
          return lines.join('\n');
        }),
      ),
      { minLength: 1, maxLength: 4 },
    );

    it(`a table, or a DataError on a line of the file (${RUNS} cases)`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom({ text: iris, label: 'species' }, { text: quoted, label: 'label' }),
          csvEdits,
          fc.constantFrom<'string' | 'number'>('string', 'number'),
          (start, edits, kind) => {
            const text = edits.reduce<string>((t, edit) => edit(t), start.text);
            try {
              const table = csvTable(text, '/w/data.csv', start.label, kind);
              assert.equal(table.x.length, table.count * table.featureNames.length);
              assert.equal(table.labels.length, table.count);
              assert.ok(table.count >= 1);
            } catch (error) {
              assert.ok(error instanceof DataError, `threw ${String(error)}`);
              assert.equal(error.file, '/w/data.csv');
              assert.ok(
                error.line !== undefined && error.line >= 1 && error.line <= linesOf(text).length,
                `line ${error.line} of ${linesOf(text).length}: ${error.message}`,
              );
              assert.ok(error.message.startsWith(`/w/data.csv:${error.line}: `), error.message);
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('JSON data files', () => {
    const records = '[\n  {"x": 1, "y": 2.5, "label": "a"},\n  {"x": -3, "y": 1e2, "label": "b"},\n  {"x": 0, "y": 0, "label": "a"}\n]\n';
    const lines = '{"x": 1, "label": "a"}\n{"x": 2, "label": "b"}\r\n\n{"x": 3, "label": "a"}\n';

    it(`a table, or a DataError on a line of the file (${RUNS} cases)`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom({ text: records, format: 'json' as const }, { text: lines, format: 'jsonl' as const }),
          fc.array(textMutation, { minLength: 1, maxLength: 3 }),
          (start, edits) => {
            const text = edits.reduce<string>((t, edit) => edit(t), start.text);
            try {
              const table = jsonTable(parseJsonRecords(text, '/w/d.json', start.format), '/w/d.json', 'label', 'string');
              assert.equal(table.x.length, table.count * table.featureNames.length);
            } catch (error) {
              assert.ok(error instanceof DataError, `threw ${String(error)}`);
              if (error.line !== undefined)
                assert.ok(error.line >= 1 && error.line <= text.split('\n').length, `line ${error.line}: ${error.message}`);
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  });
});

/** The samples' JSON with comments as plain JSON, for structural mutations. */
function stripComments(text: string): string {
  return text.replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1');
}
