import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { dataError } from './dataError';
import { fileError, readDataBytes, readDataHead } from './dataFile';
import { isEngineError } from './errorMessage';
import { compareClassNames } from './labels';
import { MAX_IMAGE_SIDE, MAX_PNG_BYTES } from './limits';
import { isInside } from './paths';
import { checkClassName, checkValueCount } from './table';

/**
 * Image folders (`format: "images"`): one sub-folder per class, named after
 * the class, holding PNG images of one size. PNG only: pngjs is pure JS and
 * small; JPEG would need a decoder we do not ship yet, so JPEG files are
 * reported with a hint to convert them.
 */
export interface ImageFolderData {
  readonly count: number;
  /** [height, width, channels]; channels is 1 when every image is greyscale, else 3 (alpha dropped). */
  readonly imageShape: readonly [number, number, number];
  /** [count, height, width, channels] pixel values 0–255, row-major. */
  readonly pixels: Uint8Array;
  /** Class (sub-folder) name of each image. */
  readonly labels: readonly string[];
}

export interface ImageFolderListing {
  /** Sub-folder names in class order. */
  readonly classes: readonly string[];
  readonly files: readonly { readonly file: string; readonly label: string }[];
}

const UNSUPPORTED = new Set(['.jpg', '.jpeg', '.gif', '.bmp', '.webp', '.tif', '.tiff']);

/**
 * The entry's kind, following a symbolic link only when it stays inside
 * `realFolder` (the image folder's real path): the folder itself was
 * checked to be inside the workspace, its entries were not.
 */
async function entryKind(entry: import('node:fs').Dirent, dir: string, realFolder: string): Promise<'directory' | 'file' | 'other'> {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
  const link = path.join(dir, entry.name);
  let real: string;
  let stat: import('node:fs').Stats;
  try {
    real = await fs.realpath(link);
    stat = await fs.stat(real);
  } catch {
    throw dataError(link, undefined, 'is a symbolic link to nothing: remove it');
  }
  if (!isInside(realFolder, real)) {
    throw dataError(link, undefined, `is a symbolic link to ${real}, outside the image folder; copy the images into the folder`);
  }
  return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
}

/** The PNG files of an image folder, class by class, in a fixed order. */
export async function listImageFolder(folder: string): Promise<ImageFolderListing> {
  let entries: import('node:fs').Dirent[];
  let realFolder: string;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
    realFolder = await fs.realpath(folder);
  } catch (error) {
    throw fileError(error, folder);
  }
  const classes: string[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith('.') && (await entryKind(entry, folder, realFolder)) === 'directory') {
      classes.push(checkClassName(entry.name, path.join(folder, entry.name), undefined, undefined, () => 'the class folder'));
    }
  }
  classes.sort(compareClassNames);
  if (classes.length === 0) {
    throw dataError(folder, undefined, 'holds no sub-folders: an image folder needs one sub-folder of PNG images per class');
  }
  const files: { file: string; label: string }[] = [];
  for (const label of classes) {
    const dir = path.join(folder, label);
    const names: string[] = [];
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if ((await entryKind(entry, dir, realFolder)) === 'file') names.push(entry.name);
    }
    names.sort();
    const pngs = names.filter((name) => path.extname(name).toLowerCase() === '.png');
    const other = names.find((name) => UNSUPPORTED.has(path.extname(name).toLowerCase()));
    if (other !== undefined) {
      throw dataError(
        path.join(dir, other),
        undefined,
        `${path.extname(other).slice(1).toUpperCase()} images are not supported yet: convert them to PNG`,
      );
    }
    if (pngs.length === 0) throw dataError(dir, undefined, `class folder "${label}" holds no PNG images`);
    for (const name of pngs) files.push({ file: path.join(dir, name), label });
  }
  return { classes, files };
}

const PNG_FILE = 'a PNG image';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Size and channels from a PNG's IHDR chunk (its first 26 bytes), without
 * decoding it; sizes of 0 or over MAX_IMAGE_SIDE are refused here, before
 * a decoder allocates for them.
 */
export function pngInfo(bytes: Uint8Array, file: string): { width: number; height: number; channels: 1 | 3 } {
  if (bytes.length < 26 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw dataError(file, undefined, 'not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw dataError(
      file,
      undefined,
      `its PNG header says ${width}×${height} pixels; Model Studio reads images of 1 to ${MAX_IMAGE_SIDE} pixels a side`,
    );
  }
  const colorType = bytes[25];
  // Colour types 0 and 4 are greyscale (without / with alpha).
  return { width, height, channels: colorType === 0 || colorType === 4 ? 1 : 3 };
}

async function readPngInfo(file: string): Promise<{ width: number; height: number; channels: 1 | 3 }> {
  return pngInfo(await readDataHead(file, 26, MAX_PNG_BYTES, PNG_FILE), file);
}

/** The shape of the first image of a folder, for cheap validation. */
export async function firstImageShape(listing: ImageFolderListing): Promise<[number, number, number]> {
  const info = await readPngInfo(listing.files[0].file);
  return [info.height, info.width, info.channels];
}

/** `fn` over `items`, a few at a time: all at once could run out of file handles in a big folder. */
async function mapInBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 32) results.push(...(await Promise.all(items.slice(i, i + 32).map(fn))));
  return results;
}

/**
 * Decodes every image of an image folder. All images must have the same
 * size; every header is read and checked (sizes, the total against
 * MAX_VALUES) before the first image is decoded.
 */
export async function readImageFolder(folder: string): Promise<ImageFolderData> {
  const listing = await listImageFolder(folder);
  const infos = await mapInBatches(listing.files, ({ file }) => readPngInfo(file));
  const { width, height } = infos[0];
  const channels = infos.some((info) => info.channels === 3) ? 3 : 1;
  infos.forEach((info, i) => {
    if (info.width !== width || info.height !== height) {
      throw dataError(
        listing.files[i].file,
        undefined,
        `is ${info.width}×${info.height} pixels, but ${listing.files[0].file} is ${width}×${height}: all images must have the same size`,
      );
    }
  });
  const size = height * width * channels;
  checkValueCount(listing.files.length * size, folder);
  const pixels = new Uint8Array(listing.files.length * size);
  for (let start = 0; start < listing.files.length; start += 32) {
    const batch = listing.files.slice(start, start + 32);
    const buffers = await Promise.all(batch.map(({ file }) => readDataBytes(file, MAX_PNG_BYTES, PNG_FILE)));
    buffers.forEach((bytes, k) =>
      copyPixels(decodePng(bytes, batch[k].file, width, height), pixels, (start + k) * size, width * height, channels),
    );
  }
  return { count: listing.files.length, imageShape: [height, width, channels], pixels, labels: listing.files.map((f) => f.label) };
}

/** Bytes of image data (IDAT chunks) in a PNG, walking its chunks by their lengths. */
function imageDataBytes(bytes: Buffer): number {
  let total = 0;
  for (let at = PNG_SIGNATURE.length; at + 8 <= bytes.length; at += 12 + bytes.readUInt32BE(at)) {
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') total += bytes.readUInt32BE(at);
  }
  return total;
}

/** RGBA pixels of a PNG whose header said width × height. */
function decodePng(bytes: Buffer, file: string, width: number, height: number): Buffer {
  // pngjs decodes a PNG without image data from a buffer it never filled: random pixels, or random errors.
  if (imageDataBytes(bytes) === 0) throw dataError(file, undefined, 'cannot decode PNG: it holds no image data (no IDAT chunk)');
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    // pngjs's own words help ("Unsupported bit depth 7"); an engine error from inside it does not.
    const detail = isEngineError(error) || !(error instanceof Error) ? '' : ` (${error.message})`;
    throw dataError(file, undefined, `cannot decode PNG: the file is damaged or cut short${detail}`);
  }
  if (png.width !== width || png.height !== height || png.data.length < width * height * 4) {
    throw dataError(file, undefined, 'cannot decode PNG: its pixels do not match its header');
  }
  return png.data;
}

/** One image's RGBA pixels into `pixels` at `base`, as 1 or 3 channels. */
function copyPixels(rgba: Buffer, pixels: Uint8Array, base: number, count: number, channels: 1 | 3): void {
  for (let p = 0, q = 0; p < count; p++, q += 4) {
    if (channels === 1) {
      pixels[base + p] = rgba[q];
    } else {
      pixels[base + 3 * p] = rgba[q];
      pixels[base + 3 * p + 1] = rgba[q + 1];
      pixels[base + 3 * p + 2] = rgba[q + 2];
    }
  }
}
