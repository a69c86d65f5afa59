import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import type { SelectBackendResult } from '../../src/workbench/features/backends';
import type { InstallResult } from '../../src/host/nativeBackend';
import { listRuns, runsDirFor } from '../../src/runFolder/readRunFolder';
import { irisModel } from '../fixtures/modelFile';
import { activateExtension, waitFor, workspaceRoot } from './helpers';

describe('Backends: Select Backend… and Install Native Backend…', () => {
  before(async () => {
    await activateExtension();
  });

  it('Select Backend… probes every backend on the model file; auto remembers the fastest and sets the setting', async function () {
    this.timeout(180_000);
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'iris.model.yaml'));
    const result = await vscode.commands.executeCommand<SelectBackendResult>(Command.SelectBackend, {
      modelFile: uri,
      pick: 'auto',
      seconds: 0.5,
    });
    assert.deepEqual(
      result.reports.map((r) => r.backend),
      ['tensorflow', 'webgpu', 'wasm', 'cpu'],
    );
    const status = Object.fromEntries(result.reports.map((r) => [r.backend, r.status]));
    assert.equal(status.wasm, 'loaded');
    assert.equal(status.cpu, 'loaded');
    // Offline CI: no native binding installed.
    assert.equal(status.tensorflow, 'not installed');
    assert.equal(result.choice, 'auto');
    assert.ok(result.remembered === 'wasm' || result.remembered === 'cpu', `remembered ${result.remembered}`);
    assert.equal(vscode.workspace.getConfiguration('modelStudio').get('backend'), 'auto');
    // modelStudio.trainer.threads 0: the cores but the editor's one, as a run from the editor gets them.
    const wasm = result.reports.find((r) => r.backend === 'wasm');
    assert.equal(wasm?.threads, Math.min(8, Math.max(1, os.availableParallelism() - 1)));
  });

  it('modelStudio.trainer.threads gives wasm that many threads, and the probe says so', async function () {
    this.timeout(180_000);
    const settings = vscode.workspace.getConfiguration('modelStudio.trainer');
    await settings.update('threads', 2, vscode.ConfigurationTarget.Workspace);
    try {
      const result = await vscode.commands.executeCommand<SelectBackendResult>(Command.SelectBackend, {
        modelFile: vscode.Uri.file(path.join(workspaceRoot(), 'iris.model.yaml')),
        pick: 'auto',
        seconds: 0.5,
      });
      const wasm = result.reports.find((r) => r.backend === 'wasm');
      assert.equal(wasm?.status, 'loaded', wasm?.reason);
      assert.equal(wasm?.threads, 2);
      assert.equal(wasm?.detail, '2 threads');
    } finally {
      await settings.update('threads', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('with modelStudio.trainer.threads 2, a convolutional model trains as 2 replicas of the model in the editor', async function () {
    this.timeout(180_000);
    // Iris's 4 measurements as a sequence of 4 steps, convolved: the worker threads start from the extension's dist/replica.js.
    const file = path.join(workspaceRoot(), 'iris-conv.model.json');
    const spec = {
      ...irisModel(),
      name: 'iris-conv',
      model: {
        layers: [
          { type: 'reshape', targetShape: [4, 1] },
          { type: 'conv1d', filters: 8, kernelSize: 2, activation: 'relu' },
          { type: 'flatten' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
    };
    fs.writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
    const settings = vscode.workspace.getConfiguration('modelStudio.trainer');
    await settings.update('threads', 2, vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.commands.executeCommand(Command.Train, vscode.Uri.file(file));
      const run = await waitFor(
        'the run to end',
        async () => {
          const [latest] = (await listRuns(runsDirFor(file))).filter((entry) => entry.run.modelFile === file);
          return latest && latest.run.status !== 'running' ? latest.run : undefined;
        },
        120_000,
      );
      assert.equal(run.status, 'completed', JSON.stringify(run.error));
      assert.equal(run.threads, 2);
      assert.equal(run.replicas, 2);
    } finally {
      await settings.update('threads', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Install Native Backend… with the registry unreachable: a clear message and nothing installed', async function () {
    this.timeout(90_000);
    const nativeDir = process.env.MODEL_STUDIO_NATIVE_DIR;
    assert.ok(nativeDir, 'the extension announces its native folder to the processes it starts');
    // A fake offline registry: a closed port on the loopback address; a fresh cache so npm cannot serve from it.
    const saved = { ...process.env };
    Object.assign(process.env, {
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_cache: fs.mkdtempSync(path.join(os.tmpdir(), 'model-studio-npm-cache-')),
      npm_config_fetch_retries: '0',
    });
    try {
      const result = await vscode.commands.executeCommand<InstallResult>(Command.InstallNativeBackend, { variant: 'cpu' });
      assert.equal(result.kind, 'failed');
      assert.match(
        result.kind === 'failed' ? result.message : '',
        /^Could not install @tensorflow\/tfjs-node@4\.22\.0: offline or the network is blocked \(ECONNREFUSED/,
      );
      assert.equal(fs.existsSync(path.join(nativeDir, 'cpu')), false);
      assert.deepEqual(fs.existsSync(nativeDir) ? fs.readdirSync(nativeDir) : [], []);
    } finally {
      for (const key of ['npm_config_registry', 'npm_config_cache', 'npm_config_fetch_retries']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });
});
