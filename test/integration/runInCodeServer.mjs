// Runs the integration suite (test/integration/index.ts, the
// @vscode/test-electron contract) in a real extension host: code-server's,
// driven by headless Chromium, on a temporary copy of samples/.
//   node test/integration/runInCodeServer.mjs     (after `npm run build`)
// MODEL_STUDIO_TEST_GREP=<pattern> runs only the matching tests.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { ensureCodeServer, launchChromium, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';
import { buildSuite, copySamples } from './buildSuite.mjs';

const SUITE_TIMEOUT_MS = 5 * 60_000;
const repo = resolve(import.meta.dirname, '..', '..');
// The extension under test: this checkout, unless a built copy is named.
const extensionDir = process.env.MODEL_STUDIO_EXTENSION_DIR ?? repo;
const artifacts = join(repo, 'test', 'e2e', 'artifacts');

/** The workbench's complaints about having no internet (gallery, GitHub auth): harmless here. */
const OFFLINE_NOISE =
  /ENOTFOUND|authentication provider|AccountPolicyGate|AgentHost|connection token|Creating a socket|reconnection-grace-time|builtin extensions cache|Service Worker/;

/** `console.log` arguments as Node prints them, without `%c` styling. */
function formatConsole([first, ...rest]) {
  if (typeof first !== 'string') return format(first, ...rest);
  const args = [...rest];
  // Drop the style argument of each %c, which sits where its placeholder is.
  let index = 0;
  const template = first.replace(/%[sdifjoOc%]/g, (token) => {
    if (token === '%%') return token;
    if (token === '%c') {
      args.splice(index, 1);
      return '';
    }
    index++;
    return token;
  });
  return format(template, ...args);
}

async function main() {
  const started = Date.now();
  if (!existsSync(join(extensionDir, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: npm run build');
  const testsPath = await buildSuite();
  // Installed (minutes the first time, on a fresh cache) before the suite's own timeout starts.
  await ensureCodeServer();
  const tmp = mkdtempSync(join(tmpdir(), 'modelstudio-it-'));
  const workspace = copySamples(join(tmp, 'workspace'));
  let server;
  let browser;
  let page;
  let code = 1;
  const timer = setTimeout(() => {
    console.error(`integration suite: no result after ${SUITE_TIMEOUT_MS / 1000} s`);
    cleanup().finally(() => process.exit(124));
  }, SUITE_TIMEOUT_MS);
  async function cleanup() {
    await browser?.close().catch(() => {});
    server?.stop();
  }
  try {
    server = await startCodeServer({ stateDir: join(tmp, 'code-server') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const exit = new Promise((resolveExit) => {
      page.exposeFunction('codeAutomationExit', (exitCode) => resolveExit(exitCode));
    });
    // The extension host's console arrives printf-style, with %c styles for the devtools.
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const text = formatConsole(Array.isArray(args) ? args : [args]);
      if (!OFFLINE_NOISE.test(text)) process.stdout.write(`${text}\n`);
    });
    await page.goto(
      workbenchUrl(server, {
        folder: workspace,
        extensionDir,
        testsPath,
        env: { MODEL_STUDIO_TEST_GREP: process.env.MODEL_STUDIO_TEST_GREP ?? '' },
      }),
    );
    code = await exit;
    if (code !== 0) {
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'integration-failure.png') }).catch(() => {});
      cpSync(server.logFile, join(artifacts, 'integration-code-server.log'));
      console.error(`integration suite failed; artifacts in ${artifacts}`);
    }
  } finally {
    clearTimeout(timer);
    await cleanup();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
  console.log(`integration suite: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

process.exitCode = await main();
