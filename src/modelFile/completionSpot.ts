import { getLocation, parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { JsonPath } from './jsonTypes';

/**
 * Where the cursor is in a model file being typed (and so most likely
 * broken): a key of an object, a value, or a new item of a list, with the
 * path of that place and the text a completion replaces. Pure.
 */
export interface CompletionSpot {
  /** key: a key of the object at `path`; value: the value at `path`; item: a new item `path` of a list. */
  readonly kind: 'key' | 'value' | 'item';
  readonly path: JsonPath;
  /** Offsets of the text a completion replaces (the word or value typed so far, without quotes). */
  readonly start: number;
  readonly end: number;
  /** JSON: the value is inside quotes already, so completions insert no quotes. */
  readonly quoted: boolean;
  /** The file's value as far as it parses (for the value's siblings: a data source's `path`, a layer's `type`). */
  readonly document: unknown;
}

export function completionSpot(format: 'json' | 'yaml', text: string, offset: number): CompletionSpot | undefined {
  return format === 'json' ? jsonSpot(text, offset) : yamlSpot(text, offset);
}

function jsonSpot(text: string, offset: number): CompletionSpot | undefined {
  const location = getLocation(text, offset);
  const errors: ParseError[] = [];
  const document: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const node = location.previousNode;
  const inString = node?.type === 'string' && offset > node.offset && offset <= node.offset + node.length;
  const stringRange = (): { start: number; end: number } => {
    const closed = node !== undefined && node.length > 1 && text[node.offset + node.length - 1] === '"';
    return { start: (node?.offset ?? offset) + 1, end: (node?.offset ?? offset) + (node?.length ?? 0) - (closed ? 1 : 0) };
  };
  if (location.isAtPropertyKey) {
    // The key typed so far, with its quotes: a completion replaces it whole.
    const start = offset - (/"?[\w$]*$/.exec(text.slice(0, offset))?.[0].length ?? 0);
    const end = offset + (/^[\w$]*"?/.exec(text.slice(offset))?.[0].length ?? 0);
    return { kind: 'key', path: location.path.slice(0, -1), start, end, quoted: false, document };
  }
  const last = location.path[location.path.length - 1];
  if (typeof last === 'number' && node === undefined) {
    return { kind: 'item', path: location.path, start: offset, end: offset, quoted: false, document };
  }
  if (inString) return { kind: 'value', path: location.path, ...stringRange(), quoted: true, document };
  if (node !== undefined) return undefined;
  return { kind: 'value', path: location.path, start: offset, end: offset, quoted: false, document };
}

/** Stands in for what is being typed, so that the rest of the file parses around it. */
const MARK = '__modelStudioCursor__';

function yamlSpot(text: string, offset: number): CompletionSpot | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndAt = text.indexOf('\n', offset);
  const lineEnd = lineEndAt === -1 ? text.length : lineEndAt;
  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEnd);
  if (/#/.test(before)) return undefined;
  const keyed = /^(\s*(?:-\s+)*)([^\s:'"{[][^:]*?|['"][^'"]*['"]|['"][^'"]*)\s*:(\s*)(.*)$/.exec(before);
  let start: number;
  let end: number;
  let marked: string;
  let quoted = false;
  if (keyed !== null) {
    const typed = keyed[4] ?? '';
    if (/^[[{]/.test(typed)) return undefined;
    start = lineStart + before.length - typed.length;
    quoted = /^['"]/.test(typed);
    if (quoted) start += 1;
    end = offset + (/^[^\s#'"]*/.exec(after)?.[0].length ?? 0);
    marked = `${text.slice(0, start - (quoted ? 1 : 0))}${MARK}${text.slice(end).replace(/^['"]/, '')}`;
  } else {
    const word = /^(\s*(?:-\s*)*)(\S*)$/.exec(before);
    if (word === null) return undefined;
    start = offset - (word[2] ?? '').length;
    end = offset + (/^[\w$-]*/.exec(after)?.[0].length ?? 0);
    const rest = text.slice(end);
    // A bare word is a key being typed: `key:` keeps the line a mapping entry.
    marked = `${text.slice(0, start)}${MARK}:${/^\s*:/.test(rest) ? rest.replace(/^\s*:/, '') : rest}`;
  }
  const doc = parseDocument(marked, { schema: 'core', customTags: [], resolveKnownTags: false, uniqueKeys: false, merge: false });
  const found = findMark(doc.contents, []);
  if (found === undefined) return undefined;
  const document = stripMark(doc.toJS({ maxAliasCount: 0 }) as unknown);
  return { kind: found.kind, path: found.path, start, end, quoted, document };
}

function findMark(node: YamlNode | null | undefined, path: JsonPath): { kind: CompletionSpot['kind']; path: JsonPath } | undefined {
  if (node === null || node === undefined) return undefined;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === MARK) return { kind: 'key', path };
      if (key === undefined) continue;
      if (isScalar(pair.value) && pair.value.value === MARK) return { kind: 'value', path: [...path, key] };
      const inside = findMark(pair.value as YamlNode | null, [...path, key]);
      if (inside !== undefined) return inside;
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      if (isScalar(item) && item.value === MARK) return { kind: 'item', path: [...path, index] };
      const inside = findMark(item as YamlNode | null, [...path, index]);
      if (inside !== undefined) return inside;
    }
  }
  return undefined;
}

/** The file's value without the mark (a key being typed is not yet there). */
function stripMark(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== MARK).map(stripMark);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => k !== MARK && v !== MARK)
        .map(([k, v]) => [k, stripMark(v)]),
    );
  }
  return value;
}

/** The value at `path` in `document`, if there is one. */
export function valueAt(document: unknown, path: JsonPath): unknown {
  let node = document;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
