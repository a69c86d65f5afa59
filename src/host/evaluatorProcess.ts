import { assertNever } from '../protocol/assertNever';
import { isEvaluatorToHost, isTrainerToHost } from '../protocol/guards';
import type { EvaluateRequest, Evaluation, EvaluationProgress } from '../protocol/evaluationTypes';
import type { ExportRequest, ExportResult } from '../protocol/exportTypes';
import type { ExplainRequest, ExplainResult } from '../protocol/explainTypes';
import type { EvaluatorToHost, HostToTrainer, TrainerToHost } from '../protocol/trainerMessages';
import { Worker } from './worker';

/** An evaluation, export or explanation that did not finish: a problem with the user's files, a crash, or a cancel. */
export class EvaluatorError extends Error {
  constructor(
    message: string,
    readonly cancelled: boolean,
  ) {
    super(message);
    this.name = 'EvaluatorError';
  }
}

export interface EvaluatorOptions {
  /** Absolute path of dist/trainer.js. */
  readonly trainerPath: string;
  onProgress?(progress: EvaluationProgress): void;
  /** The process's stdout / stderr and dropped messages, for the log. */
  onStderr?(text: string): void;
}

/** A running evaluation or export: `result` settles once, `cancel()` asks it to stop (twice: kill). */
export interface EvaluatorTask<T> {
  readonly result: Promise<T>;
  cancel(): void;
}

/**
 * Evaluates a run's model in its own trainer process (dist/trainer.js),
 * never in the extension host: TF.js, its memory and a long prediction
 * stay out of the editor (docs/architecture.md "Processes"). The process writes
 * evaluation.json itself; the result is the evaluation it wrote.
 */
export function startEvaluation(request: EvaluateRequest, options: EvaluatorOptions): EvaluatorTask<Evaluation> {
  return runInTrainer({ type: 'evaluate', request }, options, (message) =>
    message.type === 'evaluationDone' ? message.evaluation : undefined,
  );
}

/** Exports a run's model in a trainer process (see exportRun). */
export function startExport(request: ExportRequest, options: EvaluatorOptions): EvaluatorTask<ExportResult> {
  return runInTrainer({ type: 'export', request }, options, (message) => (message.type === 'exportDone' ? message.result : undefined));
}

/** Explains a run's model in a trainer process (see explainRun): heatmaps, feature maps or feature importance. */
export function startExplain(request: ExplainRequest, options: EvaluatorOptions): EvaluatorTask<ExplainResult> {
  return runInTrainer({ type: 'explain', request }, options, (message) => (message.type === 'explainDone' ? message.result : undefined));
}

function runInTrainer<T>(
  task: Extract<HostToTrainer, { type: 'evaluate' | 'export' | 'explain' }>,
  options: EvaluatorOptions,
  pick: (message: EvaluatorToHost) => T | undefined,
): EvaluatorTask<T> {
  let worker: Worker<HostToTrainer> | undefined;
  let cancelRequested = false;
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { value: T } | { error: EvaluatorError }): void => {
      if (settled) return;
      settled = true;
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onMessage = (message: EvaluatorToHost | TrainerToHost): void => {
      if (isEvaluatorToHost(message)) {
        switch (message.type) {
          case 'evaluationProgress':
            options.onProgress?.(message.progress);
            return;
          case 'taskFailed':
            settle({ error: new EvaluatorError(message.message, message.cancelled) });
            return;
          case 'evaluationDone':
          case 'exportDone':
          case 'explainDone': {
            const value = pick(message);
            if (value !== undefined) settle({ value });
            return;
          }
          default:
            assertNever(message);
        }
      }
      if (message.type === 'error') settle({ error: new EvaluatorError(message.message, false) });
    };
    const started = Worker.start<EvaluatorToHost | TrainerToHost, HostToTrainer>({
      script: options.trainerPath,
      accepts: (message): message is EvaluatorToHost | TrainerToHost => isEvaluatorToHost(message) || isTrainerToHost(message),
      onMessage,
      ...(options.onStderr ? { onOutput: options.onStderr } : {}),
      onExit: (code, signal) => {
        const how = started.pid === undefined ? 'could not be started' : `ended (${signal ?? `exit code ${code}`}) before it finished`;
        settle({ error: new EvaluatorError(cancelRequested ? 'cancelled' : `the trainer process ${how}`, cancelRequested) });
      },
    });
    worker = started;
    started.send(task);
  });
  return {
    result,
    cancel: () => {
      if (!worker || worker.ended) return;
      if (cancelRequested || !worker.connected) {
        worker.kill();
        return;
      }
      cancelRequested = true;
      worker.send({ type: 'stop' });
    },
  };
}
