import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { dataError } from './dataError';
import { fileError } from './csv';
import { compareClassNames } from './labels';
import { isInside } from './paths';

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
    if (!entry.name.startsWith('.') && (await entryKind(entry, folder, realFolder)) === 'directory') classes.push(entry.name);
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
      throw dataError(path.join(dir, other), undefined, `${path.extname(other).slice(1).toUpperCase()} images are not supported yet: convert them to PNG`);
    }
    if (pngs.length === 0) throw dataError(dir, undefined, `class folder "${label}" holds no PNG images`);
    for (const name of pngs) files.push({ file: path.join(dir, name), label });
  }
  return { classes, files };
}

/** Size and channels from a PNG's IHDR chunk (the first 26 bytes), without decoding it. */
export function pngInfo(bytes: Uint8Array, file: string): { width: number; height: number; channels: 1 | 3 } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 26 || signature.some((b, i) => bytes[i] !== b)) throw dataError(file, undefined, 'not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const colorType = bytes[25];
  // Colour types 0 and 4 are greyscale (without / with alpha).
  return { width: view.getUint32(16), height: view.getUint32(20), channels: colorType === 0 || colorType === 4 ? 1 : 3 };
}

/** The shape of the first image of a folder, for cheap validation. */
export async function firstImageShape(listing: ImageFolderListing): Promise<[number, number, number]> {
  const first = listing.files[0].file;
  const handle = await fs.open(first, 'r').catch((error: unknown) => Promise.reject(fileError(error, first)));
  try {
    const head = Buffer.alloc(32);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const info = pngInfo(head.subarray(0, bytesRead), first);
    return [info.height, info.width, info.channels];
  } finally {
    await handle.close();
  }
}

/** Decodes every image of an image folder. All images must have the same size. */
export async function readImageFolder(folder: string): Promise<ImageFolderData> {
  const listing = await listImageFolder(folder);
  const buffers = await Promise.all(listing.files.map(({ file }) => fs.readFile(file).catch((error: unknown) => Promise.reject(fileError(error, file)))));
  const infos = buffers.map((bytes, i) => pngInfo(bytes, listing.files[i].file));
  const { width, height } = infos[0];
  const channels = infos.some((info) => info.channels === 3) ? 3 : 1;
  infos.forEach((info, i) => {
    if (info.width !== width || info.height !== height) {
      throw dataError(listing.files[i].file, undefined, `is ${info.width}×${info.height} pixels, but ${listing.files[0].file} is ${width}×${height}: all images must have the same size`);
    }
  });
  const size = height * width * channels;
  const pixels = new Uint8Array(buffers.length * size);
  buffers.forEach((bytes, i) => {
    let rgba: Buffer;
    try {
      rgba = PNG.sync.read(bytes).data;
    } catch (error) {
      throw dataError(listing.files[i].file, undefined, `cannot decode PNG: ${(error as Error).message}`);
    }
    const base = i * size;
    for (let p = 0, q = 0; p < width * height; p++, q += 4) {
      if (channels === 1) {
        pixels[base + p] = rgba[q];
      } else {
        pixels[base + 3 * p] = rgba[q];
        pixels[base + 3 * p + 1] = rgba[q + 1];
        pixels[base + 3 * p + 2] = rgba[q + 2];
      }
    }
  });
  return { count: buffers.length, imageShape: [height, width, channels], pixels, labels: listing.files.map((f) => f.label) };
}
