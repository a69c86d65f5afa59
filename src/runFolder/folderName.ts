import { promises as fs } from 'node:fs';
import * as path from 'node:path';

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `yyyymmdd-hhmmss` in local time: folder names sort by start time and read as the user's clock. */
function timestamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad2(date.getMonth() + 1)}${pad2(date.getDate())}-` +
    `${pad2(date.getHours())}${pad2(date.getMinutes())}${pad2(date.getSeconds())}`
  );
}

/** A model name as a folder-name part: letters, digits, `.`, `_`, `-`. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'model';
}

/**
 * Creates `<parent>/<yyyymmdd-hhmmss>-<name>[-N]/`, N only when that second
 * is taken already: run folders and sweep folders alike.
 */
export async function createTimestampedDir(parent: string, name: string, startedAt: Date): Promise<{ id: string; dir: string }> {
  await fs.mkdir(parent, { recursive: true });
  const base = `${timestamp(startedAt)}-${safeName(name)}`;
  for (let attempt = 1; ; attempt++) {
    const id = attempt === 1 ? base : `${base}-${attempt}`;
    const dir = path.join(parent, id);
    try {
      await fs.mkdir(dir);
      return { id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
}
