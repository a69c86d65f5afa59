import * as zlib from 'node:zlib';
import { dataError, type DataError } from './dataError';
import { readDataBytes, readDataHead } from './dataFile';
import { MAX_IDX_BYTES, MAX_VALUES, showCount, showSize, tooManyValues } from './limits';

/**
 * MNIST-style IDX files (http://yann.lecun.com/exdb/mnist/ "FILE FORMATS"):
 * magic [0, 0, type, ndims], then ndims big-endian uint32 sizes, then the
 * data. Only unsigned-byte data (type 0x08) is supported, which is what
 * MNIST and Fashion-MNIST use.
 */
export interface IdxArray {
  /** Sizes, outermost first: [count, rows, cols] for images, [count] for labels. */
  readonly dims: readonly number[];
  /** Row-major values, exactly the product of `dims` long (a view, not a copy). */
  readonly data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Gzip is recognised by its magic bytes, whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses the header only; `bytes` may be just the first few hundred bytes. */
export function parseIdxHeader(bytes: Uint8Array, file: string): { dims: number[]; dataOffset: number } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw dataError(file, undefined, 'not an IDX file (it should start with two zero bytes, then the data type and number of dimensions)');
  }
  const type = bytes[2];
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type] ?? `unknown type 0x${type.toString(16)}`;
    throw dataError(file, undefined, `IDX data type ${name} is not supported, only uint8 (0x08)`);
  }
  const ndims = bytes[3];
  const dataOffset = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < dataOffset) throw dataError(file, undefined, 'the IDX header is cut short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  // Checked before anything is allocated for them: a header is 4 bytes a size, the data can be anything.
  if (dims.includes(0)) {
    throw dataError(
      file,
      undefined,
      `the IDX header announces sizes ${dims.join(' × ')}: ${dims[0] === 0 ? 'no examples' : 'examples of no values'}`,
    );
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (size > MAX_VALUES) throw dataError(file, undefined, `the IDX header announces ${dims.join(' × ')} = ${tooManyValues(size)}`);
  return { dims, dataOffset };
}

/** Parses a whole (already decompressed) IDX file. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const { dims, dataOffset } = parseIdxHeader(bytes, file);
  const size = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - dataOffset;
  if (available < size) {
    throw dataError(
      file,
      undefined,
      `the file is cut short: the header announces ${dims.join(' × ')} = ${size} values, the file holds ${available}`,
    );
  }
  if (available > size) {
    // Not silently dropped: a wrong size in the header would misalign every example.
    throw dataError(
      file,
      undefined,
      `the file holds ${showCount(available - size)} bytes more than the ${dims.join(' × ')} = ${showCount(size)} values its header announces: is the header right?`,
    );
  }
  return { dims, data: bytes.subarray(dataOffset, dataOffset + size) };
}

/** A zlib failure in words: cut short, damaged, or bigger than an IDX file may be. */
function gunzipError(error: unknown, file: string): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE')
    return dataError(file, undefined, `decompresses to more than ${showSize(MAX_IDX_BYTES)}, more than an IDX file Model Studio loads`);
  if (code === 'Z_BUF_ERROR') return dataError(file, undefined, 'cannot decompress: the gzip data is cut short');
  return dataError(file, undefined, 'cannot decompress: the gzip data is damaged');
}

const IDX_FILE = 'an IDX file';

/** Reads an IDX file, gunzipping it when it is gzipped. */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes = await readDataBytes(file, MAX_IDX_BYTES, IDX_FILE);
  if (isGzip(bytes)) {
    // The header first, so that a gzip bomb or an absurd header costs nothing.
    parseIdxHeader(gunzipHead(bytes, file), file);
    try {
      bytes = zlib.gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES });
    } catch (error) {
      throw gunzipError(error, file);
    }
  }
  return parseIdx(bytes, file);
}

/** What the first bytes of a gzip stream inflate to, even when the stream is cut there. */
function gunzipHead(bytes: Buffer, file: string): Buffer {
  try {
    // Z_SYNC_FLUSH lets zlib hand back what it could inflate from a cut stream; 1 KiB inflates to 1 MiB at most.
    return zlib.gunzipSync(bytes.subarray(0, 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw gunzipError(error, file);
  }
}

/** The sizes an IDX file announces, reading and inflating only its first bytes. */
export async function readIdxDims(file: string): Promise<number[]> {
  const head = await readDataHead(file, 1024, MAX_IDX_BYTES, IDX_FILE);
  return parseIdxHeader(isGzip(head) ? gunzipHead(head, file) : head, file).dims;
}

/** Images and labels of an IDX pair, checked against each other. */
export interface IdxExamples {
  readonly count: number;
  /** Shape of one image, e.g. [28, 28]. */
  readonly imageShape: readonly number[];
  /** [count, ...imageShape] pixel values 0–255. */
  readonly pixels: Uint8Array;
  /** [count] label bytes. */
  readonly labels: Uint8Array;
}

/** Loads an images file (idx3) and its labels file (idx1). */
export async function readIdxPair(imagesFile: string, labelsFile: string): Promise<IdxExamples> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  checkIdxPair(images.dims, imagesFile, labels.dims, labelsFile);
  return { count: images.dims[0], imageShape: images.dims.slice(1), pixels: images.data, labels: labels.data };
}

/** Errors for an images/labels pair whose headers do not fit together. */
export function checkIdxPair(imageDims: readonly number[], imagesFile: string, labelDims: readonly number[], labelsFile: string): void {
  if (imageDims.length === 1) {
    throw dataError(
      imagesFile,
      undefined,
      'expected an images file (idx3), found a one-dimensional (labels) file — are "images" and "labels" swapped?',
    );
  }
  if (labelDims.length !== 1) {
    throw dataError(
      labelsFile,
      undefined,
      `expected a labels file (idx1, one dimension), found ${labelDims.length} dimensions — are "images" and "labels" swapped?`,
    );
  }
  if (imageDims[0] !== labelDims[0]) {
    throw dataError(labelsFile, undefined, `holds ${labelDims[0]} labels but the images file holds ${imageDims[0]} images`);
  }
}
