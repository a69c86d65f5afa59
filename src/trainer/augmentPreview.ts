import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import { displayPath } from '../data/dataError';
import { prepareData } from '../data/prepareData';
import { DEFAULT_SEED } from '../data/random';
import { formatDiagnostic, validateModelFile } from '../modelFile/validateModelFile';
import type { AugmentPreview, AugmentPreviewRequest } from '../protocol/augmentTypes';
import { augmentBatch, epochRandom, pixelRange, type PixelRange } from './augment';
import { loadBackend } from './backend';

const DEFAULT_VARIANTS = 8;

/** Values of `range` as 0–255, for drawing. */
function toBytes(values: ArrayLike<number>, range: PixelRange): number[] {
  const span = range.max - range.min || 1;
  return Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, (v - range.min) / span)) * 255));
}

/**
 * The first training image and `variants` augmented copies of it, as the
 * model file's `data.augment` makes them, drawn from the generator of a
 * run's first epoch (the first variant is what that epoch trains on). On the cpu
 * backend: a handful of small images needs no faster one, and cpu starts at once.
 */
export async function augmentPreview(request: AugmentPreviewRequest): Promise<AugmentPreview> {
  const { modelFile, workspaceRoot } = request;
  const text = request.text ?? (await fs.readFile(modelFile, 'utf8'));
  const { spec, diagnostics } = await validateModelFile(modelFile, text, { workspaceRoot, leaveDataErrorsToLoading: true });
  const error = diagnostics.find((d) => d.severity === 'error');
  if (spec === undefined || error !== undefined) {
    throw new Error(error ? formatDiagnostic(error) : `${displayPath(modelFile)}: the model file has problems`);
  }
  const [height, width, channels] = spec.data.features?.shape ?? [];
  if (spec.data.features?.shape?.length !== 3 || (channels !== 1 && channels !== 3)) {
    throw new Error(`${displayPath(modelFile)}: data.augment: the preview draws images of [height, width, 1 or 3 channels]`);
  }
  const data = await prepareData(spec, { modelFile, workspaceRoot });
  if (data.train.count === 0) throw new Error(`${displayPath(modelFile)}: data.train: no training images to preview`);
  await loadBackend('cpu');
  const size = height * width * channels;
  const image = data.train.x.subarray(0, size);
  const range = pixelRange(data.train.x);
  const count = request.variants ?? DEFAULT_VARIANTS;
  const copies = tf.tidy(() => tf.tile(tf.tensor4d(image, [1, height, width, channels]), [count, 1, 1, 1]));
  const augmented = augmentBatch(copies, spec.data.augment ?? {}, range, epochRandom(spec.training.seed ?? DEFAULT_SEED, 0));
  try {
    const values = await augmented.data();
    const label = data.classes?.[data.train.y[0]];
    return {
      width,
      height,
      channels,
      original: toBytes(image, range),
      variants: Array.from({ length: count }, (_, i) => toBytes(values.subarray(i * size, (i + 1) * size), range)),
      augment: spec.data.augment ?? {},
      ...(label === undefined ? {} : { label }),
    };
  } finally {
    tf.dispose([copies, augmented]);
  }
}
