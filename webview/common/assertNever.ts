/**
 * Exhaustiveness check for `switch (msg.type)` in the webviews. A copy of
 * src/protocol/assertNever.ts: webview code takes only types from src/.
 */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
