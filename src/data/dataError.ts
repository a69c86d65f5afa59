import * as path from 'node:path';
import { showText } from './showText';

/**
 * A problem in a data file (or in how the model file describes it). The
 * message already names the file and, where known, the line, so callers
 * (CLI, trainer, diagnostics) print it as is: whatever of the file it
 * quotes is made safe to show here (see showText).
 */
export class DataError extends Error {
  constructor(
    message: string,
    /** Absolute path of the file at fault. */
    readonly file: string,
    /** 1-based line in `file`, when the problem has one. */
    readonly line?: number,
    /** Column name or model-file field (e.g. `data.features.shape`) at fault. */
    readonly field?: string,
  ) {
    super(showText(message));
    this.name = 'DataError';
  }
}

/**
 * How a path is shown to a person: relative to the working directory when it
 * lies inside it (short, clickable in terminals), absolute otherwise.
 */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return file;
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

/** `file:line: message`, or `file: message` without a line. */
export function dataError(file: string, line: number | undefined, message: string, field?: string): DataError {
  const where = line === undefined ? displayPath(file) : `${displayPath(file)}:${line}`;
  return new DataError(`${where}: ${message}`, file, line, field);
}
