import * as path from 'node:path';
import type { MetricRecord, RunInfo, RunParent } from '../../protocol/runTypes';
import { assertNever } from '../../protocol/assertNever';
import type { ComparedRun, PanelRun } from '../../protocol/trainingPanelMessages';
import { foldDir, listFolds } from '../../runFolder/crossValidation';
import { readMetrics, readRun } from '../../runFolder/readRunFolder';
import { runLabel } from '../../runFolder/runSummary';
import type { RunState } from '../services/runController';

// What the training panel shows of a run: its header, its records, the runs drawn beside it.

/** What the panel shows: the header, the folder (Open Run Folder, spec.json), the records, and a cross-validated run's other folds. */
export interface ShownRun {
  readonly run: PanelRun;
  readonly runDir?: string;
  readonly records: readonly MetricRecord[];
  readonly folds?: readonly ComparedRun[];
  /** A continued run's ancestors, oldest first (see HostToTrainingPanel `reset`). */
  readonly lineage?: readonly ComparedRun[];
}

/**
 * A cross-validated run in `parentDir`: the panel's own curves are the
 * fold training now (or the last one that started), its other folds are
 * drawn beside it, and the header says the fold and, once every fold
 * completed, the mean ± std of their final metrics.
 */
export async function crossValidatedRun(
  parentDir: string,
  parent: RunInfo,
  state: RunState,
  unwritten: readonly MetricRecord[],
): Promise<ShownRun> {
  const cv = parent.crossValidation;
  const foldCount = cv?.foldCount ?? 0;
  const live = state.kind === 'running' || state.kind === 'stopping' ? state.fold : undefined;
  const folds = await listFolds(parentDir, foldCount);
  const current = live ? { runDir: foldDir(parentDir, live.index), run: live.run, fold: live.index } : folds[folds.length - 1];
  const header = state.kind === 'idle' ? undefined : panelRun(state);
  if (!current) return { run: { ...fromRunInfo(parent), ...(header ? { status: header.status } : {}) }, runDir: parentDir, records: [] };
  const indexOf = new Map(folds.map((fold) => [fold.runDir, fold.fold]));
  const others = await readCompared(folds.filter((fold) => fold.fold !== current.fold).map((fold) => fold.runDir));
  const records = await readMetrics(current.runDir);
  return {
    run: {
      ...fromRunInfo(current.run),
      // Ended: the whole cross-validation's time; while a fold trains, that fold's (its ETA follows its curves).
      ...(live ? {} : { startedAt: parent.startedAt, ...(parent.endedAt ? { endedAt: parent.endedAt } : {}) }),
      label: `fold ${current.fold}`,
      status: header?.status ?? parent.status,
      ...(parent.error ? { error: parent.error.message } : {}),
      crossValidation: { foldCount, fold: current.fold, ...(cv?.mean ? { mean: cv.mean } : {}), ...(cv?.std ? { std: cv.std } : {}) },
    },
    runDir: parentDir,
    records: live ? withUnwritten(records, unwritten) : records,
    folds: others.map((other) => ({ ...other, label: `fold ${indexOf.get(other.runDir)}` })),
  };
}

/**
 * metrics.jsonl plus the live records the trainer has not written yet:
 * the file holds a prefix of the stream and `unwritten` a suffix of it.
 */
export function withUnwritten(onDisk: readonly MetricRecord[], unwritten: readonly MetricRecord[]): readonly MetricRecord[] {
  if (unwritten.length === 0) return onDisk;
  const key = (r: MetricRecord) => `${r.epoch}:${r.batch}`;
  const overlap = new Set(onDisk.slice(-unwritten.length).map(key));
  return [...onDisk, ...unwritten.filter((r) => !overlap.has(key(r)))];
}

/** The runs to compare, read from their folders; one that cannot be read (deleted meanwhile) is left out. */
export async function readCompared(runDirs: readonly string[]): Promise<ComparedRun[]> {
  const now = Date.now();
  const runs = await Promise.all(
    runDirs.map(async (runDir): Promise<ComparedRun | undefined> => {
      try {
        const [run, records] = await Promise.all([readRun(runDir), readMetrics(runDir)]);
        // A cross-validated run has no curves of its own (its folds do): selecting it draws nothing beside the panel's run.
        if (run.crossValidation) return undefined;
        return { runId: run.id, runDir, label: runLabel(run, now), status: run.status, batchesPerEpoch: run.batchesPerEpoch, records };
      } catch {
        return undefined;
      }
    }),
  );
  return runs.filter((r): r is ComparedRun => r !== undefined);
}

export function fromRunInfo(run: RunInfo): PanelRun {
  return {
    status: run.status,
    runId: run.id,
    label: runLabel(run, Date.now()),
    backend: run.backend,
    backendSkipped: run.backendSkipped,
    ...(run.threads === undefined ? {} : { threads: run.threads }),
    epochs: run.epochs,
    batchesPerEpoch: run.batchesPerEpoch,
    trainSamples: run.trainSamples,
    startedAt: run.startedAt,
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
    ...(run.error ? { error: run.error.message } : {}),
    ...(run.test ? { test: run.test } : {}),
    ...(run.validation ? { validation: run.validation } : {}),
  };
}

/** How many ancestors the panel follows back: beyond, a chain of continued runs is drawn from there on. */
const MAX_ANCESTORS = 20;

/**
 * A continued run with the runs it continues (Continue with Changes): each
 * `parent` is a run of the same runs folder; they are drawn first, oldest
 * at epoch 0, each of the next after the epochs before it. A parent that
 * cannot be read (deleted) ends the chain there.
 */
export async function withLineage(shown: ShownRun, run: RunInfo): Promise<ShownRun> {
  if (!run.parent || !shown.runDir) return shown;
  const chain: ComparedRun[] = [];
  const epochsOf: number[] = [];
  let next: RunParent | undefined = run.parent;
  const now = Date.now();
  for (let depth = 0; next && depth < MAX_ANCESTORS; depth++) {
    const runDir = path.join(path.dirname(shown.runDir), next.id);
    try {
      const [info, records] = await Promise.all([readRun(runDir), readMetrics(runDir)]);
      chain.unshift({
        runId: info.id,
        runDir,
        label: runLabel(info, now),
        status: info.status,
        batchesPerEpoch: info.batchesPerEpoch,
        records,
      });
      epochsOf.unshift(next.epochs);
      next = info.parent;
    } catch {
      break;
    }
  }
  if (chain.length === 0) return shown;
  let offset = 0;
  const lineage = chain.map((ancestor, i) => {
    const drawn = { ...ancestor, epochOffset: offset };
    offset += epochsOf[i];
    return drawn;
  });
  const parent = lineage[lineage.length - 1];
  return { ...shown, run: { ...shown.run, parent: { id: parent.runId, label: parent.label, epochsBefore: offset } }, lineage };
}

/** The header for a live state; fields a state does not know are left out. */
export function panelRun(state: RunState): PanelRun {
  switch (state.kind) {
    case 'idle':
      return { status: 'none' };
    case 'starting':
      return { status: 'starting', ...(state.backend ? { backend: state.backend } : {}) };
    case 'running':
      return state.fold ? foldPanelRun(state.run, state.fold.run, state.fold.index, 'running') : fromRunInfo(state.run);
    case 'stopping':
      return state.run && state.fold
        ? foldPanelRun(state.run, state.fold.run, state.fold.index, 'stopping')
        : { ...(state.run ? fromRunInfo(state.run) : {}), status: 'stopping' };
    case 'finished':
      return fromRunInfo(state.run);
    case 'failed':
      return { status: 'failed', error: state.error };
    default:
      return assertNever(state);
  }
}

/** The header while fold `index` of the cross-validated run `parent` trains. */
function foldPanelRun(parent: RunInfo, fold: RunInfo, index: number, status: 'running' | 'stopping'): PanelRun {
  const foldCount = parent.crossValidation?.foldCount ?? index;
  return { ...fromRunInfo(fold), label: `fold ${index}`, status, crossValidation: { foldCount, fold: index } };
}
