import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { testBundles } from '../fixtures/bundles';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * test/fixtures/malformed/: one fault per model file. The first line of each
 * says what validation must report and where:
 *
 *   // expect: line 7: "training.epochs" must be        (JSON with comments)
 *   # expect: line 7: "training.epochs" must be         (YAML)
 *
 * — a 1-based line, then a fragment of the message. Files with no room for
 * that line (0 bytes) are listed in NO_COMMENT. Data files they name sit in
 * test/fixtures/malformed/data/; the symbolic links two of them need are made
 * here, in a temp copy, never in git.
 */

const CORPUS = path.resolve(__dirname, '../fixtures/malformed');

interface Expectation {
  readonly line: number;
  readonly fragment: string;
}

const NO_COMMENT: Readonly<Record<string, Expectation>> = {
  'empty.model.json': { line: 1, fragment: 'the model file is empty' },
  'empty.model.yaml': { line: 1, fragment: 'the model file is empty' },
};

const files = readdirSync(CORPUS)
  .filter((name) => /\.model\.(json|ya?ml)$/.test(name))
  .sort();

function expectationOf(name: string): Expectation {
  if (NO_COMMENT[name] !== undefined) return NO_COMMENT[name];
  const first = readFileSync(path.join(CORPUS, name), 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)[0];
  const match = /^(?:\/\/|#) expect: line (\d+): (.+)$/.exec(first);
  assert.ok(
    match !== null,
    `${name}: the first line must be "// expect: line N: fragment" (or "# expect: …" in YAML), found ${JSON.stringify(first)}`,
  );
  return { line: Number(match[1]), fragment: match[2] };
}

/**
 * A message is actionable when it says what to do, not only what is wrong:
 * it uses one of the words fixes are written with ("must be …", "use …",
 * "remove …", "did you mean …", …; "missing the required key" says to add
 * it), and is a sentence rather than a code.
 */
const FIX_WORDS =
  /\b(must|use|remove|add|set|write|did you mean|indent|needs?|copy|move|rename|check|end|quote|put|define|expected|fill|missing the required key)\b/i;

function isActionable(message: string): boolean {
  return message.length >= 20 && FIX_WORDS.test(message) && !/\n/.test(message);
}

/** What a stack trace line looks like, in any output. */
const STACK_LINE = /^\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)$/m;

/** The base the corpus varies; it must itself be clean, or the corpus tests nothing. */
const BASE_MODEL = `{
  "name": "iris",
  "task": "classification",
  "data": {
    "train": { "path": "data/iris.csv", "label": "species" },
    "validationSplit": 0.1
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 8, "activation": "relu" },
      { "type": "dense", "units": 3, "activation": "softmax" }
    ]
  },
  "training": {
    "optimizer": "adam",
    "loss": "sparseCategoricalCrossentropy",
    "metrics": ["accuracy"],
    "batchSize": 16,
    "epochs": 5
  }
}
`;

function run(command: string, args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(error);
      else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** Every file under `root` with its size and modification time, to see that nothing was written. */
function snapshot(root: string): string[] {
  const entries: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const stat = statSync(full, { throwIfNoEntry: false });
        entries.push(`${path.relative(root, full)} ${stat?.size ?? 'link'} ${stat?.mtimeMs ?? ''}`);
      }
    }
  };
  walk(root);
  return entries.sort();
}

/** A range lies within the text: lines exist and characters fit their line. */
function assertInside(d: SpecDiagnostic, text: string, name: string): void {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (const end of [d.range.start, d.range.end]) {
    assert.ok(end.line >= 0 && end.line < lines.length, `${name}: line ${end.line} of ${lines.length} in ${JSON.stringify(d)}`);
    assert.ok(
      end.character >= 0 && end.character <= lines[end.line].length,
      `${name}: character ${end.character} past line ${end.line} in ${JSON.stringify(d)}`,
    );
  }
}

describe('malformed model files (test/fixtures/malformed)', () => {
  let workspace: TempWorkspace;
  let outside: TempWorkspace;
  before(() => {
    workspace = tempWorkspace();
    outside = tempWorkspace({ 'secret.csv': 'a,species\n1,x\n2,y\n', 'iris.csv': 'a,species\n1,x\n2,y\n' });
    cpSync(CORPUS, workspace.root, { recursive: true });
    symlinkSync(outside.file('secret.csv'), workspace.file('data/escape-link.csv'));
    symlinkSync(outside.root, workspace.file('data/escape-dir'));
  });
  after(() => {
    workspace.remove();
    outside.remove();
  });

  it('holds at least 24 files, JSON and YAML, each with an expectation', () => {
    assert.ok(files.length >= 24, `${files.length} files`);
    assert.ok(files.filter((name) => name.endsWith('.json')).length >= 12);
    assert.ok(files.filter((name) => name.endsWith('.yaml')).length >= 12);
    for (const name of files) expectationOf(name);
  });

  it('varies a base model that is itself clean', async () => {
    const result = await validateModelFile(workspace.write('base.model.json', BASE_MODEL), BASE_MODEL, { workspaceRoot: workspace.root });
    assert.deepEqual(result.diagnostics, []);
  });

  describe('validateModelFile', () => {
    for (const name of files) {
      it(name, async () => {
        const { line, fragment } = expectationOf(name);
        const file = workspace.file(name);
        const text = readFileSync(file, 'utf8');
        const result = await validateModelFile(file, text, { workspaceRoot: workspace.root });
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        const shown = result.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('\n');
        assert.ok(errors.length >= 1, `no error:\n${shown}`);
        assert.equal(result.spec, undefined);
        assert.ok(
          errors.some((d) => d.range.start.line + 1 === line && d.message.includes(fragment)),
          `expected an error on line ${line} containing ${JSON.stringify(fragment)}, got:\n${shown}`,
        );
        for (const d of result.diagnostics) {
          assert.ok(isActionable(d.message), `${name}: not actionable: ${JSON.stringify(d.message)}`);
          assertInside(d, text, name);
          assert.equal(d.file, file);
        }
      });
    }
  });

  describe('node dist/cli.js validate', function () {
    this.timeout(120_000);
    let filesBefore: string[];
    const outputs = new Map<string, { status: number | null; stdout: string; stderr: string }>();
    before(async () => {
      // The sources bundled as esbuild.mjs bundles dist/cli.js; MODEL_STUDIO_CLI=dist/cli.js checks a built one.
      const cli = process.env.MODEL_STUDIO_CLI === undefined ? testBundles().cli : path.resolve(process.env.MODEL_STUDIO_CLI);
      filesBefore = snapshot(workspace.root);
      // A few at a time: each is a Node start-up more than work.
      const queue = [...files];
      const worker = async (): Promise<void> => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          outputs.set(name, await run(process.execPath, [cli, 'validate', name], workspace.root));
        }
      };
      await Promise.all([worker(), worker(), worker()]);
    });

    for (const name of files) {
      it(name, () => {
        const { line, fragment } = expectationOf(name);
        const output = outputs.get(name);
        assert.ok(output !== undefined);
        const all = output.stdout + output.stderr;
        assert.equal(output.status, 1, all);
        assert.doesNotMatch(all, STACK_LINE);
        const lines = output.stdout.trimEnd().split('\n');
        for (const printed of lines)
          assert.match(printed, /^[^:\n]+:\d+:\d+: (error|warning): \S/, `not file:line:col: severity: message: ${printed}`);
        const escaped = name.replace(/[.]/g, '\\.');
        assert.ok(
          lines.some((printed) => new RegExp(`^${escaped}:${line}:\\d+: error: `).test(printed) && printed.includes(fragment)),
          `expected "${name}:${line}:…: error: …${fragment}…" in:\n${all}`,
        );
      });
    }

    it('wrote nothing: no .modelstudio folder, no file changed', () => {
      assert.deepEqual(snapshot(workspace.root), filesBefore);
      assert.ok(!filesBefore.some((entry) => entry.includes('.modelstudio')));
    });
  });
});
