import * as path from 'node:path';
import { assertNever } from '../protocol/assertNever';
import { type MetricRecord, type RunInfo } from '../protocol/runTypes';
import type { TrainRequest } from '../protocol/trainerMessages';
import { runsDirFor } from '../runFolder/readRunFolder';
import { writeJsonAtomicSync } from '../runFolder/atomicFile';
import { failedRun, RUN_FILES } from '../runFolder/runFiles';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, type Options } from './commandLine';
import { ProgressReporter, printSummary } from './output';
import { json, stderr } from './output';

// `model-studio train`: the trainer's code in this process, with progress on the terminal.

export async function trainCommand(options: Options): Promise<number> {
  const { train } = await import('../trainer/train');
  const request: TrainRequest = {
    modelFile: options.modelFile,
    workspaceRoot: options.workspaceRoot,
    runsDir: options.resume === undefined ? (options.out ?? runsDirFor(options.modelFile)) : path.dirname(options.resume),
    ...(options.resume === undefined ? {} : { resumeRunDir: options.resume }),
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  };
  const stop = new AbortController();
  const records: MetricRecord[] = [];
  let current: { runDir: string; run: RunInfo } | undefined;
  const reporter = options.json ? undefined : new ProgressReporter();

  const onInterrupt = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      reporter?.note('stopping after this batch (Ctrl+C again to quit at once)');
      return;
    }
    // Nothing asynchronous runs after this: leave run.json saying what happened.
    if (current) {
      const run = failedRun(current.run, 'stopped with a second Ctrl+C', records[records.length - 1]);
      writeJsonAtomicSync(path.join(current.runDir, RUN_FILES.run), run);
    }
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onInterrupt);

  try {
    const outcome = await train(
      request,
      {
        onMessage: (message) => {
          if (message.type === 'runStarted') current = { runDir: message.runDir, run: message.run };
          if (message.type === 'metrics') {
            records.push(message.record);
            if (options.json) json(message.record);
          }
          reporter?.onMessage(message);
        },
      },
      stop.signal,
    );

    if (outcome.type === 'error') {
      if (options.json) json({ type: 'result', status: 'error', message: outcome.message });
      else stderr(`error: ${outcome.message}`);
      return EXIT_ERROR;
    }
    const { run, runDir } = outcome;
    if (options.json) {
      json({ type: 'result', status: run.status, runDir, run });
    } else {
      if (run.error) stderr(`error: ${run.error.message}`);
      printSummary(runDir, run, records);
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
  }
}
