/** Exhaustiveness check for `switch (msg.type)` over a message union. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
