/* global document -- functions passed to page.evaluate / waitForFunction run in the browser */
// Small helpers for the UI suites that drive code-server with Playwright
// (starting code-server and Chromium: scripts/codeServer.mjs).

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
  return waitFor(`a webview with ${selector}`, async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    return undefined;
  }, timeoutMs);
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

/** Median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
