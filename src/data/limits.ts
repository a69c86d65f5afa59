/**
 * What Model Studio refuses to read, checked before reading (file size,
 * IDX and PNG headers) or as soon as it shows (a record, a nesting depth):
 * a hostile or mistaken file then costs a stat or a few KB, not the
 * machine's memory. The reasons for each figure are in docs/decisions.md
 * ("Data limits").
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Feature values of one data source: 2 GiB as float32, which training holds in memory at least twice. */
export const MAX_VALUES = 2 ** 29;

/** CSV files are streamed; at this size they hold about MAX_VALUES numbers of a few digits. */
export const MAX_CSV_BYTES = 4 * GiB;

/** Files read whole into one string (JSON, JSON Lines, predict's input): V8 strings stop at 512 Mi characters, and parsing takes several times the text. */
export const MAX_TEXT_BYTES = 256 * MiB;

/** One CSV record (or a header): a row of 100,000 numbers is about 1 MiB. */
export const MAX_RECORD_CHARS = 16 * MiB;

/** Nesting of a JSON data file: records need 2 (an array of objects). */
export const MAX_JSON_DEPTH = 32;

/** An IDX file, also once decompressed: MAX_VALUES bytes and a header of at most 255 sizes. */
export const MAX_IDX_BYTES = MAX_VALUES + 4 + 4 * 255;

/** One PNG file, and one side of an image in pixels (pngjs decodes into 4 bytes a pixel: 256 MiB at most). */
export const MAX_PNG_BYTES = 256 * MiB;
export const MAX_IMAGE_SIDE = 8192;

/** Validation reads data files up to this size in full (every cell, every image); bigger ones only in part. */
export const FULL_CHECK_BYTES = 32 * MiB;

/** A size for a person: `512 B`, `64 KiB`, `3.5 MiB`, `8 GiB`. */
export function showSize(bytes: number): string {
  const [unit, size] = bytes >= GiB ? ['GiB', GiB] : bytes >= MiB ? ['MiB', MiB] : bytes >= KiB ? ['KiB', KiB] : ['B', 1];
  const value = bytes / size;
  return `${value < 10 && size > 1 ? Number(value.toFixed(1)) : Math.round(value)} ${unit}`;
}

/** `1,234,567`: counts in messages. */
export function showCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** "N values, more than …": why a source of `count` values is refused, for a message that names the file. */
export function tooManyValues(count: number): string {
  return `${showCount(count)} values, more than the ${showCount(MAX_VALUES)} (${showSize(MAX_VALUES * 4)} as float32) Model Studio loads into memory: use fewer or smaller examples`;
}
