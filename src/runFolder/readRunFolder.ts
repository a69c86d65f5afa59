import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMetricRecord, isRunInfo } from '../protocol/guards';
import type { MetricRecord, RunInfo } from '../protocol/runTypes';
import { RUN_FILES } from './runFiles';

/**
 * Reading run folders (docs/architecture.md "The run folder"): the panels, the runs view and the
 * CLI all read runs through here. The trainer writes them (RunWriter).
 */

/** `<folder of the model file>/.modelstudio/runs`: the CLI and the editor agree on it from the model file alone. */
export function runsDirFor(modelFile: string): string {
  return path.join(path.dirname(modelFile), '.modelstudio', 'runs');
}

/**
 * The folders among `runDirs` that are runs of `modelFile`: those directly
 * in its runs folder. For paths that come back from a webview's saved
 * state, so the host reads only the model file's own runs on its word.
 */
export function runDirsOf(modelFile: string, runDirs: readonly string[]): string[] {
  const runsDir = runsDirFor(modelFile);
  return runDirs.filter((dir) => path.isAbsolute(dir) && path.dirname(path.normalize(dir)) === runsDir);
}

export async function readRun(runDir: string): Promise<RunInfo> {
  const file = path.join(runDir, RUN_FILES.run);
  const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
  if (!isRunInfo(value)) {
    throw new Error(`${file}: not a run.json written by Model Studio`);
  }
  return value;
}

/**
 * The records of metrics.jsonl in order. A last line without its newline is
 * one the trainer was writing (or was killed writing): it is skipped.
 */
export async function readMetrics(runDir: string): Promise<MetricRecord[]> {
  const file = path.join(runDir, RUN_FILES.metrics);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or the torn last line
  return lines.map((line, index) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (!isMetricRecord(value)) {
      throw new Error(`${file}:${index + 1}: not a metric record`);
    }
    return value;
  });
}

export interface RunEntry {
  readonly runDir: string;
  readonly run: RunInfo;
}

/**
 * What `read` makes of each folder under `parent`; folders it cannot read
 * (being created, or of another kind) are left out, and a missing `parent`
 * has none. Run folders and sweep folders are listed this way.
 */
export async function readChildFolders<T>(parent: string, read: (dir: string) => Promise<T>): Promise<T[]> {
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries = await Promise.all(names.map((name) => read(path.join(parent, name)).catch(() => undefined)));
  return entries.filter((entry): entry is Awaited<T> => entry !== undefined);
}

/** The runs under `runsDir`, newest first; folders without a readable run.json are left out. */
export async function listRuns(runsDir: string): Promise<RunEntry[]> {
  const entries = await readChildFolders(runsDir, async (runDir): Promise<RunEntry> => ({ runDir, run: await readRun(runDir) }));
  return entries.sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt) || b.run.id.localeCompare(a.run.id));
}

/**
 * Runs that ended with a saved final model: completed, or stopped (the
 * model is saved at the stop). Not a cross-validated run: its models are its folds'.
 */
export function isFinished(run: RunInfo): boolean {
  return (run.status === 'completed' || run.status === 'stopped') && run.crossValidation === undefined;
}

/** The newest finished run of `modelFile` (what `evaluate <model-file>` and Evaluate Model… use). */
export async function newestFinishedRun(modelFile: string): Promise<RunEntry | undefined> {
  const runs = await listRuns(runsDirFor(modelFile));
  // Runs of every model file of the folder share runsDir; a copied or moved folder keeps the file name.
  return (
    runs.find((entry) => isFinished(entry.run) && path.resolve(entry.run.modelFile) === path.resolve(modelFile)) ??
    runs.find((entry) => isFinished(entry.run) && path.basename(entry.run.modelFile) === path.basename(modelFile))
  );
}
