import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';

/**
 * The @vscode/test-electron contract: the extension host calls `run()` and
 * the test run fails if it rejects. The same module runs under code-server
 * (runInCodeServer.mjs) and VS Code desktop (runInElectron.mjs).
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.MODEL_STUDIO_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  if (!grep) requireEveryCommandRun(mocha);
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed`);
}

/**
 * "Every command in package.json has a test that runs it": records the
 * commands the tests execute (calls made from a test file's code) and,
 * after all tests, fails naming each contributed command none ran.
 */
function requireEveryCommandRun(mocha: Mocha): void {
  const ran = new Set<string>();
  const commands = vscode.commands as { executeCommand: typeof vscode.commands.executeCommand };
  const execute = commands.executeCommand;
  const testCode = `${path.sep}out${path.sep}test${path.sep}integration${path.sep}`;
  commands.executeCommand = function <T>(id: string, ...args: unknown[]): Thenable<T> {
    if (new Error().stack?.includes(testCode)) ran.add(id);
    return execute.call(this, id, ...args) as Thenable<T>;
  };
  mocha.suite.afterAll('every command in package.json is run by a test', () => {
    const packageJSON = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = packageJSON.contributes.commands.map((c) => c.command);
    const missing = contributed.filter((id) => !ran.has(id));
    console.log(`commands run by tests: ${contributed.length - missing.length} of the ${contributed.length} in package.json`);
    if (missing.length > 0) throw new Error(`no integration test runs ${missing.join(', ')}`);
  });
}
