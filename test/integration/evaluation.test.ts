import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import { activateExtension, waitFor, workspaceRoot } from './helpers';

/** linear-regression: no other suite trains it, so its runs are this file's alone. */
const MODEL_FILE = 'linear-regression.model.json';

function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
}

describe('Evaluate Model… and Export Model…', function () {
  this.timeout(120_000);
  let runDir: string;

  before(async () => {
    const extension = await activateExtension();
    // A run made with the command line, as the CLI and the editor share run folders.
    const out = execFileSync(process.execPath, [path.join(extension.extensionPath, 'dist', 'cli.js'), 'train', MODEL_FILE, '--json'], {
      cwd: workspaceRoot(),
      encoding: 'utf8',
      timeout: 90_000,
    });
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { status?: string; runDir?: string };
    assert.equal(result.status, 'completed', out.slice(-500));
    runDir = result.runDir as string;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('evaluates the newest finished run of a model file (the CodeLens argument) in a trainer process and opens the panel', async () => {
    await vscode.commands.executeCommand(Command.Evaluate, vscode.Uri.file(path.join(workspaceRoot(), MODEL_FILE)), { data: 'test' });
    const file = path.join(runDir, 'evaluation.json');
    const evaluations = await waitFor('evaluation.json', () =>
      existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { evaluations: { count: number; result: { kind: string; r2: number } }[] }).evaluations
        : undefined,
    );
    assert.equal(evaluations.length, 1);
    assert.equal(evaluations[0].result.kind, 'regression');
    assert.equal(evaluations[0].count, 20); // testSplit 0.2 of 100 rows
    assert.ok(evaluations[0].result.r2 > 0.99, `R² ${evaluations[0].result.r2}`);
    await waitFor('the evaluation panel', () => (tabLabels().includes('Evaluation: linear-regression') ? true : undefined));
  });

  it('evaluates a run folder on another file of the workspace', async () => {
    await vscode.commands.executeCommand(Command.Evaluate, vscode.Uri.file(runDir), {
      data: path.join(workspaceRoot(), 'data', 'linear.csv'),
    });
    const evaluations = (
      JSON.parse(readFileSync(path.join(runDir, 'evaluation.json'), 'utf8')) as {
        evaluations: { count: number; dataset: { kind: string } }[];
      }
    ).evaluations;
    assert.deepEqual(
      evaluations.map((e) => [e.dataset.kind, e.count]),
      [
        ['testSplit', 20],
        ['file', 100],
      ],
    );
  });

  it('exports a run to a folder, with model.json, weights (uint8, as the options say) and the Keras topology', async () => {
    const outDir = path.join(workspaceRoot(), 'exported-linear');
    await vscode.commands.executeCommand(Command.ExportModel, vscode.Uri.file(runDir), { outDir, quantize: 'uint8' });
    for (const name of ['model.json', 'group1-shard1of1.bin', 'keras-topology.json', 'README.md'])
      assert.ok(existsSync(path.join(outDir, name)), `${name} missing`);
    const manifest = (
      JSON.parse(readFileSync(path.join(outDir, 'model.json'), 'utf8')) as {
        weightsManifest: { weights: { quantization?: { dtype: string } }[] }[];
      }
    ).weightsManifest[0].weights;
    assert.ok(
      manifest.every((w) => w.quantization?.dtype === 'uint8'),
      JSON.stringify(manifest),
    );
  });
});
