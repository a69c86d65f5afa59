/**
 * How closely a backend's per-batch losses follow a reference backend's on
 * the same seed, data and batch order. Float32 sums in another order differ
 * in the last bits and Adam carries each difference into the next step, so
 * the gap grows with the batches: measured on the MNIST MLP, webgpu
 * (lavapipe) against wasm, the worst relative gap per batch was 3e-7 over
 * batches 1–100, 1e-3 by 150 and 1e-2 by 275, while the means of 25-batch
 * windows stayed within 1.2e-3 throughout. Hence two checks: each batch
 * over a short run (a wrong kernel shows at once), and window means over a
 * long one (training goes the same way, not the same bits).
 */

/** Per batch, over the first batches: like test/unit/webgpu.test.ts (1e-3 relative per batch). */
export const LOSS_TOLERANCE = 1e-3;

/** Batches compared one by one; after these the trajectories have drifted apart by rounding alone. */
export const PER_BATCH_LIMIT = 100;

/** Means of WINDOW batches, over the whole run. */
export const WINDOW = 25;
export const WINDOW_TOLERANCE = 1e-2;

export interface LossAgreement {
  /** Batches compared. */
  readonly batches: number;
  /** The largest |loss − reference| / |reference|, and where (0-based batch, or the first batch of the window). */
  readonly worst: { readonly batch: number; readonly relative: number };
  readonly ok: boolean;
}

/** Each batch's loss against the reference's, over the batches both ran (at most `limit`). */
export function compareLosses(
  reference: readonly number[],
  losses: readonly number[],
  tolerance = LOSS_TOLERANCE,
  limit = Infinity,
): LossAgreement {
  const batches = Math.min(reference.length, losses.length, limit);
  let worst = { batch: 0, relative: 0 };
  for (let batch = 0; batch < batches; batch++) {
    // A non-finite loss is infinitely far: NaN > x is false and would pass.
    const relative = Number.isFinite(losses[batch]) ? Math.abs(losses[batch] - reference[batch]) / Math.abs(reference[batch]) : Infinity;
    if (relative > worst.relative) worst = { batch, relative };
  }
  return { batches, worst, ok: batches > 0 && worst.relative <= tolerance };
}

/** Means of consecutive windows of `window` batches against the reference's (a last, shorter window included). */
export function compareWindowMeans(
  reference: readonly number[],
  losses: readonly number[],
  window = WINDOW,
  tolerance = WINDOW_TOLERANCE,
): LossAgreement {
  const batches = Math.min(reference.length, losses.length);
  const mean = (values: readonly number[], from: number): number =>
    values.slice(from, Math.min(from + window, batches)).reduce((sum, value) => sum + value, 0) / (Math.min(from + window, batches) - from);
  const referenceMeans: number[] = [];
  const means: number[] = [];
  for (let from = 0; from < batches; from += window) {
    referenceMeans.push(mean(reference, from));
    means.push(mean(losses, from));
  }
  const perWindow = compareLosses(referenceMeans, means, tolerance);
  return { batches, worst: { batch: perWindow.worst.batch * window, relative: perWindow.worst.relative }, ok: perWindow.ok };
}
