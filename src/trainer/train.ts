import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { readContinuable, type Continuable } from '../runFolder/continueFrom';
import { readResumable, type Resumable } from '../runFolder/resume';
import { loadBackend, type BackendDetail, type LoadedBackend } from './backend';
import { trainFolds } from './crossValidation';
import { threadsForModel } from './recurrentThreads';
import { planRun, type RunPlan } from './runSetup';
import { trainRun, type TrainOutcome } from './trainRun';
import { userMessage } from './userMessage';

export type { TrainOutcome } from './trainRun';

export interface TrainEvents {
  /** Every message, in order: ready, runStarted, metrics…, done — or ready?, error. */
  onMessage(message: TrainerToHost): void;
}

/**
 * Runs one training: loads the backend, validates the model file, then
 * trains once, or once per fold where it asks for cross-validation (and
 * the request does not say `crossValidation: false`); resumes a stopped run
 * of either kind, or continues a finished one with the file's settings. Used by the trainer process and the CLI alike. Aborting
 * `signal` stops after the current batch (the model and the last
 * checkpoint are saved, the status is `stopped`). Never throws for problems
 * in the user's files: they end in an `error` (nothing started) or a
 * failed `done`.
 */
export async function train(
  request: TrainRequest,
  events: TrainEvents,
  signal: AbortSignal = new AbortController().signal,
): Promise<TrainOutcome> {
  const emit = (message: TrainerToHost): void => events.onMessage(message);
  const fail = (error: unknown): TrainOutcome => {
    const message: TrainOutcome = { type: 'error', message: userMessage(error, request.modelFile) };
    emit(message);
    return message;
  };

  // The file is read before the backend loads (a recurrent model loads one wasm thread: recurrentThreads.ts);
  // what reading it says waits until `ready`, which comes first as before.
  const held: TrainerToHost[] = [];
  let plan: RunPlan | undefined;
  let planError: unknown;
  let resumable: Resumable | undefined;
  let continued: Continuable | undefined;
  try {
    if (request.resumeRunDir !== undefined && request.continueRunDir !== undefined) {
      throw new Error('a run is either resumed or continued with changes, not both');
    }
    resumable = request.resumeRunDir === undefined ? undefined : await readResumable(request);
    continued = request.continueRunDir === undefined ? undefined : await readContinuable(request.continueRunDir);
    plan = await planRun(
      request,
      (message) => held.push(message),
      resumable && { specText: resumable.specText, epochs: resumable.run.epochs },
    );
  } catch (error) {
    planError = error;
  }
  const threads = request.threads === undefined || plan === undefined ? undefined : threadsForModel(plan.spec, request.threads);

  let loaded: LoadedBackend & BackendDetail;
  try {
    loaded = await loadBackend(request.backend ?? 'auto', threads === undefined ? {} : { threads: threads.threads });
  } catch (error) {
    return fail(error);
  }
  emit({ type: 'ready', backend: loaded.backend, skipped: loaded.skipped });
  if (loaded.detail !== undefined) emit({ type: 'log', level: 'info', message: `${loaded.backend}: ${loaded.detail}` });
  if (loaded.backend === 'wasm' && threads?.why !== undefined) emit({ type: 'log', level: 'info', message: threads.why });
  held.forEach(emit);
  if (plan === undefined) return fail(planError);

  // A continued run trains once: its parent is one run (a fold, at most).
  const folds = resumable
    ? resumable.run.crossValidation?.foldCount
    : request.crossValidation === false || continued
      ? undefined
      : plan.spec.training.crossValidation?.folds;
  const outcome =
    folds === undefined
      ? await trainRun({ request, loaded, plan, emit, signal, ...(resumable ? { resumable } : {}), ...(continued ? { continued } : {}) })
      : await trainFolds({ request, loaded, plan, emit, signal, folds, ...(resumable ? { resumed: resumable } : {}) });
  if (outcome.type === 'error') emit(outcome);
  return outcome;
}
