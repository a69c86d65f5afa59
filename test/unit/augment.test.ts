import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Mulberry32 } from '../../src/data/random';
import type { AugmentSpec } from '../../src/modelFile/modelSpec';
import { augmentBatch, augmentEpoch, isAugmenting, pixelRange } from '../../src/trainer/augment';

const H = 16;
const W = 16;
const UNIT = { min: 0, max: 1 };

/** `count` copies of one H×W greyscale image whose pixel (y, x) is `pixel(y, x)`. */
function copies(count: number, pixel: (y: number, x: number) => number): tf.Tensor4D {
  const one = Array.from({ length: H * W }, (_, i) => pixel(Math.floor(i / W), i % W));
  return tf.tensor4d(Array.from({ length: count }, () => one).flat(), [count, H, W, 1]);
}

/** Each image of `images` as rows of numbers. */
function imagesOf(images: tf.Tensor4D): number[][][] {
  return (images.arraySync() as number[][][][]).map((image) => image.map((row) => row.map((pixel) => pixel[0])));
}

function augmented(images: tf.Tensor4D, spec: AugmentSpec, seed = 1, range = UNIT): number[][][] {
  const out = augmentBatch(images, spec, range, new Mulberry32(seed));
  try {
    return imagesOf(out);
  } finally {
    out.dispose();
  }
}

/** Total, centre of mass (x, y) and principal-axis angle (degrees) of an image's pixel values. */
function moments(image: number[][]): { mass: number; x: number; y: number; angle: number } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  image.forEach((row, y) => row.forEach((v, x) => ((mass += v), (sx += v * x), (sy += v * y))));
  const cx = sx / mass;
  const cy = sy / mass;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  image.forEach((row, y) => row.forEach((v, x) => ((xx += v * (x - cx) ** 2), (yy += v * (y - cy) ** 2), (xy += v * (x - cx) * (y - cy)))));
  return { mass, x: cx, y: cy, angle: (0.5 * Math.atan2(2 * xy, xx - yy) * 180) / Math.PI };
}

/** A bright horizontal bar across the middle (rows 7–8, columns 3–12) on black. */
const bar = (y: number, x: number): number => (y >= 7 && y <= 8 && x >= 3 && x <= 12 ? 1 : 0);
/** An asymmetric shape: a bright 3×3 block in the top-left quadrant. */
const corner = (y: number, x: number): number => (y >= 2 && y <= 4 && x >= 3 && x <= 5 ? 1 : 0);

describe('augmentation ops (data.augment)', () => {
  before(() => tf.setBackend('cpu'));

  it('nothing to do: absent, zero and false entries change nothing', () => {
    assert.equal(isAugmenting(undefined), false);
    assert.equal(isAugmenting({ flipHorizontal: false, rotate: 0, shift: 0, zoom: 0, brightness: 0, contrast: 0, noise: 0 }), false);
    assert.equal(isAugmenting({ noise: 0.01 }), true);
    const images = copies(4, corner);
    assert.deepEqual(augmented(images, { noise: 0, rotate: 0 }), imagesOf(images));
    images.dispose();
  });

  it('flipHorizontal mirrors some images left to right and leaves the others; flipVertical top to bottom', () => {
    const images = copies(32, corner);
    const original = imagesOf(images)[0];
    const mirrored = original.map((row) => [...row].reverse());
    const upsideDown = [...original].reverse();
    const round = (image: number[][]): number[][] => image.map((row) => row.map((v) => Math.round(v * 1000) / 1000));
    const horizontal = augmented(images, { flipHorizontal: true }).map(round);
    assert.ok(horizontal.every((image) => equal(image, original) || equal(image, mirrored)));
    assert.ok(horizontal.some((image) => equal(image, mirrored)) && horizontal.some((image) => equal(image, original)));
    const vertical = augmented(images, { flipVertical: true }).map(round);
    assert.ok(vertical.every((image) => equal(image, original) || equal(image, upsideDown)));
    assert.ok(vertical.some((image) => equal(image, upsideDown)));
    images.dispose();
  });

  it('shift moves the mass by up to the fraction of the size, keeping it', () => {
    const images = copies(16, (y, x) => (y >= 6 && y <= 9 && x >= 6 && x <= 9 ? 1 : 0));
    const before = moments(imagesOf(images)[0]);
    const after = augmented(images, { shift: 0.25 }).map(moments);
    for (const m of after) {
      assert.ok(Math.abs(m.x - before.x) <= 0.25 * W + 1e-3 && Math.abs(m.y - before.y) <= 0.25 * H + 1e-3, JSON.stringify(m));
      assert.ok(Math.abs(m.mass - before.mass) < 0.5, `mass ${m.mass} vs ${before.mass}`);
    }
    assert.ok(after.some((m) => Math.abs(m.x - before.x) > 1) && after.some((m) => Math.abs(m.y - before.y) > 1));
    images.dispose();
  });

  it('rotate turns the image about its centre by at most the angle', () => {
    const images = copies(16, bar);
    const angles = augmented(images, { rotate: 30 }).map(moments);
    for (const m of angles) {
      assert.ok(Math.abs(m.angle) <= 31, `angle ${m.angle}`);
      assert.ok(Math.abs(m.x - 7.5) < 0.3 && Math.abs(m.y - 7.5) < 0.3, `centre ${m.x}, ${m.y}`);
    }
    assert.ok(
      angles.some((m) => Math.abs(m.angle) > 10),
      'some images are turned by more than a third of the angle',
    );
    images.dispose();
  });

  it('zoom scales about the centre: area within [(1 − zoom)², (1 + zoom)²] of the original', () => {
    const images = copies(16, (y, x) => (y >= 4 && y <= 11 && x >= 4 && x <= 11 ? 1 : 0));
    const before = moments(imagesOf(images)[0]);
    const after = augmented(images, { zoom: 0.3 }).map(moments);
    for (const m of after) {
      assert.ok(m.mass >= before.mass * 0.7 ** 2 - 4 && m.mass <= before.mass * 1.3 ** 2 + 4, `mass ${m.mass}`);
      assert.ok(Math.abs(m.x - 7.5) < 0.3 && Math.abs(m.y - 7.5) < 0.3);
    }
    assert.ok(after.some((m) => m.mass < before.mass * 0.9) && after.some((m) => m.mass > before.mass * 1.1));
    images.dispose();
  });

  it('brightness adds one offset per image, within ±brightness of the range; contrast scales around the mean', () => {
    const grey = copies(16, (y, x) => 0.4 + 0.2 * ((x + y) % 2));
    const original = imagesOf(grey)[0];
    for (const image of augmented(grey, { brightness: 0.1 })) {
      const offset = image[0][0] - original[0][0];
      assert.ok(Math.abs(offset) <= 0.1 + 1e-6);
      image.forEach((row, y) => row.forEach((v, x) => assert.ok(Math.abs(v - original[y][x] - offset) < 1e-5)));
    }
    for (const image of augmented(grey, { contrast: 0.5 })) {
      const factor = (image[0][1] - image[0][0]) / (original[0][1] - original[0][0]);
      assert.ok(factor >= 0.5 - 1e-5 && factor <= 1.5 + 1e-5, `factor ${factor}`);
      assert.ok(Math.abs(moments(image).mass - moments(original).mass) < 1e-3, 'the mean is kept');
    }
    grey.dispose();
  });

  it('noise adds Gaussian noise of the given share of the range; values stay in range whatever is asked', () => {
    const grey = copies(8, () => 0.5);
    const noisy = augmented(grey, { noise: 0.05 }).flat(2);
    const deviations = noisy.map((v) => v - 0.5);
    const std = Math.sqrt(deviations.reduce((sum, d) => sum + d * d, 0) / deviations.length);
    assert.ok(std > 0.04 && std < 0.06, `std ${std}`);
    const all: AugmentSpec = {
      flipHorizontal: true,
      flipVertical: true,
      rotate: 45,
      shift: 0.3,
      zoom: 0.5,
      brightness: 1,
      contrast: 1,
      noise: 1,
    };
    const range = { min: -0.5, max: 2 };
    const wild = augmented(copies(8, corner), all, 3, range).flat(2);
    assert.ok(Math.min(...wild) >= -0.5 && Math.max(...wild) <= 2);
    assert.ok(Math.min(...wild) < 0 && Math.max(...wild) > 1, 'the range is the data range, not [0, 1]');
    grey.dispose();
  });

  it('pixelRange is the lowest and highest value', () => {
    assert.deepEqual(pixelRange(Float32Array.from([0.5, -1, 3])), { min: -1, max: 3 });
  });

  it('an epoch is a function of the seed and the epoch: same seed, same images; another epoch or seed, others', () => {
    const x = copies(20, corner);
    const values = x.dataSync() as Float32Array;
    const spec: AugmentSpec = { rotate: 10, shift: 0.1, noise: 0.05, brightness: 0.1 };
    const epoch = (seed: number, n: number): number[] => {
      const out = augmentEpoch(values, [H, W, 1], spec, UNIT, seed, n, 8);
      try {
        assert.deepEqual(out.shape, x.shape);
        return Array.from(out.dataSync());
      } finally {
        out.dispose();
      }
    };
    const first = epoch(42, 1);
    assert.deepEqual(epoch(42, 1), first);
    assert.notDeepEqual(epoch(42, 2), first);
    assert.notDeepEqual(epoch(43, 1), first);
    x.dispose();
  });
});

function equal(a: number[][], b: number[][]): boolean {
  return a.every((row, y) => row.every((v, x) => Math.abs(v - b[y][x]) < 1e-3));
}
