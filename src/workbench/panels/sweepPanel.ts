import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever } from '../../protocol/assertNever';
import {
  isSweepPanelState,
  isSweepPanelToHost,
  type HostToSweepPanel,
  type SweepPanelToHost,
  type SweepView,
  type TrialCurves,
} from '../../protocol/sweepPanelMessages';
import type { SweepInfo } from '../../protocol/sweepTypes';
import { readMetrics } from '../../runFolder/readRunFolder';
import { bestTrial, detectDeadSweep, readSweep, SWEEP_FILE } from '../../sweep/sweepFolder';
import { Command } from '../shared/commands';
import { modelFileCode } from '../shared/modelFileCode';
import { modelName } from '../shared/modelFiles';
import type { SweepController } from '../services/sweepController';
import type { TrainingPanels } from './trainingPanel';
import { PanelController } from './panelController';
import { panelPage, PanelSet, type PanelDeps } from './panelSet';

interface Deps extends PanelDeps {
  readonly sweeps: SweepController;
  readonly training: TrainingPanels;
}

/** The tab says "Sweep: <sweep id>": one panel per sweep folder. */
const PAGE = panelPage('sweep', 'Sweep', 'Sweep');

/**
 * The sweep panels, at most one per sweep folder: opens or reveals them,
 * restores them after a reload, and routes the runner's news to the panel
 * of its sweep.
 */
export class SweepPanels extends PanelSet<SweepPanel> {
  constructor(private readonly deps: Deps) {
    super(PAGE, deps.extensionUri, (state) =>
      isSweepPanelState(state)
        ? { modelFile: state.sweepDir, controller: (panel) => new SweepPanel(panel, state.sweepDir, deps) }
        : undefined,
    );
    this.register(deps.sweeps.onDidChange(({ dir, sweep }) => this.controller(dir)?.show(sweep)));
  }

  /** Shows the sweep in `sweepDir` (`.modelstudio/sweeps/<id>`). */
  createOrShow(sweepDir: string, preserveFocus = false): void {
    this.open(sweepDir, preserveFocus, (panel) => new SweepPanel(panel, sweepDir, this.deps));
  }
}

/** How long the panel waits after sweep.json changes before reading it (the runner writes it on every trial event). */
const READ_AFTER_MS = 150;

/** One sweep's panel: posts sweep.json as it changes, the selected trials' curves, and writes the best values into the model file. */
class SweepPanel extends PanelController<HostToSweepPanel, SweepPanelToHost> {
  private sweep: SweepInfo | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly sweepDir: string,
    private readonly deps: Deps,
  ) {
    super(panel, isSweepPanelToHost, deps.log, 'sweep panel');
    // A sweep run by the CLI or another window: its runner writes sweep.json.
    this.watchFile(path.join(sweepDir, SWEEP_FILE), () => this.scheduleRead(), { createAndDelete: true });
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  private scheduleRead(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.read(), READ_AFTER_MS);
  }

  private async read(): Promise<void> {
    try {
      await this.show(await readSweep(this.sweepDir));
    } catch (error) {
      // The runner reports a sweep just before its first sweep.json lands: its next report shows it.
      if (this.deps.sweeps.state(this.sweepDir) !== undefined) return;
      await this.post({ type: 'notice', level: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Posts the sweep as sweep.json now says. */
  async show(sweep: SweepInfo): Promise<void> {
    this.sweep = sweep;
    if (!this.ready) return;
    // A Slurm sweep has no runner process: the window showing it follows it (and prunes).
    if (sweep.executor && sweep.status === 'running') this.deps.sweeps.follow(this.sweepDir);
    const own = this.deps.sweeps.state(this.sweepDir);
    const state: SweepView['state'] =
      own ?? (sweep.status !== 'running' ? 'ended' : detectDeadSweep(sweep, Date.now()) === undefined ? 'running' : 'interrupted');
    const best = bestTrial(sweep);
    await this.post({
      type: 'sweep',
      view: { modelName: modelName(sweep.modelFile), sweepDir: this.sweepDir, sweep, state, ...(best ? { best: best.index } : {}) },
    });
  }

  protected async onMessage(msg: SweepPanelToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        await this.read();
        return;
      case 'select':
        await this.post({ type: 'curves', trials: await this.curves(msg.trials) });
        return;
      case 'applyBest':
        await this.applyBest();
        return;
      case 'stop':
        if (!this.deps.sweeps.stop(this.sweepDir)) await this.read();
        return;
      case 'resume':
        await vscode.commands.executeCommand(Command.ResumeSweep, vscode.Uri.file(this.sweepDir));
        return;
      case 'openTrial': {
        const trial = this.sweep?.trials.find((t) => t.index === msg.index);
        if (this.sweep && trial?.runDir) {
          this.deps.training.compare(vscode.Uri.file(this.sweep.modelFile), [path.join(this.sweepDir, trial.runDir)]);
        }
        return;
      }
      default:
        assertNever(msg);
    }
  }

  /** Epoch records of the trials that have a run folder. */
  private async curves(indices: readonly number[]): Promise<TrialCurves[]> {
    const trials = this.sweep?.trials.filter((t) => indices.includes(t.index) && t.runDir !== undefined) ?? [];
    const read = await Promise.all(
      trials.map(async (t): Promise<TrialCurves | undefined> => {
        try {
          const records = await readMetrics(path.join(this.sweepDir, t.runDir as string));
          return { index: t.index, records: records.filter((r) => r.batch === null) };
        } catch {
          return undefined; // a trial whose folder is being created
        }
      }),
    );
    return read.filter((c) => c !== undefined);
  }

  /** The best trial's values into the model file: one WorkspaceEdit of the values' bytes, one undo step, comments kept. */
  private async applyBest(): Promise<void> {
    const sweep = this.sweep;
    const best = sweep && bestTrial(sweep);
    if (!sweep || !best) {
      await this.post({ type: 'notice', level: 'error', message: 'No trial has a value of the metric yet.' });
      return;
    }
    const uri = vscode.Uri.file(sweep.modelFile);
    const { paramEdits } = await modelFileCode();
    let document: vscode.TextDocument;
    let edits;
    try {
      document = await vscode.workspace.openTextDocument(uri);
      edits = paramEdits(uri.fsPath, document.getText(), best.params);
    } catch (error) {
      await this.post({
        type: 'notice',
        level: 'error',
        message: `The file was not changed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return;
    }
    const values = Object.entries(best.params)
      .map(([key, value]) => `${key} = ${String(value)}`)
      .join(', ');
    if (edits.length === 0) {
      await this.post({
        type: 'notice',
        level: 'info',
        message: `The model file already has trial ${best.index + 1}'s values (${values}).`,
      });
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.set(
      uri,
      edits.map(
        (e) => new vscode.TextEdit(new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.newText),
      ),
    );
    if (!(await vscode.workspace.applyEdit(edit))) {
      await this.post({
        type: 'notice',
        level: 'error',
        message: 'The file was not changed: VS Code refused the edit (is the file read-only?).',
      });
      return;
    }
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: true });
    await this.post({
      type: 'notice',
      level: 'info',
      message: `Applied trial ${best.index + 1}'s values to ${path.basename(uri.fsPath)}: ${values}. Undo in the editor takes them back; save to keep them.`,
    });
  }
}
