import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Where runs are under a folder: each model file's `.modelstudio/runs/`
 * and each of its sweeps' folders `.modelstudio/sweeps/<sweep>/` (their
 * trials' run folders). Hidden folders other than `.modelstudio` and
 * `node_modules` are not searched, as the editor's search leaves them out.
 */

const MODEL_STUDIO = '.modelstudio';
const SKIPPED = new Set(['node_modules']);

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return [];
    throw error;
  }
}

/** The runs folders of one `.modelstudio` folder: `runs` and every sweep folder. */
async function runsFoldersIn(modelStudioDir: string): Promise<string[]> {
  const [top, sweeps] = await Promise.all([subfolders(modelStudioDir), subfolders(path.join(modelStudioDir, 'sweeps'))]);
  return [
    ...(top.includes('runs') ? [path.join(modelStudioDir, 'runs')] : []),
    ...sweeps.map((s) => path.join(modelStudioDir, 'sweeps', s)),
  ];
}

/**
 * The runs folders under `folder`, sorted by path. `folder` may also be a
 * `.modelstudio` folder, its `runs` folder, its `sweeps` folder or one sweep's folder.
 */
export async function findRunsFolders(folder: string): Promise<string[]> {
  const dir = path.resolve(folder);
  const name = path.basename(dir);
  const parent = path.basename(path.dirname(dir));
  let found: string[];
  if (name === MODEL_STUDIO) found = await runsFoldersIn(dir);
  else if (parent === MODEL_STUDIO && name === 'runs') found = [dir];
  else if (parent === MODEL_STUDIO && name === 'sweeps') found = (await subfolders(dir)).map((s) => path.join(dir, s));
  else if (path.basename(path.dirname(path.dirname(dir))) === MODEL_STUDIO && parent === 'sweeps') found = [dir];
  else found = await search(dir);
  return found.sort();
}

async function search(dir: string): Promise<string[]> {
  const names = await subfolders(dir);
  const nested = await Promise.all(
    names.map((name) => {
      if (name === MODEL_STUDIO) return runsFoldersIn(path.join(dir, name));
      if (name.startsWith('.') || SKIPPED.has(name)) return [];
      return search(path.join(dir, name));
    }),
  );
  return nested.flat();
}
