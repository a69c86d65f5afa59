import * as path from 'node:path';
import { LEARNING_RATE_KEY, type MetricRecord, type RunInfo } from '../protocol/runTypes';
import { formatDuration } from './progress';
import type { RunEntry } from './readRunFolder';
import { monitorMode } from '../modelFile/metricMode';
import type { EpochSummary } from './runRows';

/**
 * What the Runs view shows about runs, computed from run folders alone
 * (pure: no VS Code, no file system), so runs made with the CLI read the
 * same as runs made in the editor.
 */

/** A model file and its runs, newest first. */
export interface RunGroup<E extends RunEntry = RunEntry> {
  readonly modelFile: string;
  readonly runs: readonly E[];
}

/**
 * The model file a run belongs to: the file of run.json's name in the folder
 * that holds `.modelstudio/runs/<id>/`. Taken from where the run folder is,
 * not from run.json's absolute path alone, so a workspace that was moved or
 * copied still groups its runs under its own files.
 */
export function modelFileOfRun(entry: RunEntry): string {
  const runs = path.dirname(entry.runDir);
  const modelDir = path.dirname(path.dirname(runs));
  const inStandardPlace = path.basename(runs) === 'runs' && path.basename(path.dirname(runs)) === '.modelstudio';
  return inStandardPlace ? path.join(modelDir, path.basename(entry.run.modelFile)) : entry.run.modelFile;
}

/** Runs grouped by model file (sorted by path), each group newest first. */
export function groupRuns<E extends RunEntry>(entries: readonly E[]): RunGroup<E>[] {
  const groups = new Map<string, E[]>();
  for (const entry of entries) {
    const file = modelFileOfRun(entry);
    let list = groups.get(file);
    if (!list) groups.set(file, (list = []));
    list.push(entry);
  }
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([modelFile, runs]) => ({ modelFile, runs: [...runs].sort(newestFirst) }));
}

function newestFirst(a: RunEntry, b: RunEntry): number {
  return b.run.startedAt.localeCompare(a.run.startedAt) || b.run.id.localeCompare(a.run.id);
}

/** More is better (accuracy, precision, recall, AUC); losses and errors are better lower: the trainer's rule. */
export function higherIsBetter(metric: string): boolean {
  return monitorMode(metric) === 'max';
}

/** The best value a run reached of one metric, and when. */
export interface BestMetric {
  readonly name: string;
  readonly value: number;
  readonly epoch: number;
}

/**
 * The best validation value of the run's headline metric over its epoch
 * records: `val_<first metric>` (e.g. val_accuracy, highest), else
 * `val_loss` (lowest); without a validation set, the same on the training
 * metrics. Undefined before the first epoch ends.
 */
export function bestMetric(records: readonly MetricRecord[]): BestMetric | undefined {
  const epochs = records.filter((r) => r.batch === null);
  if (epochs.length === 0) return undefined;
  const names: string[] = [];
  for (const record of epochs) {
    for (const [key, value] of Object.entries(record)) {
      if (['epoch', 'batch', 'time', LEARNING_RATE_KEY].includes(key) || typeof value !== 'number' || names.includes(key)) continue;
      names.push(key);
    }
  }
  const name = headlineMetric(names);
  if (name === undefined) return undefined;
  const higher = higherIsBetter(name);
  let best: BestMetric | undefined;
  for (const record of epochs) {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (best === undefined || (higher ? value > best.value : value < best.value)) best = { name, value, epoch: record.epoch };
  }
  return best;
}

/** bestMetric from the runs index's summary of the epoch records, without reading metrics.jsonl. */
export function bestOfSummary(epochs: EpochSummary): BestMetric | undefined {
  const name = headlineMetric(Object.keys(epochs.best));
  const value = name === undefined ? undefined : epochs.best[name];
  const epoch = name === undefined ? undefined : epochs.bestEpoch[name];
  return name !== undefined && value !== undefined && epoch !== undefined ? { name, value, epoch } : undefined;
}

/**
 * The metric a run is judged by, among the epoch metrics `names` (in the
 * order they first appear): `val_<first metric>` (e.g. val_accuracy), else
 * `val_loss`; without a validation set, the same on the training metrics.
 */
export function headlineMetric(names: readonly string[]): string | undefined {
  const metrics = names.filter((n) => !n.startsWith('val_') && n !== 'loss');
  const candidates = [...metrics.map((m) => `val_${m}`), 'val_loss', ...metrics, 'loss'];
  return candidates.find((c) => names.includes(c));
}

/** How long a run took, or has taken so far at `now` (Unix ms) if it is still running. */
export function runDuration(run: RunInfo, now: number): number | undefined {
  const start = Date.parse(run.startedAt);
  const end = run.endedAt !== undefined ? Date.parse(run.endedAt) : run.status === 'running' ? now : NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : undefined;
}

/** A metric value in a line of text: 4 significant digits, `91.2%` for accuracies. */
export function formatMetric(name: string, value: number): string {
  if (/acc|accuracy/i.test(name) && value >= 0 && value <= 1) return `${(value * 100).toFixed(1)}%`;
  return value.toPrecision(4);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A run's short name: its start in local time, `14:03:27` on the day of
 * `now`, else `Nov 23 14:03:27`; the run id when run.json's start is unreadable.
 */
export function runLabel(run: RunInfo, now: number): string {
  const start = new Date(run.startedAt);
  if (Number.isNaN(start.getTime())) return run.id;
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(start.getHours())}:${pad(start.getMinutes())}:${pad(start.getSeconds())}`;
  const today = new Date(now);
  const sameDay =
    start.getFullYear() === today.getFullYear() && start.getMonth() === today.getMonth() && start.getDate() === today.getDate();
  return sameDay ? time : `${MONTHS[start.getMonth()]} ${start.getDate()} ${time}`;
}

/**
 * The Runs view's one-line description of a run:
 * `val_accuracy 91.2% · 1:05 · wasm`, parts left out when unknown.
 */
export function describeRunLine(run: RunInfo, best: BestMetric | undefined, now: number): string {
  const parts: string[] = [];
  if (best) parts.push(`${best.name} ${formatMetric(best.name, best.value)}`);
  const duration = runDuration(run, now);
  if (duration !== undefined) parts.push(formatDuration(duration / 1000));
  parts.push(run.backend);
  return parts.join(' · ');
}
