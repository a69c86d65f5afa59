import * as path from 'node:path';
import { formatParamPath } from '../modelFile/paramKey';
import { monitorMode } from '../modelFile/metricMode';
import type { ParamValue, RunRow } from '../protocol/runRow';
import { LEARNING_RATE_KEY, type RunInfo } from '../protocol/runTypes';

/**
 * A run as one row (RunRow), from what its folder holds: pure, so that the
 * runs index, `runs --json`, the experiments table and the Runs view agree.
 */

/** What a run's epoch records say, per metric: the last epoch's value, the best value and the epoch it came at. */
export interface EpochSummary {
  readonly final: Readonly<Record<string, number>>;
  readonly best: Readonly<Record<string, number>>;
  readonly bestEpoch: Readonly<Record<string, number>>;
  /** Epoch records read. */
  readonly epochs: number;
}

export const NO_EPOCHS: EpochSummary = { final: {}, best: {}, bestEpoch: {}, epochs: 0 };

/** Keys of an epoch record that are not metrics of the model. */
const NOT_METRICS = new Set(['epoch', 'batch', 'time', LEARNING_RATE_KEY]);

/**
 * The epoch records of metrics.jsonl's text, summed up per metric (best by
 * monitorMode: highest for accuracy-like metrics, lowest for losses).
 * Batch records are skipped without parsing; a torn or broken line is
 * skipped too: the index is a summary, the panel reads the file strictly.
 */
export function summarizeMetricsText(text: string): EpochSummary {
  const final: Record<string, number> = {};
  const best: Record<string, number> = {};
  const bestEpoch: Record<string, number> = {};
  let epochs = 0;
  let last: Record<string, unknown> | undefined;
  for (const line of text.split('\n')) {
    // JSON.stringify writes an epoch record's `"batch":null` exactly so; batch records are most lines.
    if (!line.includes('"batch":null')) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null || (record as { batch?: unknown }).batch !== null) continue;
    const values = record as Record<string, unknown>;
    const epoch = typeof values.epoch === 'number' ? values.epoch : epochs + 1;
    epochs++;
    last = values;
    for (const [name, value] of Object.entries(values)) {
      if (NOT_METRICS.has(name) || typeof value !== 'number' || !Number.isFinite(value)) continue;
      const higher = monitorMode(name) === 'max';
      const before = best[name];
      if (before === undefined || (higher ? value > before : value < before)) {
        best[name] = value;
        bestEpoch[name] = epoch;
      }
    }
  }
  for (const [name, value] of Object.entries(last ?? {})) {
    if (!NOT_METRICS.has(name) && typeof value === 'number' && Number.isFinite(value)) final[name] = value;
  }
  return { final, best, bestEpoch, epochs };
}

/**
 * The scalar leaves of spec.json by their path as the `search` block writes
 * it (`training.learningRate`, `model.layers[0].units`); the `search` block
 * itself is left out: it says what a sweep varies, not what this run used.
 */
export function specHyperparameters(spec: unknown): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  const visit = (value: unknown, at: (string | number)[]): void => {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      if (at.length > 0) params[formatParamPath(at)] = value;
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...at, index]));
    } else if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (at.length === 0 && key === 'search') continue;
        visit(item, [...at, key]);
      }
    }
  };
  visit(spec, []);
  return params;
}

/**
 * The model file a run belongs to: the file of run.json's name in the folder
 * holding `.modelstudio/runs/<id>/` or `.modelstudio/sweeps/<sweep>/<id>/`.
 * From where the folder is rather than run.json's absolute path, so a moved
 * or copied workspace keeps its runs under its own files.
 */
export function modelFileOf(runsDir: string, run: RunInfo): string {
  const parent = path.dirname(runsDir);
  if (path.basename(runsDir) === 'runs' && path.basename(parent) === '.modelstudio') {
    return path.join(path.dirname(parent), path.basename(run.modelFile));
  }
  const grandparent = path.dirname(parent);
  if (path.basename(parent) === 'sweeps' && path.basename(grandparent) === '.modelstudio') {
    return path.join(path.dirname(grandparent), path.basename(run.modelFile));
  }
  return run.modelFile;
}

/** Seconds from start to end, or to the last heartbeat while running; null when unknown. */
export function rowDuration(run: RunInfo): number | null {
  const start = Date.parse(run.startedAt);
  const end = Date.parse(run.endedAt ?? (run.status === 'running' ? (run.heartbeatAt ?? '') : ''));
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : null;
}

/**
 * A cross-validated run has no epochs of its own: its row shows the mean
 * over its folds, `val_` metrics as final and `test_` ones as test.
 */
function crossValidatedMetrics(run: RunInfo): { final: Record<string, number>; test: Record<string, number> } {
  const final: Record<string, number> = {};
  const test: Record<string, number> = { ...run.test };
  for (const [name, value] of Object.entries(run.crossValidation?.mean ?? {})) {
    if (name.startsWith('test_')) test[name.slice('test_'.length)] = value;
    else final[name] = value;
  }
  return { final, test };
}

/** The row of the run in `runDir` (inside the runs folder `runsDir`). */
export function runRowOf(
  runsDir: string,
  runDir: string,
  run: RunInfo,
  hyperparameters: Readonly<Record<string, ParamValue>>,
  epochs: EpochSummary,
): RunRow {
  const cv = run.crossValidation ? crossValidatedMetrics(run) : undefined;
  return {
    id: run.id,
    runDir,
    modelFile: modelFileOf(runsDir, run),
    name: run.label ?? run.name,
    status: run.status,
    started: run.startedAt,
    duration: rowDuration(run),
    backend: run.backend,
    epochs: run.epochs,
    epochsDone: run.epochsDone ?? (run.crossValidation ? null : epochs.epochs),
    executor: run.executor?.type ?? null,
    hyperparameters,
    final: cv ? cv.final : epochs.final,
    best: cv ? {} : epochs.best,
    test: cv ? cv.test : { ...run.test },
    notes: run.notes ?? '',
    tags: run.tags ?? [],
    parent: run.parent ?? null,
  };
}

/** Newest first: by start, then by id (two runs of one second). */
export function newestRowFirst(a: RunRow, b: RunRow): number {
  return b.started.localeCompare(a.started) || b.id.localeCompare(a.id);
}
