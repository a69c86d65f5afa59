import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEntry } from '../../runFolder/readRunFolder';
import { formatMetric } from '../../runFolder/runSummary';
import type { SweepInfo, TrialInfo } from '../../protocol/sweepTypes';
import { bestTrial, detectDeadSweep, readSweep } from '../../sweep/sweepFolder';
import { Command } from '../shared/commands';
import type { RunNode } from './runsView';

/** The Runs view's sweeps: a "Sweep <id>" item per sweep folder, its trials' runs under it. */

export const SWEEP_JSON_GLOB = '**/.modelstudio/sweeps/*/sweep.json';

export interface SweepNode {
  readonly kind: 'sweep';
  readonly modelFile: string;
  readonly dir: string;
  readonly sweep: SweepInfo;
  /** `interrupted`: sweep.json says running but no runner is alive (Resume Sweep continues it). */
  readonly status: SweepInfo['status'] | 'stopping' | 'interrupted';
  readonly trials: readonly RunNode[];
}

export function isSweepNode(value: unknown): value is SweepNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'sweep' &&
    typeof (value as { dir?: unknown }).dir === 'string'
  );
}

/** A sweep folder and its trials' run folders (read, not yet checked for dead trainers). */
export interface SweepEntry<E extends RunEntry = RunEntry> {
  readonly dir: string;
  readonly sweep: SweepInfo;
  readonly trials: readonly { readonly trial: TrialInfo; readonly entry: E }[];
}

/**
 * The sweeps in `dirs` with their trials' runs as the runs index read them
 * (`runs`, by folder); folders being written or not sweeps are left out,
 * and so are trials whose run folder has no run.json yet.
 */
export async function sweepEntries<E extends RunEntry>(dirs: readonly string[], runs: ReadonlyMap<string, E>): Promise<SweepEntry<E>[]> {
  const read = await Promise.all(
    dirs.map(async (dir): Promise<SweepEntry<E> | undefined> => {
      let sweep: SweepInfo;
      try {
        sweep = await readSweep(dir);
      } catch {
        return undefined;
      }
      const trials = sweep.trials.flatMap((trial) => {
        const entry = trial.runDir === undefined ? undefined : runs.get(path.join(dir, trial.runDir));
        return entry ? [{ trial, entry }] : [];
      });
      return { dir, sweep, trials };
    }),
  );
  return read.filter((e) => e !== undefined);
}

/** The status a sweep shows: this window's runner says running or stopping; a `running` sweep without a live runner is interrupted. */
export function sweepStatus(entry: SweepEntry, own: 'running' | 'stopping' | undefined): SweepNode['status'] {
  if (own !== undefined) return own;
  if (entry.sweep.status !== 'running') return entry.sweep.status;
  return detectDeadSweep(entry.sweep, Date.now()) === undefined ? 'running' : 'interrupted';
}

const ICONS: Record<SweepNode['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  stopping: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('testing.iconSkipped')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('testing.iconSkipped')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
};

/** "running · 5/12 trials · best val_accuracy 96.7%". */
export function describeSweep(sweep: SweepInfo, status: SweepNode['status']): string {
  const done = sweep.trials.filter((t) => t.status === 'completed' || t.status === 'pruned' || t.status === 'failed').length;
  const planned = Math.max(sweep.search.trials ?? sweep.trials.length, sweep.trials.length);
  const best = bestTrial(sweep);
  const value = best?.metrics?.[sweep.metric];
  return [
    status,
    `${done}/${planned} trials`,
    ...(value !== undefined ? [`best ${sweep.metric} ${formatMetric(sweep.metric, value)}`] : []),
  ].join(' · ');
}

export function sweepItem(node: SweepNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`Sweep ${node.sweep.id}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `sweep:${node.dir}`;
  item.description = describeSweep(node.sweep, node.status);
  item.iconPath = ICONS[node.status];
  // `sweep.running`, `sweep.interrupted`, …: the menus offer Stop Sweep or Resume Sweep.
  item.contextValue = `sweep.${node.status}`;
  item.tooltip = `${node.dir}\n${item.description}${node.status === 'interrupted' ? '\nIts runner is gone (the window was closed or reloaded): Resume Sweep continues it.' : ''}`;
  item.command = { command: Command.ShowSweep, title: 'Show Sweep', arguments: [node] };
  item.accessibilityInformation = { label: `Sweep ${node.sweep.id} of ${path.basename(node.modelFile)}, ${item.description}` };
  return item;
}

/** A trial's run item: "trial 3" and its values, rather than the start time. */
export function trialLabel(trial: TrialInfo): { label: string; values: string } {
  const values = Object.entries(trial.params)
    .map(
      ([key, value]) =>
        `${key.replace(/^(training|model)\./, '')}=${typeof value === 'number' ? Number(value.toPrecision(3)) : String(value)}`,
    )
    .join(', ');
  return { label: `trial ${trial.index + 1}`, values };
}
