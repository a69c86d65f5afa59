import type { ExplainTarget } from '../protocol/evaluationMessages';
import type { Evaluation } from '../protocol/evaluationTypes';
import type { ExplainRequest } from '../protocol/explainTypes';

/** One trainer task of an explanation, and what the progress line calls it. */
export interface ExplainStep {
  readonly label: string;
  readonly request: ExplainRequest;
  /** Its failure leaves out its part only (Grad-CAM of a model without convolution layers), not the steps before. */
  readonly optional?: boolean;
}

/** An image example takes two tasks (the feature maps come with the first); importance one. */
export function explainSteps(evaluation: Evaluation, workspaceRoot: string, target: ExplainTarget): ExplainStep[] {
  const base = {
    runDir: evaluation.runDir,
    workspaceRoot,
    // The example positions are those of the data this evaluation read.
    ...(evaluation.dataset.kind === 'file' ? { data: evaluation.dataset.files[0] } : {}),
  };
  if (target.kind === 'importance') return [{ label: 'Feature importance', request: { ...base, method: 'importance' } }];
  const rows = [target.example];
  return [
    { label: 'Saliency and feature maps (1 of 2)', request: { ...base, method: 'saliency', rows, featureMaps: true } },
    { label: 'Grad-CAM (2 of 2)', request: { ...base, method: 'gradcam', rows }, optional: true },
  ];
}
