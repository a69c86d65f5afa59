import { insertionIndex } from './series';

interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * The points worth drawing of a curve sorted by x, for a chart showing
 * x in [xMin, xMax] with room for `buckets` slices: the range is cut into
 * `buckets` equal slices and each slice keeps its first, lowest, highest and
 * last point (in x order), so spikes survive, unlike with averaging or
 * every-n-th sampling. The nearest point outside each end is kept too, so
 * the line runs to the chart's edge. Points are returned as they are (the
 * tooltip shows exact values). Curves with at most 4 × `buckets` points in
 * range are returned whole. O(points in range + log n).
 */
export function decimate<P extends XY>(points: readonly P[], xMin: number, xMax: number, buckets: number): P[] {
  return new Decimator<P>().of(points, xMin, xMax, buckets);
}

/**
 * `decimate` for a curve that grows at its end while a run streams: the
 * slices already closed (a later point exists) are kept, so a call after
 * appending costs O(new points + output) instead of O(all points). Starts
 * over when the range, the slice count or the array changes, or when a
 * point was put before the ones already sliced.
 */
export class Decimator<P extends XY> {
  private source: readonly P[] | undefined;
  private key = '';
  /** Output of the closed slices (and the neighbour left of the range). */
  private closed: P[] = [];
  /** Index of the source point that opens the first slice not closed yet. */
  private resume = 0;
  /** That point, to notice an insertion before it. */
  private resumePoint: P | undefined;

  of(points: readonly P[], xMin: number, xMax: number, buckets: number): P[] {
    const n = Math.max(1, Math.floor(buckets));
    // [start, end): the points in range plus one neighbour on each side.
    const start = Math.max(0, lowerBound(points, xMin) - 1);
    const end = Math.min(points.length, insertionIndex(points, xMax) + 1);
    if (end - start <= 4 * n || !(xMax > xMin)) {
      this.source = undefined;
      return points.slice(start, end);
    }
    const key = `${xMin}:${xMax}:${n}`;
    if (points !== this.source || key !== this.key || this.resume < start || points[this.resume] !== this.resumePoint) {
      this.source = points;
      this.key = key;
      this.closed = [];
      this.resume = start;
      if (points[start].x < xMin) this.closed.push(points[this.resume++]);
    }
    const width = (xMax - xMin) / n;
    const last = points[end - 1].x > xMax ? end - 1 : end;
    let open: P[] = [];
    let i = this.resume;
    while (i < last) {
      const bucket = Math.min(n - 1, Math.floor((points[i].x - xMin) / width));
      const bucketEnd = xMin + (bucket + 1) * width;
      const first = i;
      let low = i;
      let high = i;
      for (i++; i < last && (points[i].x < bucketEnd || bucket === n - 1); i++) {
        const y = points[i].y;
        // NaN compares false both ways: such points are simply not picked.
        if (y < points[low].y) low = i;
        if (y > points[high].y) high = i;
      }
      const picked = pick(points, first, low, high, i - 1);
      if (i < last) {
        // A later point lies in a later slice: this one is closed.
        for (const p of picked) this.closed.push(p);
        this.resume = i;
      } else {
        open = picked;
      }
    }
    this.resumePoint = points[this.resume];
    const out = this.closed.concat(open);
    // The neighbour right of the range.
    if (last < end) out.push(points[last]);
    return out;
  }
}

/** The distinct points at the given indices, in index order. */
function pick<P>(points: readonly P[], a: number, b: number, c: number, d: number): P[] {
  const indices = [a, b, c, d].sort((x, y) => x - y);
  const out: P[] = [];
  for (let k = 0; k < indices.length; k++) if (k === 0 || indices[k] !== indices[k - 1]) out.push(points[indices[k]]);
  return out;
}

/** First index whose x is at least `x` (points sorted by x). */
function lowerBound(points: readonly { readonly x: number }[], x: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
