import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, displayPath } from './dataError';
import { notAFile } from './dataFile';

/** What a data path in the model file turned out to be. */
export type PathCheck =
  | { readonly ok: true; readonly path: string }
  | {
      readonly ok: false;
      readonly reason: 'outside' | 'symlinkOutside' | 'missing' | 'notFile' | 'notFolder';
      /** Resolved absolute path. */
      readonly path: string;
      /** Says what is wrong and what to do, naming the path as written. */
      readonly message: string;
    };

/**
 * Resolves `ref` (as written in the model file) against the model file's
 * folder and checks that it stays inside the workspace — also after
 * following symbolic links, so a link cannot smuggle in files from
 * elsewhere — and that it exists as a file or folder.
 */
export async function checkDataPath(ref: string, modelFile: string, workspaceRoot: string, expect: 'file' | 'folder'): Promise<PathCheck> {
  const resolved = path.resolve(path.dirname(modelFile), ref);
  const root = path.resolve(workspaceRoot);
  if (!isInside(root, resolved)) {
    return {
      ok: false,
      reason: 'outside',
      path: resolved,
      message: `"${ref}" is outside the workspace folder; data files must be inside it`,
    };
  }
  let real: string;
  let stat: import('node:fs').Stats;
  try {
    real = await fs.realpath(resolved);
    stat = await fs.stat(real);
  } catch {
    const kind = expect === 'file' ? 'data file' : 'image folder';
    return {
      ok: false,
      reason: 'missing',
      path: resolved,
      message: `${kind} "${ref}" not found (looked for ${resolved}); check the path, which is relative to the model file's folder`,
    };
  }
  const realRoot = await fs.realpath(root).catch(() => root);
  if (!isInside(realRoot, real)) {
    // The file itself, or a folder on the way to it, is the link.
    const isLink = await fs.lstat(resolved).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    return {
      ok: false,
      reason: 'symlinkOutside',
      path: resolved,
      message: `"${ref}" ${isLink ? 'is a symbolic link' : 'leads through a symbolic link'} to ${real}, outside the workspace folder; copy the data into the workspace`,
    };
  }
  const kind = notAFile(stat);
  if (expect === 'file' && kind !== undefined) {
    return { ok: false, reason: 'notFile', path: resolved, message: `"${ref}" is ${kind}, expected a file` };
  }
  if (expect === 'folder' && !stat.isDirectory()) {
    return {
      ok: false,
      reason: 'notFolder',
      path: resolved,
      message: `"${ref}" is ${kind ?? 'a file'}, expected a folder with one sub-folder of images per class`,
    };
  }
  return { ok: true, path: resolved };
}

/**
 * {@link checkDataPath} for loading: the resolved path, or a DataError that
 * names the model file and the field at fault (`data.train.path`).
 */
export async function resolveDataPath(
  ref: string,
  modelFile: string,
  workspaceRoot: string,
  expect: 'file' | 'folder',
  field: string,
): Promise<string> {
  const check = await checkDataPath(ref, modelFile, workspaceRoot, expect);
  if (check.ok) return check.path;
  throw new DataError(`${displayPath(modelFile)}: ${field}: ${check.message}`, modelFile, undefined, field);
}

/** True when `target` is `root` or lies below it (both absolute). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
