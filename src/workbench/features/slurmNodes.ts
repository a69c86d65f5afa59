import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobFolder } from '../../slurm/jobFolder';
import { isPending, slurmStatusLabel } from '../../slurm/jobStatus';
import { slurmRows } from './slurmRunText';

/**
 * The Runs view's Slurm jobs whose trainer has not started (no run.json
 * yet: queued, starting, or ended before it trained), and how a Slurm run
 * looks: a cloud icon coloured by its state, Slurm's word for it.
 */

export interface JobNode {
  readonly kind: 'job';
  readonly modelFile: string;
  readonly runDir: string;
  readonly folder: JobFolder;
}

export function isJobNode(value: unknown): value is JobNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'job' &&
    typeof (value as { runDir?: unknown }).runDir === 'string'
  );
}

/** The model file a job trains, as the Runs view groups it. */
export function jobModelFile(folder: JobFolder): string {
  return folder.job.request.modelFile;
}

const CLOUD_COLOURS = {
  waiting: new vscode.ThemeColor('charts.yellow'),
  running: new vscode.ThemeColor('charts.blue'),
  completed: new vscode.ThemeColor('testing.iconPassed'),
  stopped: new vscode.ThemeColor('testing.iconSkipped'),
  failed: new vscode.ThemeColor('testing.iconFailed'),
} as const;

/** The cloud of a Slurm run or job, coloured as the local runs' icons are for the same state. */
export function slurmIcon(folder: JobFolder): vscode.ThemeIcon {
  const { run } = folder;
  const colour = run
    ? run.status === 'running'
      ? CLOUD_COLOURS.running
      : CLOUD_COLOURS[run.status]
    : isPending(folder)
      ? CLOUD_COLOURS.waiting
      : CLOUD_COLOURS.failed;
  return new vscode.ThemeIcon('cloud', colour);
}

export function jobItem(node: JobNode): vscode.TreeItem {
  const { folder } = node;
  const label = slurmStatusLabel(folder);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `job:${node.runDir}`;
  item.description = `Slurm job ${folder.job.jobId ?? '…'} · ${path.basename(node.runDir)}`;
  item.iconPath = slurmIcon(folder);
  // `job.pending` offers Stop (scancel); `job.ended` Delete.
  item.contextValue = isPending(folder) ? 'job.pending' : 'job.ended';
  item.resourceUri = vscode.Uri.file(node.runDir);
  item.accessibilityInformation = { label: `Slurm job of ${path.basename(node.modelFile)}, ${label}, ${item.description}` };
  item.tooltip = slurmTooltip(path.basename(node.runDir), label, folder);
  return item;
}

/** The tooltip of a Slurm job or run: its folder, Slurm's word, then extra rows (a run's) and the job's. */
export function slurmTooltip(
  title: string,
  label: string,
  folder: JobFolder,
  rows: readonly [string, string][] = [],
): vscode.MarkdownString {
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escapeMarkdown(title)}** — $(cloud) ${escapeMarkdown(label)}\n\n`);
  for (const [term, value] of [...rows, ...slurmRows(folder)]) tip.appendMarkdown(`${escapeMarkdown(term)}: ${escapeMarkdown(value)}  \n`);
  return tip;
}

/** Text from run folders (error messages, reasons) shown as Markdown: escaped so it cannot run commands or inject links. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, '\\$&');
}
