// Installs, starts and stops code-server (a real VS Code workbench and Node
// extension host in the browser) for `npm start` and the integration and e2e
// suites; how and why: CONTRIBUTING.md "Tests in a real VS Code".
//
//   npm run code-server -- install   install into the cache (idempotent)
//   npm start                        one for a person: scripts/start.mjs
//
// The install lives outside the repo (about 630 MB) in
// $MODEL_STUDIO_CACHE or ~/.cache/model-studio and is reused when present.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned: the test hooks used by the suites are internal VS Code machinery. */
export const CODE_SERVER_VERSION = '4.139.1';
/** Node 24 from npm, as code-server requires: one package per platform, with the binary in bin/. */
const NODE_PACKAGE_NAME = `node-${process.platform}-${process.arch}`;
const NODE_PACKAGE = `${NODE_PACKAGE_NAME}@24`;

const cacheDir = process.env.MODEL_STUDIO_CACHE ?? join(homedir(), '.cache', 'model-studio');
const nodeDir = join(cacheDir, 'node24');
const codeServerDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
const lockDir = join(cacheDir, 'install.lock');
const COMPLETE = '.complete';

/** Node 24's package keeps the real binary (and headers) in node_modules/node-<platform>-<arch>. */
const node24Home = join(nodeDir, 'node_modules', NODE_PACKAGE_NAME);
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

/** An install that could not be done, with a message that says what to do (printed without a stack). */
export class InstallError extends Error {}

/**
 * `env` without what an outer `npm run` adds to it: npm_* and npm_config_*
 * describe the outer npm and Node (code-server's postinstall reads the Node
 * version from npm_config_user_agent), and node_modules/.bin folders on PATH
 * would put this project's tools in front of the install's own.
 */
export function cleanEnv(env = process.env) {
  const clean = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE') continue;
    clean[key] = value;
  }
  const path = Object.keys(clean).find((key) => key.toUpperCase() === 'PATH');
  if (path) {
    clean[path] = clean[path]
      .split(delimiter)
      .filter((dir) => !/node_modules[\\/]\.bin$|node-gyp-bin$/.test(dir))
      .join(delimiter);
  }
  return clean;
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * What code-server's install needs on this system and lacks: its postinstall
 * builds VS Code's native modules (node-gyp: Python 3, make, a C++ compiler;
 * the kerberos module: the GSSAPI headers). Checked before a multi-minute
 * install so that it fails in a second, naming the packages.
 */
export function missingPrerequisites({ platform = process.platform, has = onPath, exists = existsSync } = {}) {
  if (platform === 'darwin') {
    return spawnSync('xcode-select', ['-p'], { stdio: 'ignore' }).status === 0
      ? []
      : [
          {
            what: 'the Xcode command line tools (a C++ compiler, make)',
            debian: 'build-essential',
            fedora: 'gcc-c++ make',
            macos: 'xcode-select --install',
          },
        ];
  }
  const missing = [];
  if (!has('python3')) missing.push({ what: 'Python 3 (node-gyp)', debian: 'python3', fedora: 'python3' });
  if (!has('make')) missing.push({ what: 'make', debian: 'build-essential', fedora: 'make' });
  if (!has('c++') && !has('g++') && !has('clang++')) missing.push({ what: 'a C++ compiler', debian: 'build-essential', fedora: 'gcc-c++' });
  const gssapi = ['/usr/include/gssapi/gssapi.h', '/usr/include/gssapi.h', '/usr/local/include/gssapi/gssapi.h'];
  if (!gssapi.some((file) => exists(file)) && !has('krb5-config')) {
    missing.push({
      what: "the Kerberos headers (gssapi/gssapi.h, for VS Code's kerberos module)",
      debian: 'libkrb5-dev',
      fedora: 'krb5-devel',
    });
  }
  return missing;
}

/** The message for `missingPrerequisites()`'s list: what is missing and the command that installs it. */
export function prerequisitesMessage(missing, platform = process.platform) {
  const unique = (key) => [...new Set(missing.map((m) => m[key]).filter(Boolean))].join(' ');
  const lines = [
    'code-server (the VS Code that `npm start` and the tests open in a browser) builds native modules when it installs, and this system lacks:',
    ...missing.map((m) => `  - ${m.what}`),
    'Install them, then run the same command again:',
  ];
  if (platform === 'darwin') lines.push(`  ${unique('macos')}`);
  else {
    lines.push(`  Debian / Ubuntu:  sudo apt-get install -y ${unique('debian')}`);
    lines.push(`  Fedora / RHEL:    sudo dnf install -y ${unique('fedora')}`);
  }
  return lines.join('\n');
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
    if (!['linux', 'darwin'].includes(process.platform)) {
      throw new InstallError(
        `code-server installs from npm on Linux and macOS only; on ${process.platform}, open this folder in desktop VS Code and press F5 (Run Extension).`,
      );
    }
    const missing = missingPrerequisites();
    if (missing.length > 0) throw new InstallError(prerequisitesMessage(missing));
    await withInstallLock(() => {
      // Left by an install that was killed: only the lock holder installs, so none is live.
      for (const name of readdirSync(cacheDir)) {
        if (name.includes('.staging-')) rmSync(join(cacheDir, name), { recursive: true, force: true });
      }
      try {
        if (!existsSync(join(nodeDir, COMPLETE))) {
          log(`installing ${NODE_PACKAGE} into ${nodeDir}`);
          npmInstallInto(nodeDir, NODE_PACKAGE, { node: process.execPath, env: cleanEnv() });
        }
        if (!existsSync(join(codeServerDir, COMPLETE))) {
          const started = Date.now();
          log(`installing code-server@${CODE_SERVER_VERSION} into ${codeServerDir} (about 2.5 min, once)`);
          // npm itself runs under Node 24 (code-server's postinstall checks the
          // Node version), native modules build against Node 24's headers, and
          // node-gyp's children find Node 24 first on PATH.
          const clean = cleanEnv();
          const env = { ...clean, PATH: `${join(node24Home, 'bin')}${delimiter}${clean.PATH}`, npm_config_nodedir: node24Home };
          npmInstallInto(codeServerDir, `code-server@${CODE_SERVER_VERSION}`, { node: node24, env });
          log(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
        }
      } catch (error) {
        throw new InstallError(
          `${error.message}\ncode-server was not installed (nothing half-installed is left in ${cacheDir}). ` +
            "npm's own error is above; if it names a missing header or tool, install that package and run the same command again.",
        );
      }
    });
  }
  if (!existsSync(codeServerEntry))
    throw new InstallError(`code-server entry missing: ${codeServerEntry}; delete ${codeServerDir} and run again`);
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

/**
 * Installs a .vsix with code-server's own command line into the extensions
 * folder of `stateDir` (the one `startCodeServer({ stateDir })` then uses), as
 * a user's "Install from VSIX…" does. Returns the folder it was unpacked to.
 */
export async function installExtension(vsix, stateDir) {
  const { node, entry } = await ensureCodeServer();
  const extensionsDir = join(stateDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  const before = new Set(readdirSync(extensionsDir));
  run(
    node,
    [entry, '--user-data-dir', join(stateDir, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', resolve(vsix)],
    {
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const added = readdirSync(extensionsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !before.has(e.name));
  if (added.length !== 1) throw new Error(`installing ${vsix} added ${added.length} folders to ${extensionsDir}, expected one`);
  return join(extensionsDir, added[0].name);
}

/** Settings that keep the workbench quiet and deterministic. */
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
  // Desktop VS Code's default. In a browser VS Code saves a second after each
  // edit, which raced the form's "Reset to file on disk" on a busy machine.
  'files.autoSave': 'off',
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
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    join(dir, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--vscode-option',
    'enable-smoke-test-driver',
  ];
  const logFile = join(dir, 'code-server.log');
  const out = openSync(logFile, 'a');
  // Started with the Node 24 binary explicitly: the entry's `#!/usr/bin/env node`
  // under Node 20 serves HTTP 500. `detached` puts it in its own process group.
  const env = cleanEnv();
  const child = spawn(node, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...env,
      PATH: `${dirname(node)}${delimiter}${env.PATH}`,
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

/** Chromium flags for a quiet, offline, headless run. */
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
 * The workbench URL that opens `folder`; with `extensionDir`, it loads the
 * extension there as a development extension (without, only installed
 * extensions run); with `testsPath`, the extension host runs that suite's
 * `run()` and the page calls `window.codeAutomationExit(code)` when it settles.
 */
export function workbenchUrl(server, { folder, extensionDir, testsPath, env }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = extensionDir ? [['extensionDevelopmentPath', remote(extensionDir)]] : [];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  if (env) payload.push(['extensionEnvironment', JSON.stringify(env)]);
  const query = payload.length > 0 ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '';
  return `${server.url}/?folder=${encodeURIComponent(folder)}${query}`;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv[2] !== 'install') {
    process.stderr.write('usage: node scripts/codeServer.mjs install   (to start one: npm start)\n');
    process.exit(2);
  }
  try {
    const { node, entry } = await ensureCodeServer();
    log(`ready: ${node} ${entry}`);
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    log(error.message);
    process.exit(1);
  }
}
