import type { Point } from './series';

/** A smoothed point keeps the value it smooths, for the tooltip. */
export interface SmoothedPoint extends Point {
  readonly raw: number;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight
 * `weight` (0 = none, 0.99 = very smooth), debiased so the first points are
 * not pulled towards 0: after n points the average is divided by
 * 1 - weight^n. Non-finite values are passed through and do not disturb
 * the average. O(n); `weight` is clamped to [0, 1).
 */
export function smooth(points: readonly Point[], weight: number): SmoothedPoint[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out: SmoothedPoint[] = new Array(points.length);
  let average = 0;
  let count = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (!Number.isFinite(p.y)) {
      out[i] = { ...p, raw: p.y };
      continue;
    }
    average = average * w + (1 - w) * p.y;
    count++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, count);
    out[i] = { ...p, y: average / debias, raw: p.y };
  }
  return out;
}

/**
 * Keeps `smooth(points, weight)` up to date while points are appended, at
 * O(new points) per call; recomputes everything when the weight changes or
 * the points were not only appended to (a record put in its place).
 */
export class Smoother {
  private weight = NaN;
  private source: readonly Point[] | undefined;
  private out: SmoothedPoint[] = [];
  private average = 0;
  private count = 0;
  /** The source point smoothed last: if it moved, a point was put before it and all is redone. */
  private tail: Point | undefined;

  of(points: readonly Point[], weight: number): readonly SmoothedPoint[] {
    const w = Math.min(Math.max(weight, 0), 0.999);
    const appended = w === this.weight && points === this.source && points[this.out.length - 1] === this.tail;
    if (!appended) {
      this.out = [];
      this.average = 0;
      this.count = 0;
      this.weight = w;
      this.source = points;
    }
    for (let i = this.out.length; i < points.length; i++) {
      const p = points[i];
      if (!Number.isFinite(p.y)) {
        this.out.push({ ...p, raw: p.y });
        continue;
      }
      this.average = this.average * w + (1 - w) * p.y;
      this.count++;
      const debias = w === 0 ? 1 : 1 - Math.pow(w, this.count);
      this.out.push({ ...p, y: this.average / debias, raw: p.y });
    }
    this.tail = points[points.length - 1];
    return this.out;
  }
}
