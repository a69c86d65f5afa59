import * as tf from '@tensorflow/tfjs';
import { Mulberry32 } from '../data/random';
import type { AugmentSpec } from '../modelFile/modelSpec';

// Image augmentation (`data.augment`): one chain of batched ops per batch, random draws from a seeded generator.

/** The lowest and highest value of the training images after normalisation: brightness and noise are fractions of it, and results are clamped to it. */
export interface PixelRange {
  readonly min: number;
  readonly max: number;
}

/** Whether `spec` moves pixels (one tf.image.transform row per image). */
function isGeometric(spec: AugmentSpec): boolean {
  return spec.flipHorizontal === true || spec.flipVertical === true || !!spec.rotate || !!spec.shift || !!spec.zoom;
}

/** Whether `spec` changes anything: every entry is off when absent, 0 or false. */
export function isAugmenting(spec: AugmentSpec | undefined): spec is AugmentSpec {
  return spec !== undefined && (isGeometric(spec) || !!spec.brightness || !!spec.contrast || !!spec.noise);
}

export function pixelRange(values: Float32Array): PixelRange {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return values.length === 0 ? { min: 0, max: 1 } : { min, max };
}

/** Uniform in [−magnitude, magnitude]. */
const symmetric = (random: Mulberry32, magnitude: number): number => (2 * random.next() - 1) * magnitude;

/**
 * Per image, the row tf.image.transform takes: it maps each output pixel
 * (x, y) to the input point (a0·x + a1·y + a2, b0·x + b1·y + b2) it samples.
 * The image is flipped, rotated and scaled about its centre, then shifted;
 * the row is that map's inverse: M = F·R(−θ)/s, input = M·(output − centre − shift) + centre.
 */
function transformRow(spec: AugmentSpec, random: Mulberry32, height: number, width: number): number[] {
  const flipX = spec.flipHorizontal === true && random.next() < 0.5 ? -1 : 1;
  const flipY = spec.flipVertical === true && random.next() < 0.5 ? -1 : 1;
  const angle = spec.rotate ? (symmetric(random, spec.rotate) * Math.PI) / 180 : 0;
  const scale = spec.zoom ? 1 + symmetric(random, spec.zoom) : 1;
  const shiftX = spec.shift ? symmetric(random, spec.shift) * width : 0;
  const shiftY = spec.shift ? symmetric(random, spec.shift) * height : 0;
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  // R(−θ)/s = [[cos, sin], [−sin, cos]]; F negates a row of the map (x or y of the input point).
  const m00 = flipX * cos;
  const m01 = flipX * sin;
  const m10 = -flipY * sin;
  const m11 = flipY * cos;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const ox = cx + shiftX;
  const oy = cy + shiftY;
  return [m00, m01, cx - m00 * ox - m01 * oy, m10, m11, cy - m10 * ox - m11 * oy, 0, 0];
}

/**
 * `images` [n, height, width, channels] changed as `spec` says, each image
 * with its own draws from `random` (flips, angle, zoom, shift, then
 * contrast and brightness, then a seed for the noise: a fixed order, so the
 * same generator state gives the same batch). Values stay within `range`.
 * Points from outside an image take its nearest edge pixel, as Keras's
 * ImageDataGenerator does by default. Returns a new tensor; `images` is kept.
 */
export function augmentBatch(images: tf.Tensor4D, spec: AugmentSpec, range: PixelRange, random: Mulberry32): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const rows: number[] = [];
  const contrasts: number[] = [];
  const offsets: number[] = [];
  const span = range.max - range.min || 1;
  for (let i = 0; i < count; i++) {
    if (isGeometric(spec)) rows.push(...transformRow(spec, random, height, width));
    contrasts.push(spec.contrast ? 1 + symmetric(random, spec.contrast) : 1);
    offsets.push(spec.brightness ? symmetric(random, spec.brightness) * span : 0);
  }
  const noiseSeed = spec.noise ? Math.floor(random.next() * 2 ** 31) : 0;
  return tf.tidy(() => {
    let out: tf.Tensor4D = isGeometric(spec) ? transformImages(images, tf.tensor2d(rows, [count, 8])) : images.clone();
    if (spec.contrast) {
      const mean = tf.mean(out, [1, 2, 3], true);
      out = tf.add(mean, tf.mul(tf.sub(out, mean), tf.tensor4d(contrasts, [count, 1, 1, 1])));
    }
    if (spec.brightness) out = tf.add(out, tf.tensor4d(offsets, [count, 1, 1, 1]));
    if (spec.noise) out = tf.add(out, tf.randomNormal(out.shape, 0, spec.noise * span, 'float32', noiseSeed));
    return spec.contrast || spec.brightness || spec.noise ? tf.clipByValue(out, range.min, range.max) : out;
  });
}

/**
 * tf.image.transform, bilinear, points outside taking the nearest edge
 * pixel. TF.js 4.22's cpu kernel returns after the first image of a batch
 * (the others stay at the fill value), so on cpu each image goes alone;
 * wasm, webgl and webgpu take the batch in one op.
 */
function transformImages(images: tf.Tensor4D, rows: tf.Tensor2D): tf.Tensor4D {
  if (tf.getBackend() !== 'cpu') return tf.image.transform(images, rows, 'bilinear', 'nearest');
  const count = images.shape[0];
  const one = (i: number): tf.Tensor4D =>
    tf.image.transform(tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]), tf.slice(rows, [i, 0], [1, 8]), 'bilinear', 'nearest');
  return tf.concat(
    Array.from({ length: count }, (_, i) => one(i)),
    0,
  );
}

/** The generator an epoch's augmentation draws from: a function of the seed and the epoch only, so a resumed epoch gets the same images. */
export function epochRandom(seed: number, epoch: number): Mulberry32 {
  return new Mulberry32((Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch, 0x85ebca6b) ^ 0x27d4eb2f) >>> 0);
}

/**
 * The training images of one epoch augmented, in batches of `batchSize`
 * (one op chain each), in their order: fit then shuffles and batches them
 * as it does the plain split. `values` are the images [count, height, width,
 * channels] flattened. Each batch is uploaded from `values`: slicing the
 * split's tensor instead cost wasm about 10 ms per batch of 64 digits. Owned by the caller.
 */
export function augmentEpoch(
  values: Float32Array,
  shape: readonly number[],
  spec: AugmentSpec,
  range: PixelRange,
  seed: number,
  epoch: number,
  batchSize: number,
): tf.Tensor4D {
  const [height, width, channels] = shape;
  if (shape.length !== 3) throw new Error(`data.augment: images must be [height, width, channels], not [${shape.join(', ')}]`);
  const size = height * width * channels;
  const count = values.length / size;
  const random = epochRandom(seed, epoch);
  const chunks: tf.Tensor4D[] = [];
  try {
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const batch = tf.tensor4d(values.subarray(start * size, (start + n) * size), [n, height, width, channels]);
      try {
        chunks.push(augmentBatch(batch, spec, range, random));
      } finally {
        batch.dispose();
      }
    }
    return chunks.length === 1 ? chunks[0].clone() : tf.concat(chunks, 0);
  } finally {
    tf.dispose(chunks);
  }
}

/**
 * What a run does to each epoch's training images (`data.augment`), or
 * undefined when it asks for nothing: the epoch's images [count, ...shape];
 * the pixel range is the training split's, after normalisation.
 */
export function trainingAugmentation(
  spec: AugmentSpec | undefined,
  trainValues: Float32Array,
  shape: readonly number[],
  seed: number,
  batchSize: number,
): ((epoch: number) => tf.Tensor) | undefined {
  if (!isAugmenting(spec)) return undefined;
  const range = pixelRange(trainValues);
  return (epoch) => augmentEpoch(trainValues, shape, spec, range, seed, epoch, batchSize);
}
