import { isTextSource } from '../data/prepareText';
import { problem, type CheckContext } from './checkContext';
import type { SpecDiagnostic } from './diagnostic';
import { isIdxSource, isImageFolderSource } from './modelSpec';

/**
 * `data.augment` changes images: the training source must be images (IDX
 * files or an image folder) shaped [height, width, channels], which the
 * flips, rotation, shift and zoom need.
 */
export function checkAugment(ctx: CheckContext): SpecDiagnostic[] {
  const { augment, train, features } = ctx.spec.data;
  if (augment === undefined) return [];
  if (!isIdxSource(train) && !isImageFolderSource(train)) {
    const what = isTextSource(train) ? 'text' : 'a table';
    return [
      problem(
        ctx,
        ['data', 'augment'],
        'error',
        `"data.augment" flips, rotates and shifts images, but data.train is ${what}: augmentation needs image data (IDX files or an image folder); remove "data.augment"`,
        'key',
      ),
    ];
  }
  const shape = features?.shape;
  if (shape === undefined || shape.length !== 3) {
    const now = shape === undefined ? 'flat (no "data.features.shape")' : `[${shape.join(', ')}]`;
    return [
      problem(
        ctx,
        ['data', 'augment'],
        'error',
        `"data.augment" needs each image as [height, width, channels], but the examples are ${now}: set "data.features.shape", e.g. [28, 28, 1]`,
        'key',
      ),
    ];
  }
  return [];
}
