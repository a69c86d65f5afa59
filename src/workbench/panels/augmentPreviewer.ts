import type * as vscode from 'vscode';
import { EvaluatorError, startAugmentPreview, type EvaluatorTask } from '../../host/evaluatorProcess';
import type { AugmentPreview } from '../../protocol/augmentTypes';
import type { HostToHyperparameters } from '../../protocol/hyperparametersMessages';
import { isObject } from '../../protocol/primitiveGuards';

/** After the last change of the augmentation keys, so that typing "15" draws once, not for "1" and again for "15". */
const DEBOUNCE_MS = 400;

/**
 * The hyperparameters form's augmentation preview: asks a trainer process
 * for one training image and eight augmented versions of it whenever what
 * they depend on changes (`data`, `training.seed`), debounced; a newer
 * request cancels an older one still running.
 */
export class AugmentPreviewer {
  private lastKey: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private task: EvaluatorTask<AugmentPreview> | undefined;

  constructor(
    private readonly trainerPath: string,
    private readonly post: (message: HostToHyperparameters) => Thenable<boolean>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * The document as the form shows it now: draws the preview again where
   * the file has a Augmentation group (`shown`) and its data or seed changed.
   */
  update(modelFile: string, workspaceRoot: string, text: string, value: unknown, shown: boolean): void {
    if (!shown) {
      this.lastKey = undefined;
      return;
    }
    const root = isObject(value) ? value : {};
    const key = JSON.stringify([root.data, isObject(root.training) ? root.training.seed : undefined]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    clearTimeout(this.timer);
    void this.post({ type: 'augmentPreviewDrawing' });
    this.timer = setTimeout(() => this.draw(modelFile, workspaceRoot, text), DEBOUNCE_MS);
  }

  /** The page was rebuilt: the next update draws again. */
  reset(): void {
    this.lastKey = undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.task?.cancel();
  }

  private draw(modelFile: string, workspaceRoot: string, text: string): void {
    this.task?.cancel();
    const started = Date.now();
    const task = startAugmentPreview(
      { modelFile, workspaceRoot, text },
      { trainerPath: this.trainerPath, onStderr: (output) => this.log.debug(`augmentation preview: ${output.trimEnd()}`) },
    );
    this.task = task;
    task.result.then(
      (preview) => {
        if (this.task !== task) return;
        this.log.debug(`hyperparameters: augmentation preview drawn in ${Date.now() - started} ms`);
        void this.post({ type: 'augmentPreview', preview });
      },
      (error: unknown) => {
        if (this.task !== task || (error instanceof EvaluatorError && error.cancelled)) return;
        void this.post({ type: 'augmentPreviewFailed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  }
}
