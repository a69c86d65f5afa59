import * as path from 'node:path';
import { assertNever } from '../protocol/assertNever';
import { type MetricRecord, type RunInfo } from '../protocol/runTypes';
import type { TrainRequest } from '../protocol/trainerMessages';
import { trainerThreads } from '../protocol/threads';
import { usableCores } from '../host/cores';
import { runsDirFor } from '../runFolder/readRunFolder';
import { writeJsonAtomicSync } from '../runFolder/atomicFile';
import { failedRun, RUN_FILES } from '../runFolder/runFiles';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, type Options } from './commandLine';
import { ProgressReporter, printCrossValidationSummary, printSummary } from './output';
import { json, stderr } from './output';

// `model-studio train`: the trainer's code in this process, with progress on the terminal.

export async function trainCommand(options: Options): Promise<number> {
  if (options.slurm) return (await import('./clusterCommands')).submitTrainCommand(options, options.slurm);
  if (options.job) return (await import('./clusterCommands')).jobCommand(options, options.job);
  const from = options.resume ?? options.continueFrom;
  return trainHere(
    {
      modelFile: options.modelFile,
      workspaceRoot: options.workspaceRoot,
      // A resumed run stays in its folder; a continued one goes next to its parent.
      runsDir: from === undefined ? (options.out ?? runsDirFor(options.modelFile)) : path.dirname(from),
      ...(options.resume === undefined ? {} : { resumeRunDir: options.resume }),
      ...(options.continueFrom === undefined ? {} : { continueRunDir: options.continueFrom }),
      ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    },
    options,
  );
}

/**
 * Trains `request` in this process. The first Ctrl+C or SIGTERM (Stop of a
 * Slurm job, its time limit) stops after the batch with the model and a
 * checkpoint saved; a second quits at once. `onError`: the message when
 * nothing could start.
 */
export async function trainHere(request: TrainRequest, options: Options, onError?: (message: string) => Promise<void>): Promise<number> {
  const { train } = await import('../trainer/train');
  // No editor shares these cores (in a Slurm job: its allocation).
  const threads = trainerThreads(options.threads, { cores: usableCores(), editor: false, trainers: 1 });
  request = { ...request, threads };
  const stop = new AbortController();
  const records: MetricRecord[] = [];
  /** The runs started and not ended: one, or a cross-validated run and its fold. */
  const open = new Map<string, RunInfo>();
  const reporter = options.json ? undefined : new ProgressReporter();

  const onInterrupt = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      reporter?.note(`stopping after this batch (${signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl+C'} again to quit at once)`);
      return;
    }
    // Nothing asynchronous runs after this: leave run.json saying what happened.
    for (const [runDir, started] of open) {
      writeJsonAtomicSync(
        path.join(runDir, RUN_FILES.run),
        failedRun(started, `stopped with a second ${signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl+C'}`, records[records.length - 1]),
      );
    }
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  try {
    const outcome = await train(
      request,
      {
        onMessage: (message) => {
          if (message.type === 'runStarted') open.set(message.runDir, message.run);
          if (message.type === 'done') open.delete(message.runDir);
          if (message.type === 'metrics') {
            records.push(message.record);
            if (options.json) json(message.fold === undefined ? message.record : { ...message.record, fold: message.fold });
          }
          reporter?.onMessage(message);
        },
      },
      stop.signal,
    );

    if (outcome.type === 'error') {
      await onError?.(outcome.message);
      if (options.json) json({ type: 'result', status: 'error', message: outcome.message });
      else stderr(`error: ${outcome.message}`);
      return EXIT_ERROR;
    }
    const { run, runDir } = outcome;
    const cv = run.crossValidation;
    if (options.json) {
      const crossValidation = cv && { folds: cv.folds, ...(cv.mean ? { mean: cv.mean } : {}), ...(cv.std ? { std: cv.std } : {}) };
      json({ type: 'result', status: run.status, runDir, run, ...(crossValidation ? { crossValidation } : {}) });
    } else {
      if (run.error) stderr(`error: ${run.error.message}`);
      if (cv) printCrossValidationSummary(runDir, run);
      else printSummary(runDir, run, records);
    }
    switch (run.status) {
      case 'completed':
        return EXIT_OK;
      case 'stopped':
        return EXIT_INTERRUPTED;
      case 'failed':
      case 'running':
        return EXIT_ERROR;
      default:
        return assertNever(run.status);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}
