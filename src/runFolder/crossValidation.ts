import * as path from 'node:path';
import type { FoldMetrics, RunInfo } from '../protocol/runTypes';
import { formatDuration } from './progress';
import { readRun, type RunEntry } from './readRunFolder';
import { formatMetric, runDuration } from './runSummary';

/**
 * A cross-validated run's folder holds its folds as ordinary run folders,
 * `folds/1` … `folds/k` (docs/architecture.md "The run folder"); its own
 * run.json sums them up (RunInfo.crossValidation).
 */
export const FOLDS_FOLDER = 'folds';

/** The folder of fold `index` (1-based) of the cross-validated run in `parentDir`. */
export function foldDir(parentDir: string, index: number): string {
  return path.join(parentDir, FOLDS_FOLDER, String(index));
}

/** The fold runs that have a readable run.json, in fold order, with their 1-based index. */
export async function listFolds(parentDir: string, foldCount: number): Promise<(RunEntry & { readonly fold: number })[]> {
  const folds = await Promise.all(
    Array.from({ length: foldCount }, async (_, i) => {
      const runDir = foldDir(parentDir, i + 1);
      try {
        return { runDir, run: await readRun(runDir), fold: i + 1 };
      } catch {
        return undefined; // not started yet, or being created
      }
    }),
  );
  return folds.filter((fold) => fold !== undefined);
}

/** A fold's result: its final validation metrics, and its test metrics as `test_<name>`. */
export function foldMetrics(run: RunInfo): FoldMetrics {
  return {
    ...run.validation,
    ...Object.fromEntries(Object.entries(run.test ?? {}).map(([name, value]) => [`test_${name}`, value])),
  };
}

/**
 * Per metric (those every fold has), the mean and the sample standard
 * deviation (n − 1: the folds are a sample of the ways to split the data;
 * 0 for a single fold) over the folds.
 */
export function summarizeFolds(folds: readonly FoldMetrics[]): { mean: FoldMetrics; std: FoldMetrics } {
  const names = folds.length === 0 ? [] : Object.keys(folds[0]).filter((name) => folds.every((fold) => name in fold));
  const mean: Record<string, number> = {};
  const std: Record<string, number> = {};
  for (const name of names) {
    const values = folds.map((fold) => fold[name]);
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    mean[name] = m;
    std[name] = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
  }
  return { mean, std };
}

/** The metric a cross-validated run is judged by: validation accuracy where there is one, else validation loss. */
export function mainFoldMetric(metrics: FoldMetrics): string | undefined {
  const names = Object.keys(metrics);
  return names.find((name) => name === 'val_accuracy' || name === 'val_acc') ?? names.find((name) => name === 'val_loss') ?? names[0];
}

/**
 * The Runs view's one-line description of a cross-validated run:
 * `val_accuracy 91.2% ± 1.3% · 5 folds · 1:05 · cpu` once its folds are
 * done, `fold 2/5 · …` before.
 */
export function describeCrossValidation(run: RunInfo, now: number): string {
  const cv = run.crossValidation;
  if (!cv) return '';
  const parts: string[] = [];
  const name = cv.mean && mainFoldMetric(cv.mean);
  if (cv.mean && cv.std && name !== undefined) {
    parts.push(`${name} ${formatMetric(name, cv.mean[name])} ± ${formatMetric(name, cv.std[name] ?? 0)}`, `${cv.foldCount} folds`);
  } else {
    parts.push(`fold ${Math.min(cv.folds.length + 1, cv.foldCount)}/${cv.foldCount}`);
  }
  const duration = runDuration(run, now);
  if (duration !== undefined) parts.push(formatDuration(duration / 1000));
  parts.push(run.backend);
  return parts.join(' · ');
}
