import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataError } from './dataError';
import { showText } from './showText';

/**
 * Errors whose text is the JavaScript engine's or a native library's, not
 * ours: a person cannot act on "Maximum call stack size exceeded" or
 * "XNN status … is not successful", and it never names their file.
 */
const ENGINE_TEXT =
  /Maximum call stack size exceeded|Invalid (typed )?array length|Invalid string length|XNN status|Cannot read properties of|is not a function|is not iterable/;

export function isEngineError(error: unknown): boolean {
  return (
    error instanceof RangeError ||
    error instanceof TypeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof EvalError ||
    error instanceof URIError ||
    (error instanceof Error && ENGINE_TEXT.test(error.message))
  );
}

/**
 * The one line a person sees for an error from reading data (used by
 * userMessage for the trainer and the CLI, and by validation for the
 * editor): a DataError's own message; an engine error as an internal-error
 * report whose details go to a log file; anything else its first line.
 * Always one line, control characters escaped.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof DataError) return error.message;
  if (isEngineError(error)) return internalErrorMessage(error);
  const message = error instanceof Error ? error.message : String(error);
  return showText(message.split('\n')[0]);
}

/** "internal error (RangeError); details in /tmp/…log: please report it". */
export function internalErrorMessage(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const log = writeReport(error);
  return `internal error (${name}) in Model Studio${log === undefined ? '' : `; details in ${log}`}: please report it`;
}

/** Writes the error's stack to a log file of its own; undefined if that fails too. */
function writeReport(error: unknown): string | undefined {
  try {
    const folder = path.join(tmpdir(), 'model-studio', 'internal-errors');
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
    const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    writeFileSync(
      file,
      `Model Studio internal error\n${new Date().toISOString()} · node ${process.version} · ${process.argv.slice(1).join(' ')}\n\n${stack}\n`,
    );
    return file;
  } catch {
    return undefined;
  }
}
