import * as path from 'node:path';
import * as vscode from 'vscode';
import { modelName } from '../editor/modelFiles';
import { assertNever } from '../protocol/assertNever';
import {
  isEvaluationPanelState,
  isEvaluationToHost,
  type EvaluationRef,
  type EvaluationToHost,
  type HostToEvaluation,
} from '../protocol/evaluationMessages';
import type { Evaluation } from '../protocol/evaluationTypes';
import { evaluationLabel, evaluationsOf, findEvaluation } from '../runs/evaluations';
import { webviewHtml, webviewOptions } from './webviewHtml';

const VIEW_TYPE = 'modelStudio.evaluation';

interface Deps {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
}

/**
 * The evaluation panels, at most one per model file: shows an evaluation
 * (and optionally a second beside it) of any run of that file, read from
 * the runs' evaluation.json, and comes back after a reload.
 */
export class EvaluationPanels implements vscode.Disposable {
  private readonly panels = new Map<string, EvaluationPanel>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: Deps) {
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          if (!isEvaluationPanelState(state)) {
            panel.dispose();
            return;
          }
          this.adopt(panel, state.modelFile, state.primary, state.compare);
        },
      }),
    ];
  }

  /** Opens (or reveals) the panel of `modelFile` showing `primary`. */
  show(modelFile: string, primary: EvaluationRef): void {
    const existing = this.panels.get(modelFile);
    if (existing) {
      existing.panel.reveal(undefined, false);
      void existing.select(primary);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      titleFor(modelFile),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { ...webviewOptions(this.deps.extensionUri), retainContextWhenHidden: false },
    );
    this.adopt(panel, modelFile, primary, undefined);
  }

  private adopt(panel: vscode.WebviewPanel, modelFile: string, primary: EvaluationRef, compare: EvaluationRef | undefined): void {
    panel.title = titleFor(modelFile);
    panel.webview.options = webviewOptions(this.deps.extensionUri);
    const controller = new EvaluationPanel(panel, modelFile, primary, compare, this.deps);
    this.panels.set(modelFile, controller);
    panel.onDidDispose(() => {
      if (this.panels.get(modelFile) === controller) this.panels.delete(modelFile);
      controller.dispose();
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const p of this.panels.values()) p.panel.dispose();
  }
}

function titleFor(modelFile: string): string {
  return `Evaluation: ${modelName(modelFile)}`;
}

/** One panel's controller: reads the evaluations it shows and opens the examples clicked. */
class EvaluationPanel implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private ready = false;
  /** What is on screen, to check openSource requests against. */
  private shown: Evaluation[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly modelFile: string,
    private primary: EvaluationRef,
    private compare: EvaluationRef | undefined,
    private readonly deps: Deps,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'evaluation.svg');
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, 'evaluation.js', 'evaluation.css', 'Evaluation');
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!isEvaluationToHost(msg)) {
          deps.log.warn(`evaluation: dropped an unknown message ${JSON.stringify(msg)?.slice(0, 200)}`);
          return;
        }
        this.onMessage(msg).catch((error: unknown) => deps.log.error(`evaluation: ${String(error)}`));
      }),
    );
  }

  async select(primary: EvaluationRef): Promise<void> {
    this.primary = primary;
    if (this.compare && sameRef(this.compare, primary)) this.compare = undefined;
    await this.refresh();
  }

  private async onMessage(msg: EvaluationToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        await this.refresh();
        return;
      case 'select':
        await this.select(msg.ref);
        return;
      case 'compare':
        this.compare = msg.ref ?? undefined;
        await this.refresh();
        return;
      case 'openSource':
        await this.openSource(msg.file, msg.line);
        return;
      default:
        assertNever(msg);
    }
  }

  private async refresh(): Promise<void> {
    if (!this.ready) return;
    const names = { modelFile: this.modelFile, modelName: modelName(this.modelFile) };
    try {
      const [primary, compare, all] = await Promise.all([
        findEvaluation(this.primary.runDir, this.primary.evaluationId),
        this.compare ? findEvaluation(this.compare.runDir, this.compare.evaluationId) : Promise.resolve(undefined),
        evaluationsOf(this.modelFile),
      ]);
      if (!primary) {
        await this.post({ type: 'unavailable', ...names, message: `Evaluation ${this.primary.evaluationId} is not in ${path.join(this.primary.runDir, 'evaluation.json')} any more.` });
        return;
      }
      const choices = (all.some((e) => e.id === primary.id) ? all : [primary, ...all]).map((e) => ({ runDir: e.runDir, evaluationId: e.id, label: evaluationLabel(e) }));
      this.shown = compare ? [primary, compare] : [primary];
      await this.post({ type: 'show', ...names, choices, primary, ...(compare ? { compare } : {}) });
    } catch (error) {
      await this.post({ type: 'unavailable', ...names, message: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Opens a worst-prediction example: a table at its line, an image file
   * in VS Code's image viewer, an IDX file revealed in the Explorer (it is
   * binary). Only files the shown evaluations name: the webview is untrusted.
   */
  private async openSource(file: string, line: number | undefined): Promise<void> {
    const known = this.shown.some((e) => e.worst.some((w) => w.source.file === file));
    if (!known) {
      this.deps.log.warn(`evaluation: refused to open ${file}, which the shown evaluations do not name`);
      return;
    }
    const uri = vscode.Uri.file(file);
    // Beside the panel when it has the first column to itself, so it stays in view.
    const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
    if (line !== undefined) {
      const document = await vscode.workspace.openTextDocument(uri);
      const position = new vscode.Position(line - 1, 0);
      await vscode.window.showTextDocument(document, {
        viewColumn: column,
        selection: new vscode.Range(position, document.lineAt(line - 1).range.end),
        preview: true,
      });
      return;
    }
    if (/\.png$/i.test(file)) {
      await vscode.commands.executeCommand('vscode.open', uri, column);
      return;
    }
    await vscode.commands.executeCommand('revealInExplorer', uri);
  }

  private post(msg: HostToEvaluation): Thenable<boolean> {
    return this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

function sameRef(a: EvaluationRef, b: EvaluationRef): boolean {
  return a.runDir === b.runDir && a.evaluationId === b.evaluationId;
}
