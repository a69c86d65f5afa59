/**
 * A small seeded PRNG so that splits (and, in the trainer, shuffling) are the
 * same for the same `training.seed` on every machine and run.
 */

/** Used when the model file sets no `training.seed`. */
export const DEFAULT_SEED = 42;

/**
 * mulberry32: a 32-bit state generator, fast and good enough for shuffling
 * (not for cryptography). Returns numbers in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  return new Mulberry32(seed).next;
}

/**
 * mulberry32 with its 32-bit state in view: the trainer saves `state` with
 * a checkpoint so a resumed run draws the numbers the run would have drawn.
 */
export class Mulberry32 {
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  readonly next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `array` in place (Fisher–Yates) with `random`, and returns it. */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(array: T, random: () => number): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = array[i];
    array[i] = array[j];
    array[j] = swap;
  }
  return array;
}

/** 0 … n-1 in an order fixed by `seed`. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32(seed));
}
