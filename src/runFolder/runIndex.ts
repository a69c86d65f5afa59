import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isRunInfo } from '../protocol/guards';
import type { ParamValue, RunRow } from '../protocol/runRow';
import type { RunInfo } from '../protocol/runTypes';
import { writeFileAtomic } from './atomicFile';
import { FOLDS_FOLDER } from './crossValidation';
import { readRun } from './readRunFolder';
import { RUN_FILES } from './runFiles';
import { findRunsFolders } from './runsFolders';
import { NO_EPOCHS, newestRowFirst, runRowOf, specHyperparameters, summarizeMetricsText, type EpochSummary } from './runRows';

/**
 * The runs index (docs/architecture.md "The run folder", docs/decisions.md):
 * `<runs folder>/index.jsonl`, one line per change of a run, the last line
 * of a folder name winning. The trainer appends a line when a run starts and
 * when it ends; whoever rewrites run.json afterwards (dead-run marking, the
 * Slurm follower, rename / notes / tags) appends one too. Appending whole
 * lines lets concurrent trainers and sweep trials write without a lock.
 *
 * The index is a cache, never the truth: readers list the folder names and
 * read run.json, spec.json and metrics.jsonl only for folders it does not
 * cover or says are `running`, add lines for what they had to read, drop
 * folders that are gone, and compact the file when it has grown to many
 * lines per run. Lines name the folder relative to the runs folder, so a
 * moved workspace still reads its index.
 */

export const RUN_INDEX_FILE = 'index.jsonl';
const INDEX_VERSION = 1;

/** One run as the index keeps it: run.json as it was, and what spec.json and metrics.jsonl said. */
export interface IndexedRun {
  readonly runDir: string;
  readonly run: RunInfo;
  readonly hyperparameters: Readonly<Record<string, ParamValue>>;
  readonly epochs: EpochSummary;
}

interface IndexLine {
  readonly v: number;
  /** The run folder's name in its runs folder. */
  readonly dir: string;
  readonly run: RunInfo;
  readonly hyperparameters: Readonly<Record<string, ParamValue>>;
  readonly epochs: EpochSummary;
}

function isIndexLine(x: unknown): x is IndexLine {
  if (typeof x !== 'object' || x === null) return false;
  const line = x as Partial<Record<keyof IndexLine, unknown>>;
  const epochs = line.epochs as Partial<Record<keyof EpochSummary, unknown>> | undefined;
  return (
    line.v === INDEX_VERSION &&
    typeof line.dir === 'string' &&
    !line.dir.includes('/') &&
    !line.dir.includes('\\') &&
    isRunInfo(line.run) &&
    typeof line.hyperparameters === 'object' &&
    line.hyperparameters !== null &&
    typeof epochs === 'object' &&
    epochs !== null &&
    typeof epochs.final === 'object' &&
    typeof epochs.best === 'object' &&
    typeof epochs.bestEpoch === 'object' &&
    typeof epochs.epochs === 'number'
  );
}

/** One line of the index. Appends put a newline before it too, so a line torn by a killed writer never swallows the next one. */
function lineText(runDir: string, folder: IndexedRun): string {
  const line: IndexLine = {
    v: INDEX_VERSION,
    dir: path.basename(runDir),
    run: folder.run,
    hyperparameters: folder.hyperparameters,
    epochs: folder.epochs,
  };
  return `${JSON.stringify(line)}\n`;
}

/** What one index file said when last read, kept by RunIndexCache to read only what was appended since. */
interface IndexState {
  readonly ino: number;
  /** Bytes read: up to the last whole line. */
  offset: number;
  lines: number;
  readonly entries: Map<string, IndexLine>;
}

/**
 * Index files as last read, for a reader that reads the same runs folders
 * again and again (the Runs view): only appended bytes are parsed, and a
 * running run's folder is read again only when run.json or metrics.jsonl changed.
 */
export class RunIndexCache {
  readonly indexes = new Map<string, IndexState>();
  readonly live = new Map<string, { readonly key: string; readonly folder: IndexedRun }>();
  private readonly stale = new Set<string>();

  /** The next read reads this run folder itself (its run.json changed on disk). */
  invalidate(runDir: string): void {
    this.stale.add(path.resolve(runDir));
  }

  takeStale(runDir: string): boolean {
    return this.stale.size > 0 && this.stale.delete(path.resolve(runDir));
  }
}

async function readIndex(file: string, before: IndexState | undefined): Promise<IndexState> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ino: 0, offset: 0, lines: 0, entries: new Map() };
    throw error;
  }
  try {
    const stat = await handle.stat();
    // Compacted (a new file) or cut short: read it from the start.
    const state =
      before && before.ino === stat.ino && stat.size >= before.offset
        ? before
        : { ino: stat.ino, offset: 0, lines: 0, entries: new Map<string, IndexLine>() };
    if (stat.size === state.offset) return state;
    const buffer = Buffer.alloc(stat.size - state.offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, state.offset);
    // A last line without its newline is being written (or was torn): read it once it is whole.
    const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    for (const text of buffer.toString('utf8', 0, end).split('\n')) {
      if (text === '') continue;
      state.lines++;
      let line: unknown;
      try {
        line = JSON.parse(text);
      } catch {
        continue; // a torn line: the folder is read itself
      }
      if (isIndexLine(line)) state.entries.set(line.dir, line);
    }
    state.offset += end;
    return state;
  } finally {
    await handle.close();
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads a run folder itself: run.json (throws when it is missing or not a run's), spec.json and the epoch records. */
export async function readIndexedRun(runDir: string): Promise<IndexedRun> {
  const [run, spec, metrics] = await Promise.all([
    readRun(runDir),
    readText(path.join(runDir, RUN_FILES.spec)).catch(() => undefined),
    readText(path.join(runDir, RUN_FILES.metrics)).catch(() => undefined),
  ]);
  let specValue: unknown;
  try {
    specValue = spec === undefined ? undefined : JSON.parse(spec);
  } catch {
    specValue = undefined; // being written: the hyperparameters come with the next read
  }
  return {
    runDir,
    run,
    hyperparameters: specHyperparameters(specValue),
    epochs: metrics === undefined ? NO_EPOCHS : summarizeMetricsText(metrics),
  };
}

/** Calls `fn` on each item with at most `limit` calls pending: thousands of folders must not open thousands of files at once. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const READ_AT_ONCE = 32;

async function folderNames(runsDir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(runsDir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/** A running run's folder is read again when one of these changed. */
async function liveKey(runDir: string): Promise<string> {
  const stats = await Promise.all(
    [RUN_FILES.run, RUN_FILES.metrics, RUN_FILES.spec].map((name) => fs.stat(path.join(runDir, name)).catch(() => undefined)),
  );
  return stats.map((s) => (s ? `${s.mtimeMs}:${s.size}` : '-')).join('|');
}

/** The index has grown to this many lines per run folder (plus a margin): rewrite it with one line each. */
const COMPACT_LINES_PER_RUN = 2;
const COMPACT_MARGIN = 64;

/**
 * Every run in one runs folder (`.modelstudio/runs`, or a sweep folder),
 * through its index; folders without a readable run.json (being created,
 * or not a run) are left out. Newest first.
 */
export async function readRunsFolder(runsDir: string, cache: RunIndexCache = new RunIndexCache()): Promise<IndexedRun[]> {
  const file = path.join(runsDir, RUN_INDEX_FILE);
  const [names, index] = await Promise.all([folderNames(runsDir), readIndex(file, cache.indexes.get(runsDir))]);
  cache.indexes.set(runsDir, index);
  // Runs the index covers are taken from it without touching their folders; the others are read.
  const covered: IndexedRun[] = [];
  const toRead: string[] = [];
  for (const name of names) {
    const runDir = path.join(runsDir, name);
    const line = index.entries.get(name);
    if (line && line.run.status !== 'running' && !cache.takeStale(runDir)) {
      covered.push({ runDir, run: line.run, hyperparameters: line.hyperparameters, epochs: line.epochs });
    } else toRead.push(runDir);
  }
  const fresh: string[] = [];
  const read = await mapLimit(toRead, READ_AT_ONCE, async (runDir): Promise<IndexedRun | undefined> => {
    try {
      const key = await liveKey(runDir);
      const known = cache.live.get(runDir);
      if (known?.key === key) return known.folder;
      const folder = await readIndexedRun(runDir);
      if (folder.run.status === 'running') cache.live.set(runDir, { key, folder });
      else {
        cache.live.delete(runDir);
        fresh.push(lineText(runDir, folder));
      }
      return folder;
    } catch {
      return undefined;
    }
  });
  const found = [...covered, ...read];
  const runs = found.filter((run): run is IndexedRun => run !== undefined);
  try {
    if (index.lines + fresh.length > COMPACT_LINES_PER_RUN * runs.length + COMPACT_MARGIN) await compact(file, index, runs);
    else if (fresh.length > 0) await fs.appendFile(file, `\n${fresh.join('')}`);
  } catch {
    // A read-only folder, or a full disk: the runs were read all the same.
  }
  return runs.sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt) || b.run.id.localeCompare(a.run.id));
}

/**
 * Rewrites the index with one line per run folder there is. Lines appended
 * while it was read are kept: if the file grew, it is left for the next reader.
 */
async function compact(file: string, index: IndexState, runs: readonly IndexedRun[]): Promise<void> {
  const text = runs
    .filter((folder) => folder.run.status !== 'running')
    .map((folder) => lineText(folder.runDir, folder))
    .join('');
  const before = await fs.stat(file).catch(() => undefined);
  if (before && before.size !== index.offset) return;
  await writeFileAtomic(file, text);
}

/**
 * Appends the current state of the run in `runDir` to its runs folder's
 * index: call after rewriting its run.json (the trainer at start and end,
 * dead-run marking, the Slurm follower, rename / notes / tags). A fold of a
 * cross-validated run is not a row: nothing is written for it. Throws when
 * run.json cannot be read or the index cannot be written.
 */
export async function updateRunRow(runDir: string): Promise<void> {
  if (path.basename(path.dirname(runDir)) === FOLDS_FOLDER) return;
  const folder = await readIndexedRun(runDir);
  await fs.appendFile(path.join(path.dirname(runDir), RUN_INDEX_FILE), `\n${lineText(runDir, folder)}`);
}

/** A run of the index as a row. */
export function rowOfIndexedRun(folder: IndexedRun): RunRow {
  return runRowOf(path.dirname(folder.runDir), folder.runDir, folder.run, folder.hyperparameters, folder.epochs);
}

/**
 * Every run under `folder` (recursively: runs folders `.modelstudio/runs/*`, sweep trials `.modelstudio/sweeps/*\/*`), newest first.
 * A reader that lists again and again (an open experiments table) passes the same `cache`: only what was appended to each index is parsed.
 */
export async function readRunRows(folder: string, cache: RunIndexCache = new RunIndexCache()): Promise<RunRow[]> {
  const runsFolders = await findRunsFolders(folder);
  const rows: RunRow[] = [];
  for (const runsDir of runsFolders) {
    for (const run of await readRunsFolder(runsDir, cache)) rows.push(rowOfIndexedRun(run));
  }
  return rows.sort(newestRowFirst);
}
