import type { AugmentSpec } from '../modelFile/modelSpec';
import { isNumber, isObject, isOptional, isString } from './primitiveGuards';

/**
 * The hyperparameters form's augmentation preview: one training image and
 * variants of it as `data.augment` makes them, computed in a trainer
 * process. JSON-safe data only; webviews import this file with `import type`.
 */

/** What the trainer needs for a preview. Paths are absolute. */
export interface AugmentPreviewRequest {
  readonly modelFile: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
  /** The model file's text as the editor has it (unsaved changes included); absent: read the file. */
  readonly text?: string;
  /** How many variants; 8 when absent. */
  readonly variants?: number;
}

/** One image as 8-bit values, row-major, `channels` per pixel: the data's range mapped to 0–255. */
export type PreviewPixels = readonly number[];

export interface AugmentPreview {
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
  /** The first image of the training split, unchanged. */
  readonly original: PreviewPixels;
  /** The same image augmented, each with its own draws (seeded by training.seed). */
  readonly variants: readonly PreviewPixels[];
  /** The augmentation the variants show (the file's `data.augment`). */
  readonly augment: AugmentSpec;
  /** The image's class, for classification. */
  readonly label?: string;
}

const isPixels = (x: unknown): x is PreviewPixels => Array.isArray(x) && x.every((v) => isNumber(v) && v >= 0 && v <= 255);

export function isAugmentPreviewRequest(x: unknown): x is AugmentPreviewRequest {
  return (
    isObject(x) &&
    isString(x.modelFile) &&
    isString(x.workspaceRoot) &&
    isOptional(x.text, isString) &&
    isOptional(x.variants, (n) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 64)
  );
}

export function isAugmentPreview(x: unknown): x is AugmentPreview {
  if (!isObject(x) || !Number.isInteger(x.width) || !Number.isInteger(x.height) || (x.channels !== 1 && x.channels !== 3)) return false;
  const size = (x.width as number) * (x.height as number) * x.channels;
  const fits = (pixels: unknown): boolean => isPixels(pixels) && pixels.length === size;
  return fits(x.original) && Array.isArray(x.variants) && x.variants.every(fits) && isObject(x.augment) && isOptional(x.label, isString);
}
