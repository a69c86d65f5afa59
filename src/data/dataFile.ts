import { isUtf8 } from 'node:buffer';
import { promises as fs, type Stats } from 'node:fs';
import { TextDecoder } from 'node:util';
import { dataError } from './dataError';
import { MAX_TEXT_BYTES, showSize } from './limits';

/*
 * Opening and decoding data files, for every reader: a path is checked to
 * be a regular file of a sensible size before anything is read (a FIFO
 * would block the read forever, /dev/zero would never end), and text is
 * UTF-8 — or UTF-16 where a byte-order mark says so — never bytes of
 * another encoding silently replaced by "�".
 */

/** What a path is, in words, when it is not a regular file. */
export function notAFile(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A file-system error as a DataError that names the file; anything else (a bug) unchanged. */
export function fileError(error: unknown, file: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error instanceof Error ? error : new Error(String(error));
  const reasons: Readonly<Record<string, string>> = {
    ENOENT: 'file not found',
    EISDIR: 'is a folder, expected a file',
    EACCES: 'cannot read: permission denied',
    EPERM: 'cannot read: permission denied',
    ELOOP: 'cannot read: symbolic links lead round in a loop',
    ENAMETOOLONG: 'cannot read: the path is too long',
    EIO: 'cannot read: input/output error (a failing disk or a lost network drive?)',
    EMFILE: 'cannot read: too many files open at once',
    ENFILE: 'cannot read: too many files open at once',
  };
  return dataError(file, undefined, reasons[code] ?? `cannot read (${code})`);
}

/**
 * Checks that `file` is a regular file of at most `maxBytes` — before it
 * is opened — and returns its size. `what` names the kind of file for the
 * message: "a JSON data file".
 */
export async function checkDataFile(file: string, maxBytes: number, what: string): Promise<number> {
  let stats: Stats;
  try {
    stats = await fs.stat(file);
  } catch (error) {
    throw fileError(error, file);
  }
  const kind = notAFile(stats);
  if (kind !== undefined) throw dataError(file, undefined, `is ${kind}, expected a file`);
  if (stats.size > maxBytes) {
    throw dataError(
      file,
      undefined,
      `is ${showSize(stats.size)}, more than the ${showSize(maxBytes)} Model Studio reads from ${what} (it holds all the data in memory)`,
    );
  }
  return stats.size;
}

/** Opens a checked data file (see {@link checkDataFile}) for reading in parts. */
export async function openDataFile(file: string, maxBytes: number, what: string): Promise<fs.FileHandle> {
  await checkDataFile(file, maxBytes, what);
  try {
    return await fs.open(file, 'r');
  } catch (error) {
    throw fileError(error, file);
  }
}

/** The bytes of a checked data file (see {@link checkDataFile}). */
export async function readDataBytes(file: string, maxBytes: number, what: string): Promise<Buffer> {
  await checkDataFile(file, maxBytes, what);
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw fileError(error, file);
  }
}

/** The first `length` bytes of a checked data file, or fewer if it is shorter. */
export async function readDataHead(file: string, length: number, maxBytes: number, what: string): Promise<Buffer> {
  const handle = await openDataFile(file, maxBytes, what);
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw fileError(error, file);
  } finally {
    await handle.close();
  }
}

/** A whole text data file as a string (see {@link DataTextDecoder}); `what` as for {@link checkDataFile}. */
export async function readDataText(file: string, what: string, maxBytes = MAX_TEXT_BYTES): Promise<string> {
  const decoder = new DataTextDecoder(file);
  const text = decoder.write(await readDataBytes(file, maxBytes, what)) + decoder.end();
  decoder.throwIfStopped(() => lineAtEnd(text));
  return text;
}

/** The line the end of `text` is on, counting from `line` (LF, CRLF and a lone CR each end a line). */
export function lineAtEnd(text: string, line = 1): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) line++;
  }
  return line;
}

/**
 * Decodes a text data file piece by piece. The first bytes decide the
 * encoding: a UTF-16 byte-order mark is followed, UTF-32, compressed or
 * binary content is refused, anything else must be UTF-8. Decoding stops
 * before the first byte that is not; the reader passes on the text decoded
 * up to there (records before it are read, in order) and then calls
 * {@link throwIfStopped}, which names the line that text ends on.
 */
export class DataTextDecoder {
  private head: Buffer | undefined = Buffer.alloc(0);
  private utf16: TextDecoder | undefined;
  /** The first bytes of a UTF-8 character cut by the end of a piece. */
  private carry: Buffer = Buffer.alloc(0);
  private stopped: { readonly message: string; readonly atLine: boolean } | undefined;

  constructor(private readonly file: string) {}

  write(bytes: Buffer): string {
    if (this.stopped !== undefined) return '';
    if (this.head !== undefined) {
      // Sniff on at least 4 bytes (a UTF-32 mark), however small the pieces.
      this.head = Buffer.concat([this.head, bytes]);
      if (this.head.length < 4) return '';
      bytes = this.head;
      this.head = undefined;
      this.sniff(bytes);
      if (this.stopped !== undefined) return '';
    }
    return this.decode(bytes);
  }

  end(): string {
    let text = '';
    if (this.head !== undefined) {
      const rest = this.head;
      this.head = undefined;
      this.sniff(rest);
      text = this.stopped === undefined ? this.decode(rest) : '';
    }
    if (this.stopped !== undefined) return text;
    if (this.utf16 !== undefined) return text + this.decodeUtf16(Buffer.alloc(0), false);
    if (this.carry.length > 0) this.stop('ends in the middle of a UTF-8 character: the file is cut short, or not UTF-8', true);
    return text;
  }

  /** Throws the DataError that stopped decoding, if any; `lineAtEnd` tells where the text decoded so far ends (asked only then: counting lines costs). */
  throwIfStopped(lineAtEnd: () => number): void {
    if (this.stopped === undefined) return;
    throw dataError(this.file, this.stopped.atLine ? lineAtEnd() : undefined, this.stopped.message);
  }

  private stop(message: string, atLine: boolean): void {
    this.stopped ??= { message, atLine };
  }

  private sniff(bytes: Buffer): void {
    const starts = (...signature: number[]): boolean => signature.every((b, i) => bytes[i] === b);
    if (starts(0x00, 0x00, 0xfe, 0xff) || starts(0xff, 0xfe, 0x00, 0x00)) return this.stop('is UTF-32 text: save it as UTF-8', false);
    if (starts(0xff, 0xfe)) this.utf16 = new TextDecoder('utf-16le', { fatal: true });
    else if (starts(0xfe, 0xff)) this.utf16 = new TextDecoder('utf-16be', { fatal: true });
    if (this.utf16 !== undefined) return;
    const kind = binaryKind(bytes);
    if (kind !== undefined) this.stop(kind, false);
  }

  private decode(bytes: Buffer): string {
    return this.utf16 !== undefined ? this.decodeUtf16(bytes, true) : this.decodeUtf8(bytes);
  }

  private decodeUtf16(bytes: Buffer, stream: boolean): string {
    try {
      return this.utf16?.decode(bytes, { stream }) ?? '';
    } catch {
      this.stop('is not valid UTF-16 text (its byte-order mark says UTF-16): save it as UTF-8', true);
      return '';
    }
  }

  private decodeUtf8(bytes: Buffer): string {
    let text = '';
    if (this.carry.length > 0) {
      const need = sequenceLength(this.carry[0]);
      const joined = Buffer.concat([this.carry, bytes.subarray(0, need - this.carry.length)]);
      bytes = bytes.subarray(need - this.carry.length);
      this.carry = Buffer.alloc(0);
      if (joined.length < need) {
        this.carry = joined;
        return '';
      }
      if (!isUtf8(joined)) {
        this.stopAtByte(joined);
        return '';
      }
      text = joined.toString('utf8');
    }
    const end = bytes.length - incompleteTail(bytes);
    const body = bytes.subarray(0, end);
    if (!isUtf8(body)) {
      const bad = firstInvalidUtf8(body);
      this.stopAtByte(body.subarray(bad));
      return text + body.subarray(0, bad).toString('utf8');
    }
    this.carry = Buffer.from(bytes.subarray(end));
    return text + body.toString('utf8');
  }

  private stopAtByte(bytes: Buffer): void {
    const byte = bytes[0];
    const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    this.stop(`holds the byte ${hex}, which is not UTF-8${windows1252Hint(byte)}: save the file as UTF-8`, true);
  }
}

/** Why the first bytes of a file are not text, or undefined when they may be. */
function binaryKind(bytes: Buffer): string | undefined {
  const starts = (...signature: number[]): boolean => signature.every((b, i) => bytes[i] === b);
  if (starts(0x1f, 0x8b)) return 'is gzip-compressed: decompress it first (only IDX files are read compressed)';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'is a ZIP archive (an Excel workbook is one), not text: save the sheet as CSV';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'is a PNG image, not text';
  if (starts(0x00, 0x00, 0x08)) return 'is an IDX file, not text: name it in "images" / "labels" instead';
  const nul = bytes.indexOf(0);
  if (nul === -1) return undefined;
  // ASCII written as UTF-16: every other byte is zero.
  let zeros = 0;
  for (let i = nul & 1; i < bytes.length; i += 2) if (bytes[i] === 0) zeros++;
  if (zeros >= (bytes.length / 2) * 0.9) return 'looks like UTF-16 text without a byte-order mark: save it as UTF-8';
  return 'holds NUL bytes: it is a binary file, not text';
}

/** How Windows-1252 (the usual other encoding) reads a byte, as a hint. */
function windows1252Hint(byte: number): string {
  try {
    const char = new TextDecoder('windows-1252').decode(Uint8Array.of(byte));
    return /^[\p{L}\p{N}\p{S}\p{P}]$/u.test(char) ? ` (in Windows-1252 or Latin-1 it would be "${char}")` : '';
  } catch {
    // A Node built without ICU knows no Windows-1252.
    return '';
  }
}

/** Bytes in the UTF-8 sequence a lead byte starts (1 for ASCII and for bytes that cannot lead). */
function sequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** How many bytes at the end of `bytes` start a UTF-8 character that the next piece completes. */
function incompleteTail(bytes: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, bytes.length); k++) {
    const b = bytes[bytes.length - k];
    if ((b & 0xc0) === 0x80) continue;
    return b >= 0xc0 && sequenceLength(b) > k ? k : 0;
  }
  return 0;
}

/** Offset of the first byte of `bytes` that does not begin a well-formed UTF-8 character (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const n = wellFormedLength(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return bytes.length;
}

function wellFormedLength(bytes: Uint8Array, i: number): number {
  const c = bytes[i];
  if (c < 0x80) return 1;
  // The second byte's range excludes overlong forms and surrogates.
  const [n, low, high] =
    c >= 0xc2 && c <= 0xdf
      ? [2, 0x80, 0xbf]
      : c === 0xe0
        ? [3, 0xa0, 0xbf]
        : c === 0xed
          ? [3, 0x80, 0x9f]
          : c >= 0xe1 && c <= 0xef
            ? [3, 0x80, 0xbf]
            : c === 0xf0
              ? [4, 0x90, 0xbf]
              : c >= 0xf1 && c <= 0xf3
                ? [4, 0x80, 0xbf]
                : c === 0xf4
                  ? [4, 0x80, 0x8f]
                  : [0, 0, 0];
  if (n === 0 || i + n > bytes.length || bytes[i + 1] < low || bytes[i + 1] > high) return 0;
  for (let k = 2; k < n; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return 0;
  return n;
}
