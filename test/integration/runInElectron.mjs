// Runs the integration suite in VS Code desktop via @vscode/test-electron,
// where VS Code can be downloaded (not offline: use runInCodeServer.mjs).
//   node test/integration/runInElectron.mjs     (after `npm run build`)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuite, copySamples } from './buildSuite.mjs';

const repo = resolve(import.meta.dirname, '..', '..');

async function main() {
  const extensionTestsPath = await buildSuite();
  const tmp = mkdtempSync(join(tmpdir(), 'modelstudio-it-'));
  const workspace = copySamples(join(tmp, 'workspace'));
  try {
    return await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repo,
      extensionTestsPath,
      extensionTestsEnv: { MODEL_STUDIO_TEST_GREP: process.env.MODEL_STUDIO_TEST_GREP ?? '' },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(tmp, 'user-data')],
    });
  } catch (error) {
    console.error(`integration suite (electron): ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

process.exitCode = await main();
