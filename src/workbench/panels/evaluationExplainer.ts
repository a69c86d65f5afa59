import * as vscode from 'vscode';
import { EvaluatorError, startExplain, type EvaluatorTask } from '../../host/evaluatorProcess';
import type { EvaluationRef, ExplainTarget, HostToEvaluation } from '../../protocol/evaluationMessages';
import type { Evaluation, EvaluationProgress } from '../../protocol/evaluationTypes';
import type { ExplainResult } from '../../protocol/explainTypes';
import { explainSteps } from '../../host/explainSteps';
import { workspaceRootFor } from '../shared/modelFiles';
import { restrictedModeMessage } from '../shared/trust';

function progressText(label: string, progress: EvaluationProgress | undefined): string {
  if (!progress || progress.total <= 0) return `${label}…`;
  return `${label}: ${progress.phase} ${progress.done.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')}…`;
}

/**
 * Runs the explanations an evaluation panel asks for, one at a time, each
 * in trainer processes (never in the extension host), and posts their
 * progress and outcome to the panel. A new request cancels the one running.
 */
export class EvaluationExplainer implements vscode.Disposable {
  private task: EvaluatorTask<ExplainResult> | undefined;
  /** Counts requests, so a replaced request's late messages are not posted. */
  private generation = 0;
  /** Set by cancel() between two tasks of a request, so the second one does not start. */
  private cancelled = false;

  constructor(
    private readonly trainerPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly post: (msg: HostToEvaluation) => Thenable<boolean>,
  ) {}

  async explain(evaluation: Evaluation, modelFile: string, ref: EvaluationRef, target: ExplainTarget): Promise<void> {
    this.cancel();
    this.cancelled = false;
    const generation = ++this.generation;
    const current = (): boolean => generation === this.generation;
    if (!vscode.workspace.isTrusted) {
      await this.post({
        type: 'explainFailed',
        ref,
        target,
        cancelled: false,
        message: restrictedModeMessage('Explaining', 'explain'),
      });
      return;
    }
    const results: ExplainResult[] = [];
    const notes: string[] = [];
    try {
      for (const step of explainSteps(evaluation, workspaceRootFor(vscode.Uri.file(modelFile)), target)) {
        await this.post({ type: 'explainProgress', ref, target, message: progressText(step.label, undefined) });
        if (!current()) return;
        if (this.cancelled) throw new EvaluatorError('cancelled', true);
        this.task = startExplain(step.request, {
          trainerPath: this.trainerPath,
          onProgress: (progress) => {
            if (current()) void this.post({ type: 'explainProgress', ref, target, message: progressText(step.label, progress) });
          },
          onStderr: (text) => this.log.debug(`explainer: ${text.trimEnd()}`),
        });
        try {
          results.push(await this.task.result);
        } catch (error) {
          if (!step.optional || (error instanceof EvaluatorError && error.cancelled) || results.length === 0) throw error;
          notes.push(`${step.label.replace(/ \(.*\)$/, '')}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (!current()) return;
      this.task = undefined;
      this.log.info(`explained run ${evaluation.runId} (${results.map((r) => r.method).join(', ')}) on ${evaluation.dataset.description}`);
      await this.post({ type: 'explained', ref, target, results, ...(notes.length > 0 ? { notes } : {}) });
    } catch (error) {
      if (!current()) return;
      this.task = undefined;
      const cancelled = error instanceof EvaluatorError && error.cancelled;
      const message = error instanceof Error ? error.message : String(error);
      if (!cancelled) this.log.warn(`explain run ${evaluation.runId}: ${message}`);
      await this.post({ type: 'explainFailed', ref, target, message, cancelled });
    }
  }

  /** Ends the running request: an explanation writes nothing, so its process is killed; its failure (cancelled) reaches the panel. */
  cancel(): void {
    this.cancelled = true;
    // The first cancel asks the process to stop, the second kills it.
    this.task?.cancel();
    this.task?.cancel();
  }

  /** The panel closed: nobody waits for the result. */
  dispose(): void {
    this.generation++;
    this.cancel();
  }
}
