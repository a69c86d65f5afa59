import type { MonitorState } from './metricMonitor';
import { isObject } from '../protocol/primitiveGuards';
import { plateauStateOf, type PlateauState } from './learningRateSchedule';

/**
 * Where training stood when the `last` checkpoint was saved, kept in that
 * checkpoint's model.json (`userDefinedMetadata.modelStudio`) beside the
 * weights and optimizer state it belongs to: what a resumed run needs to
 * carry on exactly where the run stopped.
 */
export interface TrainingState {
  /** 2: fit() shuffles each epoch with the seeded Math.random (1 had its own per-epoch permutation). */
  readonly version: 2;
  /** The epoch the checkpoint is in (1-based). */
  readonly epoch: number;
  /** Batches of `epoch` done; all of them when the epoch ended (its record is written). */
  readonly batchesDone: number;
  /**
   * Sums over the done batches of an unfinished epoch, each batch's metric
   * times its size, and the examples they cover: the epoch's record is
   * their mean once the rest of the epoch has run.
   */
  readonly partial?: { readonly examples: number; readonly sums: Readonly<Record<string, number>> };
  /** State of the generator that replaces Math.random (dropout masks, fit's shuffle). */
  readonly random: number;
  /** Its state when `epoch` began: the epoch's order is drawn from it. */
  readonly epochRandom: number;
  /** The best-checkpoint / early-stopping monitor. */
  readonly monitor: MonitorState;
  /** False once early stopping was turned off (its metric does not exist). */
  readonly earlyStopping: boolean;
  /** Epoch of checkpoints/best, for `restoreBestWeights`. */
  readonly bestEpoch?: number;
  /** The plateau schedule's rate, best and wait; absent for other schedules and in checkpoints written before schedules. */
  readonly plateau?: PlateauState;
}

/** Key of the state in the checkpoint's userDefinedMetadata. */
export const STATE_KEY = 'modelStudio';

function isCount(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

/** The state in a checkpoint's metadata, or undefined when it has none (or not one this version wrote). */
export function trainingStateOf(metadata: Readonly<Record<string, unknown>> | undefined): TrainingState | undefined {
  const state = metadata?.[STATE_KEY];
  if (!isObject(state) || state.version !== 2) return undefined;
  const { epoch, batchesDone, partial, random, epochRandom, monitor, earlyStopping, bestEpoch, plateau } = state;
  const okPartial =
    partial === undefined ||
    (isObject(partial) &&
      isCount(partial.examples) &&
      isObject(partial.sums) &&
      Object.values(partial.sums).every((v) => typeof v === 'number'));
  const okMonitor =
    isObject(monitor) && isCount(monitor.epochsWithoutImprovement) && (monitor.best === undefined || typeof monitor.best === 'number');
  if (
    !isCount(epoch) ||
    epoch < 1 ||
    !isCount(batchesDone) ||
    !okPartial ||
    !isCount(random) ||
    !isCount(epochRandom) ||
    !okMonitor ||
    typeof earlyStopping !== 'boolean' ||
    !(bestEpoch === undefined || isCount(bestEpoch)) ||
    !(plateau === undefined || plateauStateOf(plateau))
  ) {
    return undefined;
  }
  return state as unknown as TrainingState;
}
