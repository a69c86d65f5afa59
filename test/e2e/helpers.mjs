/* global document -- functions passed to page.evaluate / waitForFunction run in the browser */
// What the UI suites share: running one (code-server, Chromium, a copy of
// samples/, timeout, artifacts), the workbench steps a person takes, and
// small helpers (starting code-server and Chromium: scripts/codeServer.mjs).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { installExtension, launchChromium, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';
import { copySamples } from '../integration/buildSuite.mjs';

const repo = resolve(import.meta.dirname, '..', '..');
const screenshotsDir = join(repo, 'test', 'e2e', 'screenshots');
const artifactsDir = join(repo, 'test', 'e2e', 'artifacts');

/**
 * Runs one UI suite and returns its exit code. The extension under test is
 * the .vsix named by $MODEL_STUDIO_VSIX, installed into code-server as a
 * user installs it, or else this checkout loaded as a development extension;
 * `extension.dir` is its folder (its dist/cli.js is the CLI the suite uses).
 * Then a temporary copy of samples/ (`prepare(workspace, extension)` adds to
 * it, e.g. runs made with the CLI, and returns what `run` needs; the timeout
 * counts from after it), code-server with a fresh state (`codeServer`
 * options, e.g. `{ trust: true }`), a 1400×900 page, then `run({ page,
 * server, workspace, prepared, screenshot })`. `screenshot(name, what)` saves
 * test/e2e/screenshots/<prefix>-NN-<name>.png, listed when the suite passes.
 * A hard timeout; on failure a screenshot and code-server's log in
 * test/e2e/artifacts/; code-server and Chromium are always stopped and the
 * temporary folder removed.
 */
export async function runUiSuite({ prefix, step, timeoutMs, needs = 'extension.js', codeServer = {}, prepare = () => undefined, run }) {
  const started = Date.now();
  const vsix = process.env.MODEL_STUDIO_VSIX;
  if (!vsix && !existsSync(join(repo, 'dist', needs))) throw new Error(`dist/${needs} is missing: npm run build`);
  mkdirSync(screenshotsDir, { recursive: true });
  for (const f of readdirSync(screenshotsDir)) if (f.startsWith(`${prefix}-`)) rmSync(join(screenshotsDir, f));
  const tmp = mkdtempSync(join(tmpdir(), `modelstudio-e2e-${prefix}-`));
  const workspace = copySamples(join(tmp, 'workspace'));
  let server;
  let browser;
  let page;
  let timer;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    server?.stop();
  };
  try {
    const stateDir = join(tmp, 'code-server');
    const extension = vsix ? { dir: await installExtension(vsix, stateDir), installed: true } : { dir: repo, installed: false };
    step(vsix ? `installed ${basename(vsix)} into ${extension.dir}` : `extension from ${extension.dir} (development)`);
    const prepared = await prepare(workspace, extension);
    // From here on (the preparation runs no browser and may take a while on a busy machine).
    timer = setTimeout(() => {
      console.error(`e2e ${prefix}: no result after ${timeoutMs / 1000} s`);
      void cleanup().finally(() => process.exit(124));
    }, timeoutMs);
    server = { ...(await startCodeServer({ stateDir, ...codeServer })), extension };
    step(`code-server on ${server.url}${codeServer.trust ? ', Workspace Trust enabled' : ''}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const shots = [];
    const screenshot = async (name, what = name) => {
      const file = `${prefix}-${String(shots.length + 1).padStart(2, '0')}-${name}.png`;
      await page.screenshot({ path: join(screenshotsDir, file) });
      shots.push(`${file}: ${what}`);
    };
    await run({ page, server, workspace, prepared, screenshot });
    step('passed; screenshots:');
    for (const line of shots) console.log(`  ${line}`);
    return 0;
  } catch (error) {
    console.error(error);
    mkdirSync(artifactsDir, { recursive: true });
    await page?.screenshot({ path: join(artifactsDir, `${prefix}-failure.png`) }).catch(() => {});
    if (server) cpSync(server.logFile, join(artifactsDir, `${prefix}-code-server.log`));
    console.error(`e2e ${prefix} failed after ${((Date.now() - started) / 1000).toFixed(1)} s; artifacts in ${artifactsDir}`);
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * Collects what the webviews log as errors, CSP violations and messages
 * naming one of `scripts` (their bundles), and the page's uncaught
 * exceptions: a suite ends by asserting the list is empty.
 */
export function collectWebviewErrors(page, scripts) {
  const errors = [];
  const named = new RegExp(`Content Security Policy|${scripts.map((s) => s.replace(/\./g, '\\.')).join('|')}`);
  page.on('console', (message) => {
    const text = message.text();
    if (named.test(text) || (message.type() === 'error' && /webview|vscode-cdn|vscode-resource/.test(message.location().url ?? ''))) {
      errors.push(`${message.type()}: ${text} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** Opens the workbench on `workspace` with the extension under test; with `explorerShows`, waits until the Explorer lists that file. */
export async function openWorkbench(page, server, workspace, explorerShows) {
  const { dir, installed } = server.extension;
  await page.goto(workbenchUrl(server, { folder: workspace, extensionDir: installed ? undefined : dir }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The Explorer shows the folder once the workbench has connected to the server.
  if (explorerShows) await page.locator('.explorer-folders-view .monaco-list-row', { hasText: explorerShows }).waitFor({ timeout: 60_000 });
}

/**
 * Runs a command from the Command Palette (F1): the row whose label starts
 * with `title` or has it after a category ("Model Studio: …"). Just after
 * the workbench comes up the palette may not list the extension's commands
 * yet, and an open palette does not refresh: it is closed and opened again.
 */
export async function runFromPalette(page, title) {
  const input = page.locator('.quick-input-widget input');
  const row = page
    .locator(`.quick-input-list .monaco-list-row[aria-label^="${title}"], .quick-input-list .monaco-list-row[aria-label*=": ${title}"]`)
    .first();
  await waitFor(
    `"${title}" in the Command Palette`,
    async () => {
      await page.keyboard.press('F1');
      // A webview taking focus as it loads can close the palette between these steps: then try again.
      const typed = await input
        .waitFor({ timeout: 5000 })
        .then(() => input.fill(`>${title}`, { timeout: 5000 }))
        .then(
          () => true,
          () => false,
        );
      if (!typed) return undefined;
      if (
        await row.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        )
      )
        return true;
      await page.keyboard.press('Escape');
      return undefined;
    },
    60_000,
    500,
  );
  await row.click();
}

/**
 * Developer: Reload Window, as a person does it: VS Code shuts the window
 * down properly, saving the editor layout and the webviews' state, rather
 * than the page just going away. Resolves once the workbench is back with
 * `at`, when the command was run (what comes back is timed from it), and
 * `workbenchMs`, how long the workbench took to come back.
 */
export async function reloadWindow(page) {
  const reloaded = page.waitForEvent('load', { timeout: 60_000 });
  await runFromPalette(page, 'Developer: Reload Window');
  const at = Date.now();
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return { at, workbenchMs: Date.now() - at };
}

/**
 * A webview panel restored after a reload, once it shows its content and
 * not just its tab: the frame whose page holds `selector` and for which
 * `probe(frame)` returns something other than undefined. Returns `{ frame,
 * value, ms }`, `value` from the probe, `ms` since `since`.
 */
export async function restoredWebview(page, what, selector, probe, since, timeoutMs = 60_000) {
  return waitFor(
    what,
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame() || frame.isDetached()) continue;
        if (!(await frame.$(selector).catch(() => null))) continue;
        const value = await probe(frame).catch(() => undefined);
        if (value !== undefined) return { frame, value, ms: Date.now() - since };
      }
      return undefined;
    },
    timeoutMs,
  );
}

/** Shows the Runs view (the only view of the Model Studio container: the side bar's title names it). */
export async function showRunsView(page) {
  await runFromPalette(page, 'Focus on Runs View');
  await page.locator('.sidebar .title-label', { hasText: 'Runs' }).waitFor();
}

/** Headless, notifications go to the notification centre rather than a toast: opens it and returns the item holding `text`. */
export async function notification(page, text) {
  await page.locator('[id="status.notifications"]').click();
  const item = page.locator('.notifications-center .notification-list-item', { hasText: text });
  await item.waitFor({ timeout: 15_000 });
  return item;
}

/** `[e2e   12.3 s] message`, timed from `started`. */
export function stepLogger(started = Date.now(), tag = 'e2e') {
  return (message) => console.log(`[${tag} ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor(what, probe, timeoutMs = 30_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Opens a file of the workspace with Ctrl+P, as a person does, and waits for its tab. */
export async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor();
  await quickInput.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).first().waitFor();
}

/**
 * The frame of a webview whose page holds `selector`. A webview is two
 * nested iframes; with several panels open this finds the right one.
 */
export async function webviewFrame(page, selector, timeoutMs = 30_000) {
  return waitFor(
    `a webview with ${selector}`,
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        const found = await frame.$(selector).catch(() => null);
        if (found) return frame;
      }
      return undefined;
    },
    timeoutMs,
  );
}

/** The text of the visible lines of the editor showing `fileName` (Monaco renders only what is on screen). */
export async function editorText(page, fileName) {
  return page.evaluate((name) => {
    const groups = [...document.querySelectorAll('.editor-group-container')];
    const group = groups.find((g) => g.querySelector('.tab.active')?.textContent?.includes(name)) ?? groups[0];
    const lines = group?.querySelector('.monaco-editor .view-lines');
    return (lines?.innerText ?? '').replace(/\u00a0/g, ' ');
  }, fileName);
}

/** Puts the cursor at a 1-based line and column with Go to Line (Ctrl+G). */
export async function goToLine(page, line, column = 1) {
  await page.keyboard.press('Control+G');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor();
  // Ctrl+G opens quick access with ":" typed; fill() replaces it, so it goes back in.
  await quickInput.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await quickInput.waitFor({ state: 'hidden' });
}

/**
 * The Model Studio output channel's log as the workbench wrote it (under
 * code-server's user-data dir), or '' before it exists.
 */
export function extensionLog(server) {
  const logs = join(server.stateDir, 'user-data', 'logs');
  if (!existsSync(logs)) return '';
  const files = readdirSync(logs, { recursive: true }).filter((f) => basename(String(f)) === 'Model Studio.log');
  return files.map((f) => readFileSync(join(logs, String(f)), 'utf8')).join('\n');
}

/** When (Unix ms) the first log line holding `needle` was written; undefined if none. */
export function logTime(log, needle) {
  const line = log.split('\n').find((l) => l.includes(needle));
  // `2026-11-23 13:04:48.351 [info] …`, local time.
  const stamp = line && /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(line);
  return stamp ? new Date(`${stamp[1]}T${stamp[2]}`).getTime() : undefined;
}

/** Median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The CLI of the extension under test (the installed one when testing a .vsix), run in `workspace`. */
export function extensionCli(extension, workspace, ...args) {
  return execFileSync(process.execPath, [join(extension.dir, 'dist', 'cli.js'), ...args], {
    cwd: workspace,
    encoding: 'utf8',
    timeout: 180_000,
  });
}

/** Picks the quick-pick row holding `text` (typed into the filter first). */
export async function pickQuickInput(page, filter, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout: 30_000 });
  await input.fill(filter);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor();
  await row.click();
}
