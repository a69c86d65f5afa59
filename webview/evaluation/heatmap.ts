import type { ExampleImage } from '../../src/protocol/evaluationTypes';

/*
 * The pixel math of the Explanation section, without the DOM: decoding the
 * images the host sends, the heatmap colormap, and a heatmap laid over an
 * image. Everything works on RGBA bytes as ImageData holds them.
 */

type Rgb = readonly [number, number, number];

/**
 * A turbo-like ramp from dark blue through green and yellow to red: its
 * high end (red) stands out on a white digit and on a black background, and
 * on the light and dark themes' backgrounds where the legend sits.
 */
const STOPS: readonly Rgb[] = [
  [48, 18, 59],
  [65, 125, 240],
  [30, 210, 190],
  [160, 250, 60],
  [250, 150, 30],
  [200, 20, 10],
];

/** The colour of `value` (clamped to [0, 1]; NaN counts as 0), interpolated between the ramp's stops. */
export function colormap(value: number): Rgb {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const at = v * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(at));
  const t = at - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

/** The colour stops of a CSS gradient showing the ramp, low to high, for the legend. */
export function colormapGradient(steps = 8): string {
  const stops = Array.from({ length: steps + 1 }, (_, s) => {
    const [r, g, b] = colormap(s / steps);
    return `rgb(${r}, ${g}, ${b}) ${Math.round((100 * s) / steps)}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

export function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** An example image (grey or RGB bytes, base64) as opaque RGBA. */
export function imageRgba(image: ExampleImage): Uint8ClampedArray {
  const bytes = decodeBase64(image.pixels);
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  for (let p = 0; p < image.width * image.height; p++) {
    const [r, g, b] = image.channels === 1 ? [bytes[p], bytes[p], bytes[p]] : [bytes[3 * p], bytes[3 * p + 1], bytes[3 * p + 2]];
    out.set([r, g, b, 255], 4 * p);
  }
  return out;
}

/** A feature map (one 0–255 byte per position, base64) as opaque grey RGBA. */
export function grayRgba(base64: string, width: number, height: number): Uint8ClampedArray {
  const bytes = decodeBase64(base64);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) out.set([bytes[p] ?? 0, bytes[p] ?? 0, bytes[p] ?? 0, 255], 4 * p);
  return out;
}

/**
 * `heatmap` laid over `base` (RGBA, width × height): each pixel mixes in the
 * colormap's colour by `opacity` × its heat, so cold pixels show the image
 * as it is. A heatmap of another size is sampled at the nearest position.
 */
export function overlayRgba(
  base: Uint8ClampedArray,
  width: number,
  height: number,
  heatmap: readonly (readonly number[])[],
  opacity: number,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(base);
  const rows = heatmap.length;
  const columns = heatmap[0]?.length ?? 0;
  if (rows === 0 || columns === 0) return out;
  const weight = Math.min(1, Math.max(0, opacity));
  for (let y = 0; y < height; y++) {
    const row = heatmap[Math.min(rows - 1, Math.floor((y * rows) / height))];
    for (let x = 0; x < width; x++) {
      const heat = row[Math.min(columns - 1, Math.floor((x * columns) / width))];
      const v = Number.isFinite(heat) ? Math.min(1, Math.max(0, heat)) : 0;
      const alpha = weight * v;
      const color = colormap(v);
      const p = 4 * (y * width + x);
      for (let c = 0; c < 3; c++) out[p + c] = Math.round(base[p + c] * (1 - alpha) + color[c] * alpha);
    }
  }
  return out;
}

/** The share of the heatmap's total in its hottest `fraction` of pixels: how concentrated it is (1: all in one spot). */
export function topShare(heatmap: readonly (readonly number[])[], fraction = 0.1): number {
  const values = heatmap.flat().filter((v) => Number.isFinite(v) && v > 0);
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const count = Math.max(1, Math.round(fraction * heatmap.flat().length));
  return (
    values
      .sort((a, b) => b - a)
      .slice(0, count)
      .reduce((a, b) => a + b, 0) / total
  );
}
