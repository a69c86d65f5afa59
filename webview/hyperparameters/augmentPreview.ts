import type { AugmentPreview, PreviewPixels } from '../../src/protocol/augmentTypes';
import type { AugmentSpec } from '../../src/modelFile/modelSpec';
import { make } from '../common/page';

/** Each image is drawn this many times its size, at least: a 28×28 digit becomes 84×84. */
const MIN_SIDE = 84;

/** 0.1 → "10 %". */
const percent = (fraction: number): string => `${Number((fraction * 100).toFixed(1))} %`;

/** What the variants show, in words, for the grid's accessible label. */
export function describeAugment(augment: AugmentSpec): string {
  const parts = [
    augment.flipHorizontal ? 'flipped left to right at random' : '',
    augment.flipVertical ? 'flipped top to bottom at random' : '',
    augment.rotate ? `rotated up to ${augment.rotate}°` : '',
    augment.shift ? `shifted up to ${percent(augment.shift)} of the size` : '',
    augment.zoom ? `zoomed by up to ±${percent(augment.zoom)}` : '',
    augment.brightness ? `brightness up to ±${percent(augment.brightness)}` : '',
    augment.contrast ? `contrast up to ±${percent(augment.contrast)}` : '',
    augment.noise ? `Gaussian noise of ${percent(augment.noise)} of the range` : '',
  ].filter((p) => p !== '');
  return parts.length === 0 ? 'no augmentation: every version is the image itself' : parts.join(', ');
}

/** One image on a canvas, scaled up with hard pixel edges; grey or RGB values 0–255. */
function drawImage(canvas: HTMLCanvasElement, pixels: PreviewPixels, preview: AugmentPreview): void {
  const { width, height, channels } = preview;
  const scale = Math.max(1, Math.ceil(MIN_SIDE / Math.max(width, height)));
  canvas.width = width * scale;
  canvas.height = height * scale;
  const context = canvas.getContext('2d');
  if (context === null) return;
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) image.data[4 * i + c] = pixels[channels === 1 ? i : 3 * i + c];
    image.data[4 * i + 3] = 255;
  }
  const small = document.createElement('canvas');
  small.width = width;
  small.height = height;
  small.getContext('2d')?.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/**
 * The Augmentation group's preview: the first training image and eight
 * augmented versions in a grid, each on a canvas, with a label a screen
 * reader reads; a line says when it is being drawn or why it could not be.
 */
export class AugmentPreviewView {
  readonly element = make('figure', 'augment-preview');
  private readonly grid = make('div', 'augment-grid');
  private readonly status = make('p', 'augment-status');
  private readonly caption = make('figcaption');
  private drawn = 0;

  constructor() {
    this.status.setAttribute('role', 'status');
    this.grid.setAttribute('role', 'img');
    this.element.append(this.caption, this.grid, this.status);
    this.caption.textContent = 'Preview: the first training image and eight augmented versions (training.seed)';
    this.status.textContent = 'Drawing the preview…';
  }

  drawing(): void {
    this.element.dataset.state = 'drawing';
    this.status.hidden = false;
    this.status.className = 'augment-status';
    this.status.textContent = 'Drawing the preview…';
  }

  failed(message: string): void {
    this.element.dataset.state = 'failed';
    this.status.hidden = false;
    this.status.className = 'augment-status error';
    this.status.textContent = `No preview: ${message}`;
  }

  show(preview: AugmentPreview): void {
    const tiles = [preview.original, ...preview.variants].map((pixels, i) => {
      const tile = make('div', i === 0 ? 'augment-tile original' : 'augment-tile');
      const canvas = document.createElement('canvas');
      drawImage(canvas, pixels, preview);
      tile.append(
        canvas,
        make('span', undefined, i === 0 ? `original${preview.label === undefined ? '' : ` (${preview.label})`}` : `${i}`),
      );
      return tile;
    });
    this.grid.replaceChildren(...tiles);
    const label = preview.label === undefined ? '' : ` of class ${preview.label}`;
    this.grid.setAttribute(
      'aria-label',
      `The first training image${label} and ${preview.variants.length} augmented versions: ${describeAugment(preview.augment)}`,
    );
    this.drawn += 1;
    this.element.dataset.state = 'ready';
    this.element.dataset.drawn = String(this.drawn);
    this.element.dataset.variants = String(preview.variants.length);
    this.status.hidden = true;
  }
}
