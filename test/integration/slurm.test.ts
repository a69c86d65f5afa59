import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SlurmJob } from '../../src/protocol/slurmTypes';
import type { ModelStudioApi } from '../../src/workbench/features/testingApi';
import { Command } from '../../src/workbench/shared/commands';
import { activateExtension, codeLensTitles, waitFor, workspaceRoot } from './helpers';

// The editor's side of Slurm runs that needs no cluster (test/e2e/slurm.e2e.mjs submits to a real one):
// the CodeLens with a partition set, settings refused before anything is written, a job that ended before it trained.

describe('Slurm runs in the editor', () => {
  let api: ModelStudioApi;
  let uri: vscode.Uri;
  let runsDir: string;
  const slurm = () => vscode.workspace.getConfiguration('modelStudio.slurm');

  before(async () => {
    api = (await activateExtension()).exports as ModelStudioApi;
    uri = vscode.Uri.file(path.join(workspaceRoot(), 'iris.model.yaml'));
    runsDir = path.join(workspaceRoot(), '.modelstudio', 'runs');
  });

  after(async () => {
    await slurm().update('partition', undefined, vscode.ConfigurationTarget.Workspace);
    await slurm().update('time', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('offers ☁ Train on Slurm with a partition set, and refuses a time limit Slurm would not accept before writing a run or sweep folder', async () => {
    await slurm().update('partition', 'debug', vscode.ConfigurationTarget.Workspace);
    await vscode.window.showTextDocument(uri);
    await waitFor('☁ Train on Slurm above the file', async () =>
      (await codeLensTitles(uri)).includes('☁ Train on Slurm') ? true : undefined,
    );
    await slurm().update('time', 'two hours', vscode.ConfigurationTarget.Workspace);
    const before = fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : [];
    const submitted = await vscode.commands.executeCommand<string | undefined>(Command.TrainOnSlurm, uri);
    assert.equal(submitted, undefined);
    assert.deepEqual(fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : [], before, 'a refused submission left a folder');

    const sweepsDir = path.join(workspaceRoot(), '.modelstudio', 'sweeps');
    const sweepsBefore = fs.existsSync(sweepsDir) ? fs.readdirSync(sweepsDir) : [];
    const sweep = await vscode.commands.executeCommand<string | undefined>(Command.RunSweepOnSlurm, uri);
    assert.equal(sweep, undefined);
    assert.deepEqual(fs.existsSync(sweepsDir) ? fs.readdirSync(sweepsDir) : [], sweepsBefore, 'a refused sweep left a folder');
  });

  it('shows a job that ended before its trainer started, with why, in the Runs view', async () => {
    const runDir = path.join(runsDir, '20300101-000000-iris');
    fs.mkdirSync(runDir, { recursive: true });
    const job: SlurmJob = {
      version: 1,
      request: { modelFile: uri.fsPath, workspaceRoot: workspaceRoot(), runsDir },
      jobId: '424242',
      submittedAt: '2030-01-01T00:00:00.000Z',
      state: 'FAILED',
      message: 'node (node) was not found on node7: set modelStudio.slurm.node or modelStudio.slurm.setup',
    };
    fs.writeFileSync(path.join(runDir, 'job.json'), JSON.stringify(job));
    try {
      const item = await waitFor('the job in the Runs view', () => api.runsViewItem(runDir));
      assert.equal(item.label, 'failed');
      assert.match(item.description, /^Slurm job 424242 · 20300101-000000-iris$/);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });
});
