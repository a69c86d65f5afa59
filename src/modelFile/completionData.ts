import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCsvHeader } from '../data/csv';
import { readJsonHeader } from '../data/json';
import { isInside } from '../data/paths';

// What completion reads from the workspace: the files a data key can name, and a table's column names.

export interface PathChoice {
  /** The name shown: `iris.csv`, or `data/` for a folder. */
  readonly label: string;
  /** The whole path relative to the model file, as it is written in it. */
  readonly value: string;
  readonly folder: boolean;
}

/** At most this many entries of one folder are offered. */
const MAX_ENTRIES = 500;

/** Folders never worth offering: run folders, installed packages, version control. */
const SKIPPED = new Set(['node_modules', '.modelstudio', '.git']);

/**
 * The files and folders in the folder of what is typed so far (`data/ir` →
 * the model file's `data/` folder), files only when `accept` matches their
 * name; folders first. Nothing outside the workspace, as validation allows
 * nothing there.
 */
export async function pathChoices(modelFile: string, workspaceRoot: string, typed: string, accept: RegExp): Promise<PathChoice[]> {
  const folderPart = typed.slice(0, typed.lastIndexOf('/') + 1);
  const folder = path.resolve(path.dirname(modelFile), folderPart);
  if (!isInside(path.resolve(workspaceRoot), folder)) return [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const choices: PathChoice[] = [];
  for (const entry of entries.slice(0, MAX_ENTRIES)) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await isFolderPath(path.join(folder, entry.name))));
    if (!isFolder && !accept.test(entry.name)) continue;
    const label = isFolder ? `${entry.name}/` : entry.name;
    choices.push({ label, value: `${folderPart}${label}`, folder: isFolder });
  }
  return choices.sort((a, b) => Number(b.folder) - Number(a.folder) || a.label.localeCompare(b.label));
}

async function isFolderPath(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
}

/**
 * The column names of the table a data source names (a CSV's header, a JSON
 * file's first record), read as validation reads them: only the first
 * record. None when the file is missing, unreadable or outside the workspace.
 */
export async function tableColumns(modelFile: string, workspaceRoot: string, source: unknown): Promise<string[]> {
  if (typeof source !== 'object' || source === null) return [];
  const { path: ref, format } = source as { path?: unknown; format?: unknown };
  if (typeof ref !== 'string' || ref === '') return [];
  const file = path.resolve(path.dirname(modelFile), ref);
  if (!isInside(path.resolve(workspaceRoot), file)) return [];
  const kind = typeof format === 'string' ? format : path.extname(file).slice(1).toLowerCase();
  try {
    if (kind === 'csv') return await readCsvHeader(file);
    if (kind === 'json' || kind === 'jsonl') return await readJsonHeader(file, kind);
  } catch {
    // A data file that cannot be read is validation's to report, with its reason.
  }
  return [];
}
