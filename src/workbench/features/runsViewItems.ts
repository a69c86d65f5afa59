import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeCrossValidation } from '../../runFolder/crossValidation';
import { formatDuration } from '../../runFolder/progress';
import { describeRunLine, formatMetric, runDuration, runLabel } from '../../runFolder/runSummary';
import type { DayNode, MoreNode, RunNode, RunsNode } from './runsView';
import { trialLabel } from './sweepNodes';
import { slurmStatusLabel } from '../../slurm/jobStatus';
import { escapeMarkdown as escape, slurmIcon, slurmTooltip } from './slurmNodes';

// The Runs view's tree items: how a model file, a run, a fold and a trial look.

export function modelItem(node: Extract<RunsNode, { kind: 'model' }>): vscode.TreeItem {
  const uri = vscode.Uri.file(node.modelFile);
  const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `model:${node.modelFile}`;
  item.label = path.basename(node.modelFile);
  const folder = vscode.workspace.asRelativePath(path.dirname(node.modelFile), true);
  const sweeps = node.sweeps.length === 0 ? '' : ` · ${node.sweeps.length} sweep${node.sweeps.length === 1 ? '' : 's'}`;
  // A Slurm job not started yet is a run to come.
  const runs = node.runs.length + node.jobs.length;
  item.description = `${runs} run${runs === 1 ? '' : 's'}${sweeps}${folder && folder !== path.dirname(node.modelFile) ? ` · ${folder}` : ''}`;
  item.iconPath = vscode.ThemeIcon.File;
  item.contextValue = 'modelFile';
  item.tooltip = node.modelFile;
  return item;
}

/** The "show more" item's command: registered by the view, not contributed (it has no meaning in the palette). */
export const SHOW_MORE_RUNS = 'modelStudio.runs.showMore';

/** A day of a long list of runs: "Today · 120 runs". */
export function dayItem(node: DayNode): vscode.TreeItem {
  const item = new vscode.TreeItem(
    node.label,
    node.newest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = `day:${node.modelFile}:${node.day}`;
  const running = node.runs.filter((run) => run.status === 'running').length;
  item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}${running > 0 ? ` · ${running} running` : ''}`;
  item.iconPath = new vscode.ThemeIcon('calendar');
  item.contextValue = 'runsDay';
  item.accessibilityInformation = { label: `Runs of ${path.basename(node.modelFile)} started ${node.label}, ${item.description}` };
  return item;
}

/** "Show 50 more…" at the end of a day's page of runs. */
export function moreItem(node: MoreNode, next: number): vscode.TreeItem {
  const item = new vscode.TreeItem(`Show ${next} more…`, vscode.TreeItemCollapsibleState.None);
  item.id = `more:${node.modelFile}:${node.day}`;
  item.description = `${node.hidden} older`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.contextValue = 'runsMore';
  item.command = { command: SHOW_MORE_RUNS, title: 'Show More Runs', arguments: [node] };
  item.accessibilityInformation = { label: `Show ${next} more runs, ${node.hidden} older not shown` };
  return item;
}

const STATUS_ICONS: Record<RunNode['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('testing.iconSkipped')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
};

const PRUNED_ICON = new vscode.ThemeIcon('filter', new vscode.ThemeColor('testing.iconSkipped'));

export function runItem(node: RunNode, now: number): vscode.TreeItem {
  const { run } = node;
  const trial = node.trial && trialLabel(node.trial);
  // A run the person renamed shows its name, with its start first in the description.
  const renamed = node.fold === undefined && !trial && run.label ? run.label : undefined;
  const label = node.fold !== undefined ? `fold ${node.fold}` : (trial?.label ?? renamed ?? runLabel(run, now));
  const item = new vscode.TreeItem(label, node.folds ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `run:${node.runDir}`;
  item.description = run.crossValidation
    ? describeCrossValidation(run, now)
    : trial
      ? `${node.trial?.status === 'pruned' ? 'pruned · ' : ''}${trial.values} · ${describeRunLine(run, node.best, now)}`
      : describeRunLine(run, node.best, now);
  if (renamed) item.description = `${runLabel(run, now)} · ${item.description}`;
  const slurm = node.slurm && slurmStatusLabel(node.slurm);
  if (slurm) item.description = `${slurm} · ${item.description}`;
  // A pruned trial's run ended stopped: its icon says the sweep stopped it.
  item.iconPath = node.trial?.status === 'pruned' ? PRUNED_ICON : node.slurm ? slurmIcon(node.slurm) : STATUS_ICONS[node.status];
  // `run.completed`, `run.running`, …: menus hide Delete for a running run. A cross-validated run
  // (`run.<status>.folds`) has no model to evaluate; a fold (`fold.<status>`) is deleted and resumed with its run.
  // A Slurm run (`….slurm`) is stopped through its job, and resumed here or on Slurm.
  item.contextValue =
    node.fold !== undefined ? `fold.${node.status}` : `run.${node.status}${node.folds ? '.folds' : ''}${node.slurm ? '.slurm' : ''}`;
  item.resourceUri = vscode.Uri.file(node.runDir);
  item.accessibilityInformation = {
    label: `Run ${label} of ${path.basename(node.modelFile)}, ${node.status}, ${item.description}`,
  };

  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escape(run.id)}** — $(${STATUS_ICONS[node.status].id}) ${node.status}\n\n`);
  const rows: [string, string][] = [['started', new Date(run.startedAt).toLocaleString()]];
  const duration = runDuration(run, now);
  if (duration !== undefined) rows.push(['duration', formatDuration(duration / 1000)]);
  rows.push(['epochs', String(run.epochs)], ['backend', run.backend]);
  for (const skip of run.backendSkipped) rows.push([`skipped ${skip.backend}`, skip.reason]);
  if (node.best) rows.push([`best ${node.best.name}`, `${formatMetric(node.best.name, node.best.value)} (epoch ${node.best.epoch})`]);
  for (const [name, value] of Object.entries(run.test ?? {})) rows.push([`test ${name}`, formatMetric(name, value)]);
  const { mean, std } = run.crossValidation ?? {};
  for (const [name, value] of Object.entries(mean ?? {}))
    rows.push([name, `${formatMetric(name, value)} ± ${formatMetric(name, std?.[name] ?? 0)}`]);
  if (node.trial) rows.push([`trial ${node.trial.index + 1}`, `${node.trial.status}${node.trial.reason ? `: ${node.trial.reason}` : ''}`]);
  if (run.error) rows.push(['error', run.error.message]);
  if (run.tags && run.tags.length > 0) rows.push(['tags', run.tags.join(', ')]);
  if (run.notes) rows.push(['notes', run.notes]);
  if (node.status === 'interrupted')
    rows.push(['note', 'run.json says running, but no trainer process is: the window was closed or the trainer killed']);
  for (const [term, value] of rows) tip.appendMarkdown(`${escape(term)}: ${escape(value)}  \n`);
  item.tooltip = node.slurm && slurm ? slurmTooltip(run.id, slurm, node.slurm, rows) : tip;
  return item;
}

/** An item's label as text. */
export function itemLabel(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}
