import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseCommandLine, UsageError } from '../../src/cli/commandLine';
import { shadeLines } from '../../src/cli/explainCommand';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { writeColumnModel, writeQuadrantModel, type ExplainFixture } from '../fixtures/explainModels';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('CLI explain', function () {
  this.timeout(120_000);

  describe('parsing', () => {
    let workspace: TempWorkspace;
    let runDir: string;
    before(() => {
      workspace = tempWorkspace({ 'runs/r1/run.json': '{}', 'm.model.json': '{}' });
      runDir = workspace.file('runs/r1');
    });
    after(() => workspace.remove());

    it('takes a run folder or a model file, --method, --rows, --data and --backend', () => {
      const { command, options } = parseCommandLine([
        'explain',
        runDir,
        '--method',
        'gradcam',
        '--rows',
        '1, 7,42',
        '--data',
        'other.csv',
        '--backend',
        'cpu',
        '--json',
      ]);
      assert.equal(command, 'explain');
      assert.equal(options.modelFile, runDir);
      assert.equal(options.method, 'gradcam');
      assert.deepEqual(options.rows, [1, 7, 42]);
      assert.equal(options.data, path.resolve('other.csv'));
      assert.equal(options.backend, 'cpu');
      assert.equal(options.json, true);
      const plain = parseCommandLine(['explain', workspace.file('m.model.json')]).options;
      assert.deepEqual([plain.method, plain.rows, plain.json], [undefined, undefined, false]);
    });

    for (const [args, message] of [
      [['explain'], /explain needs a model file or a run folder/],
      [['explain', 'nowhere'], /no such model file or run folder: nowhere/],
      [['explain', '{run}', '--method', 'lime'], /--method must be one of saliency, gradcam, importance, got "lime"/],
      [['explain', '{run}', '--rows', '1,x'], /--rows takes 0-based example positions .* got "1,x"/],
      [['explain', '{run}', '--rows=-1'], /--rows takes/],
      [['explain', '{run}', '--rows', '1.5'], /--rows takes/],
      [['explain', '{run}', '--rows', ''], /--rows takes/],
      [['explain', '{run}', '--out', 'x'], /--out is an option of train and export only/],
      [['evaluate', '{run}', '--rows', '1'], /--rows is an option of explain only/],
      [['train', '{model}', '--method', 'saliency'], /--method is an option of explain only/],
      [['train', '--resume', '{run}', '--rows', '1'], /--rows cannot be combined with --resume/],
    ] as const) {
      it(`${args.join(' ')}: ${String(message)}`, () => {
        const filled = args.map((a) => (a === '{run}' ? runDir : a === '{model}' ? workspace.file('m.model.json') : a));
        assert.throws(
          () => parseCommandLine(filled),
          (e: unknown) => e instanceof UsageError && message.test(e.message),
        );
      });
    }
  });

  it('shadeLines: one character per tenth, half as many rows as columns per pixel, at most 28 columns', () => {
    assert.deepEqual(
      shadeLines([
        [0, 0.15, 0.5, 1],
        [0, 0.15, 0.5, 1],
      ]),
      [' .+@'],
    );
    const wide = Array.from({ length: 56 }, () => Array.from({ length: 56 }, (_, c) => (c < 28 ? 0 : 1)));
    const lines = shadeLines(wide);
    assert.equal(lines.length, 14);
    assert.ok(lines.every((line) => line === `${' '.repeat(14)}${'@'.repeat(14)}`));
  });

  function cli(fixture: ExplainFixture, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(process.execPath, [testBundles().cli, 'explain', ...args], { cwd: fixture.workspace.root, encoding: 'utf8' });
  }

  async function trained(fixture: ExplainFixture): Promise<string> {
    const outcome = await train(
      { modelFile: fixture.modelFile, workspaceRoot: fixture.workspace.root, runsDir: fixture.runsDir, backend: 'cpu' },
      { onMessage: () => undefined },
    );
    if (outcome.type !== 'done') throw new Error('training did not finish');
    return outcome.runDir;
  }

  describe('on an image model', () => {
    let fixture: ExplainFixture;
    before(async () => {
      testBundles();
      fixture = writeQuadrantModel('what', [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }]);
      await trained(fixture);
    });
    after(() => fixture.workspace.remove());

    it('--json: the last line is the result, each row with predicted, actual and a height × width heatmap', () => {
      const result = cli(fixture, 'quadrant.model.json', '--rows', '4,2', '--json', '--backend', 'cpu');
      assert.equal(result.status, 0, result.stderr);
      const last = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as {
        type: string;
        method: string;
        explanations: { row: number; predicted: string; actual: string; heatmap: number[][] }[];
      };
      assert.equal(last.type, 'result');
      assert.equal(last.method, 'saliency');
      assert.deepEqual(
        last.explanations.map((e) => [e.row, e.actual, e.heatmap.length, e.heatmap[0].length]),
        [
          [4, '0', 12, 12],
          [2, '0', 12, 12],
        ],
      );
    });

    it('prints each example with its prediction and its image beside the heatmap; a row out of range exits 1 in one line', () => {
      const result = cli(fixture, 'quadrant.model.json', '--rows', '1', '--backend', 'cpu');
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.split('\n');
      assert.match(lines[0], /^run .* · saliency · test-images-idx3-ubyte \+ test-labels-idx1-ubyte \(data\.test, 100 examples\)$/);
      assert.match(lines[2], /^row 1 \(test-images-idx3-ubyte #1\): predicted \d, actual 1$/);
      // 12×12 drawn as 6 rows: the image, a bar, the heatmap.
      assert.equal(lines.slice(3).filter((l) => l.includes('│')).length, 6);
      const outOfRange = cli(fixture, 'quadrant.model.json', '--rows', '100', '--backend', 'cpu');
      assert.equal(outOfRange.status, 1);
      assert.match(outOfRange.stderr, /^error: rows: 100 is not an example of .* 0 to 99\n$/);
    });
  });

  it('on a table model: the importance table, most important first, with ± std', async () => {
    const fixture = writeColumnModel();
    try {
      const runDir = await trained(fixture);
      const result = cli(fixture, runDir, '--backend', 'cpu');
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.match(lines[1], /^accuracy (1|0\.9\d*); its drop when a column is shuffled \(mean ± std over 5 shuffles\):$/);
      assert.match(lines[2], /^ {2}signal {2}\s*0\.\d{4} ± \S+\s+█{20}$/);
      assert.deepEqual(
        lines
          .slice(3)
          .map((l) => l.trim().split(/\s+/)[0])
          .sort(),
        ['noise1', 'noise2'],
      );
    } finally {
      fixture.workspace.remove();
    }
  });
});
