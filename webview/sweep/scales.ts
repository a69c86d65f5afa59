import type { SearchParameter } from '../../src/modelFile/modelSpec';
import type { ParamValue, TrialInfo } from '../../src/protocol/sweepTypes';

// The sweep panel's axes, as plain maths (no DOM): one per searched
// parameter plus the metric, each mapping a value to 0…1 along the axis
// (log axes where the range is log, evenly spaced categories for lists),
// the ticks it labels, and the colour scale of the metric.

export type Axis =
  | { readonly kind: 'linear' | 'log'; readonly key: string; readonly min: number; readonly max: number }
  /** A list of values: each at its own evenly spaced place. */
  | { readonly kind: 'category'; readonly key: string; readonly values: readonly ParamValue[] };

/** The axis of a searched parameter: its range as the search block gives it, widened to the values trials have (a range edited mid-sweep). */
export function parameterAxis(key: string, spec: SearchParameter | undefined, trials: readonly TrialInfo[]): Axis {
  const seen = trials.map((t) => t.params[key]).filter((v) => v !== undefined);
  if (spec === undefined || 'values' in spec) {
    const values = [...(spec && 'values' in spec ? spec.values : [])];
    for (const v of seen) if (!values.some((x) => x === v)) values.push(v);
    if (values.every((v) => typeof v === 'number')) values.sort((a, b) => (a as number) - (b as number));
    return { kind: 'category', key, values };
  }
  const numbers = seen.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const min = Math.min(spec.min, ...numbers);
  const max = Math.max(spec.max, ...numbers);
  return { kind: spec.scale === 'log' && min > 0 ? 'log' : 'linear', key, min, max };
}

/** The metric's axis: from the lowest to the highest value trials reached. */
export function metricAxis(metric: string, values: readonly number[]): Axis {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { kind: 'linear', key: metric, min: 0, max: 1 };
  return { kind: 'linear', key: metric, min: Math.min(...finite), max: Math.max(...finite) };
}

/** Where `value` sits on the axis, 0 (start) to 1 (end); undefined for a value the axis cannot place. */
export function position(axis: Axis, value: ParamValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (axis.kind === 'category') {
    const i = axis.values.findIndex((v) => v === value);
    if (i < 0) return undefined;
    return axis.values.length === 1 ? 0.5 : i / (axis.values.length - 1);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (axis.max === axis.min) return 0.5;
  if (axis.kind === 'log') {
    if (value <= 0) return undefined;
    return (Math.log10(value) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min));
  }
  return (value - axis.min) / (axis.max - axis.min);
}

/** A tick: where it is (0…1) and its label. */
export interface Tick {
  readonly at: number;
  readonly label: string;
}

/** Up to about `count` round ticks: 1-2-5 steps on a linear axis, 1, 2 and 5 of each decade on a log axis, every category. */
export function ticks(axis: Axis, count = 5): Tick[] {
  if (axis.kind === 'category') return axis.values.map((v, i) => ({ at: position(axis, v) ?? i, label: formatValue(v) }));
  if (axis.max === axis.min) return [{ at: 0.5, label: formatValue(axis.min) }];
  const values: number[] = [];
  if (axis.kind === 'log') {
    const decades = Math.log10(axis.max) - Math.log10(axis.min);
    const mantissas = decades > count ? [1] : decades > count / 3 ? [1, 3] : [1, 2, 5];
    for (let e = Math.floor(Math.log10(axis.min)); e <= Math.ceil(Math.log10(axis.max)); e++) {
      for (const m of mantissas) values.push(Number((m * 10 ** e).toPrecision(3)));
    }
  } else {
    const step = niceStep((axis.max - axis.min) / count);
    for (let v = Math.ceil(axis.min / step) * step; v <= axis.max + step * 1e-9; v += step) values.push(Number(v.toPrecision(12)));
  }
  return values
    .filter((v) => v >= axis.min * (1 - 1e-12) && v <= axis.max * (1 + 1e-12) + (axis.max === 0 ? 1e-12 : 0))
    .map((v) => ({ at: position(axis, v) ?? 0, label: formatValue(v) }));
}

/** The 1, 2 or 5 times a power of ten nearest above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Short text for a value: 4 significant digits, exponents for the very small and large. */
export function formatValue(value: ParamValue | undefined): string {
  if (value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

/**
 * How good a metric value is among the trials, 0 (worst seen) to 1 (best):
 * the colour of its line. Undefined without a value.
 */
export function goodness(value: number | undefined, axis: Axis, goal: 'minimize' | 'maximize'): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const at = position(axis, value);
  if (at === undefined) return undefined;
  return goal === 'maximize' ? at : 1 - at;
}

/**
 * `#rrggbb` (or `#rgb`) colours mixed in HSL, the hue going the short way
 * round: purple to yellow passes through red and orange (as the plasma
 * colour map does) rather than through grey. t = 0 gives `from`, 1 gives
 * `to`; `to` when either is not hex.
 */
export function mix(from: string, to: string, t: number): string {
  const a = rgb(from);
  const b = rgb(to);
  if (!a || !b) return to;
  const k = Math.min(Math.max(t, 0), 1);
  const [h1, s1, l1] = hsl(a);
  const [h2, s2, l2] = hsl(b);
  let dh = h2 - h1;
  if (dh > 180) dh -= 360;
  if (dh < -180) dh += 360;
  return hex(fromHsl((h1 + dh * k + 360) % 360, s1 + (s2 - s1) * k, l1 + (l2 - l1) * k));
}

function rgb(colour: string): [number, number, number] | undefined {
  let digits = /^#([0-9a-f]{3}|[0-9a-f]{6})([0-9a-f]{2})?$/i.exec(colour.trim())?.[1];
  if (!digits) return undefined;
  if (digits.length === 3) digits = [...digits].map((c) => c + c).join('');
  const n = parseInt(digits, 16);
  return [n >> 16, (n >> 8) & 255, n & 255];
}

function hex(c: readonly number[]): string {
  return `#${c
    .map((x) =>
      Math.round(Math.min(Math.max(x, 0), 255))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** Hue in degrees, saturation and lightness 0…1. */
function hsl([r, g, b]: readonly number[]): [number, number, number] {
  const [R, G, B] = [r / 255, g / 255, b / 255];
  const max = Math.max(R, G, B);
  const min = Math.min(R, G, B);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === R ? ((G - B) / d + (G < B ? 6 : 0)) * 60 : max === G ? ((B - R) / d + 2) * 60 : ((R - G) / d + 4) * 60;
  return [h, s, l];
}

function fromHsl(h: number, s: number, l: number): number[] {
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t: number) => {
    const u = (t + 1) % 1;
    if (u < 1 / 6) return p + (q - p) * 6 * u;
    if (u < 1 / 2) return q;
    if (u < 2 / 3) return p + (q - p) * (2 / 3 - u) * 6;
    return p;
  };
  const x = h / 360;
  return [channel(x + 1 / 3), channel(x), channel(x - 1 / 3)].map((v) => v * 255);
}
