import type { PruneSpec } from '../modelFile/modelSpec';

/**
 * Whether a sweep stops a trial early, from the epoch metrics of all its
 * trials (docs/decisions.md "Sweeps: pruning"). Pure: the runner asks after
 * each epoch record of a trial; tests ask on made-up curves.
 */

export type Goal = 'minimize' | 'maximize';

/** One trial's metric after each epoch: `values[e - 1]` for epoch e. */
export interface TrialCurve {
  readonly index: number;
  readonly values: readonly number[];
}

export type PruneDecision = { readonly prune: false } | { readonly prune: true; readonly reason: string };

export const DEFAULT_AFTER_EPOCHS = 3;
export const DEFAULT_MIN_EPOCHS = 1;
export const DEFAULT_REDUCTION = 3;
/** The median pruner compares with at least this many other trials that reached the epoch. */
export const MEDIAN_MIN_OTHERS = 2;

const KEEP: PruneDecision = { prune: false };

/** a is better than b. */
function better(goal: Goal, a: number, b: number): boolean {
  return goal === 'maximize' ? a > b : a < b;
}

/** The best value of the first `epoch` epochs (NaN epochs skipped), undefined before the curve reaches `epoch`. */
export function bestSoFar(values: readonly number[], epoch: number, goal: Goal): number | undefined {
  if (values.length < epoch) return undefined;
  let best: number | undefined;
  for (const v of values.slice(0, epoch)) if (Number.isFinite(v) && (best === undefined || better(goal, v, best))) best = v;
  return best;
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** numpy's percentile with linear interpolation, q in [0, 1], of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

function format(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

/**
 * Optuna's median pruner: from epoch `afterEpochs` on, a trial whose best
 * value so far is worse than the median of the other trials' best values
 * over the same epochs is pruned; it needs MEDIAN_MIN_OTHERS other trials
 * that reached the epoch (Optuna waits for n_startup_trials finished ones).
 */
export function medianDecision(
  trial: TrialCurve,
  others: readonly TrialCurve[],
  epoch: number,
  goal: Goal,
  afterEpochs = DEFAULT_AFTER_EPOCHS,
): PruneDecision {
  if (epoch < afterEpochs) return KEEP;
  const own = bestSoFar(trial.values, epoch, goal);
  if (own === undefined) return KEEP;
  const peers = others
    .filter((o) => o.index !== trial.index)
    .map((o) => bestSoFar(o.values, epoch, goal))
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  if (peers.length < MEDIAN_MIN_OTHERS) return KEEP;
  const mid = median(peers);
  return better(goal, mid, own)
    ? {
        prune: true,
        reason: `best ${format(own)} by epoch ${epoch} is worse than the median ${format(mid)} of ${peers.length} other trials`,
      }
    : KEEP;
}

/** ASHA's rungs: the epochs minEpochs·reduction^k. */
export function isRung(epoch: number, minEpochs = DEFAULT_MIN_EPOCHS, reduction = DEFAULT_REDUCTION): boolean {
  for (let rung = minEpochs; rung <= epoch; rung *= reduction) if (rung === epoch) return true;
  return false;
}

/**
 * Asynchronous successive halving, stopping variant (Ray Tune's ASHA): at
 * a rung, a trial goes on only when its best value so far is in the top
 * 1/reduction of the trials that reached the rung so far, itself included
 * (the cut-off is their (1 − 1/reduction) quantile). Decided with what is
 * known now: the first trial at a rung always goes on.
 */
export function ashaDecision(
  trial: TrialCurve,
  others: readonly TrialCurve[],
  epoch: number,
  goal: Goal,
  minEpochs = DEFAULT_MIN_EPOCHS,
  reduction = DEFAULT_REDUCTION,
): PruneDecision {
  if (!isRung(epoch, minEpochs, reduction)) return KEEP;
  const own = bestSoFar(trial.values, epoch, goal);
  if (own === undefined) return KEEP;
  const atRung = [own, ...others.filter((o) => o.index !== trial.index).map((o) => bestSoFar(o.values, epoch, goal))]
    .filter((v): v is number => v !== undefined)
    // Best first, so the cut-off is the value at the top 1/reduction.
    .sort((a, b) => (goal === 'maximize' ? b - a : a - b));
  const cutoff = quantile(atRung, 1 / reduction);
  return better(goal, cutoff, own)
    ? {
        prune: true,
        reason: `best ${format(own)} at rung ${epoch} is outside the top 1/${reduction} of ${atRung.length} trials (cut-off ${format(cutoff)})`,
      }
    : KEEP;
}

/** The sweep's pruner on a trial's curve after `epoch`; no `prune` block, no pruning. */
export function pruneDecision(
  prune: PruneSpec | undefined,
  trial: TrialCurve,
  others: readonly TrialCurve[],
  epoch: number,
  goal: Goal,
): PruneDecision {
  if (prune === undefined) return KEEP;
  return prune.type === 'median'
    ? medianDecision(trial, others, epoch, goal, prune.afterEpochs)
    : ashaDecision(trial, others, epoch, goal, prune.minEpochs, prune.reduction);
}
