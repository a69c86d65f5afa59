import * as path from 'node:path';
import * as vscode from 'vscode';
import { modelName } from '../shared/modelFiles';
import { assertNever } from '../../protocol/assertNever';
import {
  isEvaluationPanelState,
  isEvaluationToHost,
  type EvaluationRef,
  type EvaluationToHost,
  type HostToEvaluation,
} from '../../protocol/evaluationMessages';
import type { Evaluation } from '../../protocol/evaluationTypes';
import { evaluationLabel, evaluationsOf, findEvaluation } from '../../runFolder/evaluations';
import { EvaluationExplainer } from './evaluationExplainer';
import { PanelController } from './panelController';
import { panelPage, PanelSet, type PanelDeps } from './panelSet';

const PAGE = panelPage('evaluation', 'Evaluation', 'Evaluation');

/** The panels also run explanations, in trainer processes. */
export interface EvaluationPanelDeps extends PanelDeps {
  /** Absolute path of dist/trainer.js. */
  readonly trainerPath: string;
}

/**
 * The evaluation panels, at most one per model file: shows an evaluation
 * (and optionally a second beside it) of any run of that file, read from
 * the runs' evaluation.json, and comes back after a reload.
 */
export class EvaluationPanels extends PanelSet<EvaluationPanel> {
  constructor(private readonly deps: EvaluationPanelDeps) {
    super(PAGE, deps.extensionUri, (state) =>
      isEvaluationPanelState(state)
        ? {
            modelFile: state.modelFile,
            controller: (panel) => new EvaluationPanel(panel, state.modelFile, state.primary, state.compare, deps),
          }
        : undefined,
    );
  }

  /** Opens (or reveals) the panel of `modelFile` showing `primary`. */
  show(modelFile: string, primary: EvaluationRef): void {
    const existing = this.controller(modelFile);
    this.open(modelFile, false, (panel) => new EvaluationPanel(panel, modelFile, primary, undefined, this.deps));
    if (existing) void existing.select(primary);
  }
}

/** One panel's controller: reads the evaluations it shows and opens the examples clicked. */
class EvaluationPanel extends PanelController<HostToEvaluation, EvaluationToHost> {
  /** What is on screen, to check openSource requests against. */
  private shown: Evaluation[] = [];
  private readonly explainer: EvaluationExplainer;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly modelFile: string,
    private primary: EvaluationRef,
    private compare: EvaluationRef | undefined,
    deps: EvaluationPanelDeps,
  ) {
    super(panel, isEvaluationToHost, deps.log, 'evaluation');
    this.explainer = this.register(new EvaluationExplainer(deps.trainerPath, deps.log, (msg) => this.post(msg)));
  }

  async select(primary: EvaluationRef): Promise<void> {
    this.primary = primary;
    if (this.compare && sameRef(this.compare, primary)) this.compare = undefined;
    await this.refresh();
  }

  protected async onMessage(msg: EvaluationToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
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
      case 'explain': {
        // Only evaluations on screen, and only their worst examples: the webview is untrusted.
        const evaluation = this.shown.find((e) => sameRef({ runDir: e.runDir, evaluationId: e.id }, msg.ref));
        const target = msg.target;
        if (!evaluation || (target.kind === 'example' && !evaluation.worst.some((w) => w.example === target.example))) {
          this.log.warn(`evaluation: refused to explain ${JSON.stringify(msg.target)} of ${msg.ref.runDir}, which the panel does not show`);
          return;
        }
        await this.explainer.explain(evaluation, this.modelFile, msg.ref, target);
        return;
      }
      case 'cancelExplain':
        this.explainer.cancel();
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
        await this.post({
          type: 'unavailable',
          ...names,
          message: `Evaluation ${this.primary.evaluationId} is not in ${path.join(this.primary.runDir, 'evaluation.json')} any more.`,
        });
        return;
      }
      const choices = (all.some((e) => e.id === primary.id) ? all : [primary, ...all]).map((e) => ({
        runDir: e.runDir,
        evaluationId: e.id,
        label: evaluationLabel(e),
      }));
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
      this.log.warn(`evaluation: refused to open ${file}, which the shown evaluations do not name`);
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
}

function sameRef(a: EvaluationRef, b: EvaluationRef): boolean {
  return a.runDir === b.runDir && a.evaluationId === b.evaluationId;
}
