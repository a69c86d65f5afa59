import { findNodeAtLocation, parseTree, type Node as JsonNode } from 'jsonc-parser';
import { isMap, isScalar, isSeq, parse as parseYamlValue, parseDocument, Scalar, type Document, type Node as YamlNode, type Pair } from 'yaml';
import type { JsonPath, JsonValue } from './jsonTypes';

export type { JsonValue } from './jsonTypes';

/**
 * Minimal edits to a model file, for the hyperparameter form: each edit
 * touches only the bytes of the value it changes (plus the separator a new
 * or removed entry needs). Comments, blank lines, key order, quoting and
 * flow / block style everywhere else stay byte for byte. Neither format is
 * ever re-serialised as a whole; jsonc-parser's own `modify` is not used
 * because it reformats the enclosing object and drops comments in it.
 */

/** A replacement of `length` characters at `offset` (UTF-16 code units, as VS Code counts). */
export interface TextEdit {
  readonly offset: number;
  readonly length: number;
  readonly newText: string;
}

export type ModelFileEdit =
  /** Sets the value at `path`, adding the key (and missing parent objects) when absent. */
  | { readonly kind: 'set'; readonly path: JsonPath; readonly value: JsonValue }
  /** Removes a property or an array item; nothing when absent. */
  | { readonly kind: 'remove'; readonly path: JsonPath }
  /** Inserts `value` into the array at `path` before `index` (`index` = length appends). */
  | { readonly kind: 'insert'; readonly path: JsonPath; readonly index: number; readonly value: JsonValue }
  /** Moves item `from` of the array at `path` to position `to`; the items in between shift. */
  | { readonly kind: 'move'; readonly path: JsonPath; readonly from: number; readonly to: number };

/** The edit cannot be made on this text (a path through a scalar, a syntax error in the way). */
export class ModelEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelEditError';
  }
}

/** The text edits that make `edit` on a model file; empty when the file already says so. */
export function editModelFile(text: string, format: 'json' | 'yaml', edit: ModelFileEdit): TextEdit[] {
  return format === 'yaml' ? new YamlEditor(text).edit(edit) : new JsonEditor(text).edit(edit);
}

/** Applies non-overlapping edits (any order). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const e of [...edits].sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, e.offset) + e.newText + result.slice(e.offset + e.length);
  }
  return result;
}

// ---------------------------------------------------------------- shared

function isPlainObject(value: JsonValue | undefined): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` under the keys `rest`: nest(['a', 'b'], 1) is { a: { b: 1 } }. */
function nest(rest: JsonPath, value: JsonValue): JsonValue {
  let result = value;
  for (let i = rest.length - 1; i >= 0; i--) {
    const segment = rest[i];
    if (typeof segment === 'number') throw new ModelEditError(`cannot create list item ${segment}: the list does not exist`);
    result = { [segment]: result };
  }
  return result;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The new order of indices when item `from` moves to `to`. */
function movedOrder(length: number, from: number, to: number): number[] {
  const order = Array.from({ length }, (_, i) => i);
  const [item] = order.splice(from, 1);
  order.splice(to, 0, item);
  return order;
}

/** Line arithmetic over one text, with its own line break style. */
class Lines {
  readonly eol: string;

  constructor(readonly text: string) {
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Offset of the line break ending the line of `offset` (or the end of the text). */
  lineEnd(offset: number): number {
    const n = this.text.indexOf('\n', offset);
    if (n < 0) return this.text.length;
    return n > 0 && this.text[n - 1] === '\r' ? n - 1 : n;
  }

  /** Start of the line after the line of `offset` (the end of the text on the last line). */
  nextLineStart(offset: number): number {
    const n = this.text.indexOf('\n', offset);
    return n < 0 ? this.text.length : n + 1;
  }

  /** The whitespace that starts the line of `offset`. */
  indentOf(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start, offset))?.[0] ?? '';
  }

  /** Only whitespace between the start of the line and `offset`. */
  firstOnLine(offset: number): boolean {
    return /^[ \t]*$/.test(this.text.slice(this.lineStart(offset), offset));
  }
}

// ---------------------------------------------------------------- JSON with comments

interface JsonStyle {
  /** Text after a comma inside one-line lists: ", " or ",". */
  readonly comma: string;
  /** Space inside one-line braces: "{ " or "{". */
  readonly pad: string;
}

const DEFAULT_JSON_STYLE: JsonStyle = { comma: ', ', pad: ' ' };

/** One line of JSON: `{ "a": 1, "b": [1, 2] }` in the given spacing. */
function jsonInline(value: JsonValue, style: JsonStyle): string {
  if (Array.isArray(value)) return `[${value.map((v) => jsonInline(v, style)).join(style.comma)}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${jsonInline(v, style)}`);
    return entries.length === 0 ? '{}' : `{${style.pad}${entries.join(style.comma)}${style.pad}}`;
  }
  return JSON.stringify(value);
}

/** Several lines of JSON; the first line is not indented (it follows a key or a dash). */
function jsonBlock(value: JsonValue, indent: string, unit: string, eol: string, style: JsonStyle): string {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    const inner = indent + unit;
    const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${jsonInline(v, style)}`);
    return `{${eol}${entries.join(`,${eol}`)}${eol}${indent}}`;
  }
  return jsonInline(value, style);
}

class JsonEditor {
  private readonly lines: Lines;
  private readonly root: JsonNode | undefined;

  constructor(private readonly text: string) {
    this.lines = new Lines(text);
    this.root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  }

  edit(edit: ModelFileEdit): TextEdit[] {
    if (this.root === undefined) throw new ModelEditError('the model file has no JSON value to edit');
    switch (edit.kind) {
      case 'set':
        return this.set(edit.path, edit.value);
      case 'remove':
        return this.remove(edit.path);
      case 'insert':
        return this.insert(this.container(edit.path, 'array'), edit.index, edit.value);
      case 'move':
        return this.move(this.container(edit.path, 'array'), edit.from, edit.to);
    }
  }

  private find(path: JsonPath): JsonNode | undefined {
    return this.root === undefined ? undefined : findNodeAtLocation(this.root, path as (string | number)[]);
  }

  private container(path: JsonPath, type: 'array' | 'object'): JsonNode {
    const node = this.find(path);
    if (node?.type !== type) throw new ModelEditError(`"${path.join('.')}" is not ${type === 'array' ? 'a list' : 'an object'}`);
    return node;
  }

  private end(node: JsonNode): number {
    return node.offset + node.length;
  }

  private styleOf(node: JsonNode | undefined): JsonStyle {
    const source = node === undefined ? '' : this.text.slice(node.offset, this.end(node));
    const comma = /,\S/.test(source.replace(/"(?:[^"\\]|\\.)*"/g, '""')) ? ',' : DEFAULT_JSON_STYLE.comma;
    const pad = /^\{\S/.test(source) && !/^\{\s*\}$/.test(source) ? '' : DEFAULT_JSON_STYLE.pad;
    return { comma, pad };
  }

  /** A comma between two offsets, outside comments; -1 when none. */
  private commaBetween(from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const c = this.text[i];
      if (c === ',') return i;
      if (c === '/' && this.text[i + 1] === '/') i = this.lines.lineEnd(i);
      else if (c === '/' && this.text[i + 1] === '*') {
        const close = this.text.indexOf('*/', i + 2);
        i = close < 0 ? to : close + 1;
      }
    }
    return -1;
  }

  /** Only whitespace or a line comment from `offset` to the end of its line. */
  private restOfLineIsEmpty(offset: number): boolean {
    const rest = this.text.slice(offset, this.lines.lineEnd(offset));
    return /^\s*(\/\/.*)?$/.test(rest);
  }

  /** The children of an object (properties) or array (values). */
  private entries(container: JsonNode): JsonNode[] {
    return container.children ?? [];
  }

  private set(path: JsonPath, value: JsonValue): TextEdit[] {
    const node = this.find(path);
    if (node !== undefined) {
      if (sameJson(valueOfJson(node), value)) return [];
      const style = this.styleOf(node);
      return [{ offset: node.offset, length: node.length, newText: jsonInline(value, style) }];
    }
    // The deepest existing ancestor, then the first missing key under it.
    let depth = path.length - 1;
    let parent = this.find(path.slice(0, depth));
    while (parent === undefined && depth > 0) parent = this.find(path.slice(0, --depth));
    if (parent === undefined) throw new ModelEditError('the model file has no JSON value to edit');
    const segment = path[depth];
    const nested = nest(path.slice(depth + 1), value);
    if (parent.type === 'object' && typeof segment === 'string') return this.addProperty(parent, segment, nested);
    if (parent.type === 'array' && typeof segment === 'number' && segment === this.entries(parent).length) {
      return this.insert(parent, segment, nested);
    }
    if (parent.type !== 'object' && parent.type !== 'array' && depth > 0) {
      // e.g. "earlyStopping": null — the new object takes the scalar's place.
      return [{ offset: parent.offset, length: parent.length, newText: jsonInline(nest(path.slice(depth), value), DEFAULT_JSON_STYLE) }];
    }
    throw new ModelEditError(`cannot set "${path.join('.')}": "${path.slice(0, depth).join('.')}" is not an object`);
  }

  private addProperty(object: JsonNode, key: string, value: JsonValue): TextEdit[] {
    const entry = `${JSON.stringify(key)}: ${jsonInline(value, this.styleOf(object))}`;
    return this.addEntry(object, entry);
  }

  /** Appends an entry (a property, or an item's text) after the last one, in the container's layout. */
  private addEntry(container: JsonNode, entry: string): TextEdit[] {
    const children = this.entries(container);
    const close = this.end(container) - 1;
    const { eol } = this.lines;
    if (children.length === 0) {
      const inner = this.text.slice(container.offset + 1, close);
      if (inner.includes('\n')) {
        const indent = this.lines.indentOf(container.offset);
        return [{ offset: container.offset + 1, length: inner.length, newText: `${eol}${indent}${this.unit()}${entry}${eol}${indent}` }];
      }
      const pad = container.type === 'object' ? ' ' : '';
      return [{ offset: container.offset + 1, length: inner.length, newText: `${pad}${entry}${pad}` }];
    }
    const last = children[children.length - 1];
    const lastEnd = this.end(last);
    const trailingComma = this.commaBetween(lastEnd, close);
    if (this.lines.firstOnLine(last.offset)) {
      const indent = this.lines.indentOf(last.offset);
      if (trailingComma >= 0 && this.restOfLineIsEmpty(trailingComma + 1)) {
        return [{ offset: this.lines.lineEnd(trailingComma), length: 0, newText: `${eol}${indent}${entry},` }];
      }
      if (trailingComma < 0 && this.restOfLineIsEmpty(lastEnd)) {
        // The comma right after the value; the entry after the line's comment, if any.
        const lineEnd = this.lines.lineEnd(lastEnd);
        if (lineEnd === lastEnd) return [{ offset: lastEnd, length: 0, newText: `,${eol}${indent}${entry}` }];
        return [
          { offset: lastEnd, length: 0, newText: ',' },
          { offset: lineEnd, length: 0, newText: `${eol}${indent}${entry}` },
        ];
      }
      return [{ offset: lastEnd, length: 0, newText: `,${eol}${indent}${entry}` }];
    }
    const separator = this.separatorOf(children);
    return [{ offset: lastEnd, length: 0, newText: `${separator}${entry}` }];
  }

  /** What stands between two one-line entries, e.g. ", ". */
  private separatorOf(children: readonly JsonNode[]): string {
    if (children.length >= 2) {
      const between = this.text.slice(this.end(children[children.length - 2]), children[children.length - 1].offset);
      if (/^\s*,\s*$/.test(between) && !between.includes('\n')) return between;
    }
    return ', ';
  }

  /** One level of indentation as this file writes it (2 spaces when nothing tells). */
  private unit(): string {
    const match = /\n([ \t]+)\S/.exec(this.text);
    return match?.[1] ?? '  ';
  }

  private remove(path: JsonPath): TextEdit[] {
    const node = this.find(path);
    if (node === undefined || path.length === 0) return [];
    // A property is removed with its key: the property node holds both.
    const entry = node.parent?.type === 'property' ? node.parent : node;
    const container = entry.parent;
    if (container === undefined) return [];
    const children = this.entries(container);
    const index = children.indexOf(entry);
    const start = entry.offset;
    const end = this.end(entry);
    const next = children[index + 1];
    const close = this.end(container) - 1;
    const commaAfter = this.commaBetween(end, next?.offset ?? close);
    const endWithComma = commaAfter >= 0 ? commaAfter + 1 : end;
    const ownLine = this.lines.firstOnLine(start) && this.restOfLineIsEmpty(endWithComma);
    const wholeLines = { offset: this.lines.lineStart(start), length: this.lines.nextLineStart(endWithComma) - this.lines.lineStart(start), newText: '' };
    if (children.length === 1) {
      if (ownLine) return [wholeLines];
      return [{ offset: container.offset + 1, length: close - container.offset - 1, newText: '' }];
    }
    if (next !== undefined) {
      if (ownLine) return [wholeLines];
      return [{ offset: start, length: next.offset - start, newText: '' }];
    }
    // The last entry: the comma before it goes too, unless the file keeps trailing commas.
    const previous = children[index - 1];
    const commaBefore = this.commaBetween(this.end(previous), start);
    if (ownLine) {
      return commaAfter < 0 && commaBefore >= 0 ? [{ offset: commaBefore, length: 1, newText: '' }, wholeLines] : [wholeLines];
    }
    return [{ offset: this.end(previous), length: endWithComma - this.end(previous), newText: '' }];
  }

  private insert(array: JsonNode, index: number, value: JsonValue): TextEdit[] {
    const items = this.entries(array);
    if (index < 0 || index > items.length) throw new ModelEditError(`no position ${index} in a list of ${items.length}`);
    const sibling = items[Math.min(index, items.length - 1)];
    const text = this.itemText(value, sibling);
    if (index === items.length) return this.addEntry(array, text);
    const before = items[index];
    if (this.lines.firstOnLine(before.offset)) {
      const indent = this.lines.indentOf(before.offset);
      // Right after the item before it: comments above `before` stay with it.
      const previous = items[index - 1];
      const at = previous === undefined
        ? this.lines.lineStart(before.offset)
        : this.lines.nextLineStart(Math.max(this.end(previous), this.commaBetween(this.end(previous), before.offset)));
      return [{ offset: at, length: 0, newText: `${indent}${text},${this.lines.eol}` }];
    }
    return [{ offset: before.offset, length: 0, newText: `${text}${this.separatorOf(items)}` }];
  }

  /** A new item written like its neighbour: on one line, or spread over lines as it is. */
  private itemText(value: JsonValue, sibling: JsonNode | undefined): string {
    const style = this.styleOf(sibling);
    if (sibling?.type !== 'object' || !isPlainObject(value)) return jsonInline(value, style);
    const source = this.text.slice(sibling.offset, this.end(sibling));
    if (!source.includes('\n')) return jsonInline(value, style);
    const indent = this.lines.indentOf(sibling.offset);
    const firstProperty = sibling.children?.[0];
    const inner = firstProperty === undefined ? indent + this.unit() : this.lines.indentOf(firstProperty.offset);
    return jsonBlock(value, indent, inner.slice(indent.length) || this.unit(), this.lines.eol, style);
  }

  private move(array: JsonNode, from: number, to: number): TextEdit[] {
    const items = this.entries(array);
    if (from < 0 || from >= items.length || to < 0 || to >= items.length) {
      throw new ModelEditError(`cannot move item ${from} to ${to} in a list of ${items.length}`);
    }
    // Each place between the two takes the text of the item that moves there;
    // what lies between items (commas, comments, blank lines) stays put.
    const texts = items.map((item) => this.text.slice(item.offset, this.end(item)));
    const order = movedOrder(items.length, from, to);
    const edits: TextEdit[] = [];
    for (let k = Math.min(from, to); k <= Math.max(from, to); k++) {
      edits.push({ offset: items[k].offset, length: items[k].length, newText: texts[order[k]] });
    }
    return edits;
  }
}

function valueOfJson(node: JsonNode): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries((node.children ?? []).map((p) => [p.children?.[0]?.value, p.children?.[1] ? valueOfJson(p.children[1]) : undefined]));
    case 'array':
      return (node.children ?? []).map(valueOfJson);
    default:
      return node.value;
  }
}

// ---------------------------------------------------------------- YAML

type Range3 = [number, number, number];

function rangeOf(node: YamlNode): Range3 {
  const r = node.range;
  if (r === undefined || r === null) throw new ModelEditError('the YAML node has no position');
  return r as Range3;
}

/** A plain (unquoted) YAML string that reads back as the same string under the core schema. */
function isPlainSafe(s: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s)) return false;
  try {
    return parseYamlValue(s, { schema: 'core' }) === s;
  } catch {
    return false;
  }
}

function yamlScalar(value: null | boolean | number | string, old?: Scalar): string {
  if (typeof value !== 'string') return value === null ? 'null' : String(value);
  if (old?.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (old?.type === Scalar.QUOTE_DOUBLE || !isPlainSafe(value)) return JSON.stringify(value);
  return value;
}

/** Flow style: `[a, b]`, `{ k: v }`; scalars as plain as they can be. */
function yamlFlow(value: JsonValue, pad = ' '): string {
  if (Array.isArray(value)) return `[${value.map((v) => yamlFlow(v, pad)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${yamlScalar(k)}: ${yamlFlow(v, pad)}`);
    return entries.length === 0 ? '{}' : `{${pad}${entries.join(', ')}${pad}}`;
  }
  return yamlScalar(value as null | boolean | number | string);
}

/** Block-style `key: value` lines at `indent`, nested objects one `unit` deeper; each line ends with `eol`. */
function yamlBlockEntry(key: string, value: JsonValue, indent: string, unit: string, eol: string): string {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    return `${indent}${yamlScalar(key)}:${eol}${Object.entries(value).map(([k, v]) => yamlBlockEntry(k, v, indent + unit, unit, eol)).join('')}`;
  }
  return `${indent}${yamlScalar(key)}: ${yamlFlow(value)}${eol}`;
}

class YamlEditor {
  private readonly lines: Lines;
  private readonly doc: Document;

  constructor(private readonly text: string) {
    this.lines = new Lines(text);
    this.doc = parseDocument(text, { schema: 'core', customTags: [], uniqueKeys: false, merge: false });
    if (this.doc.errors.length > 0 && this.doc.contents === null) throw new ModelEditError('fix the YAML syntax error first');
  }

  edit(edit: ModelFileEdit): TextEdit[] {
    switch (edit.kind) {
      case 'set':
        return this.set(edit.path, edit.value);
      case 'remove':
        return this.remove(edit.path);
      case 'insert':
        return this.insert(edit.path, edit.index, edit.value);
      case 'move':
        return this.move(edit.path, edit.from, edit.to);
    }
  }

  /** The node at `path` with the chain of nodes that lead there; `depth` segments were found. */
  private walk(path: JsonPath): { node: YamlNode | null; depth: number; pair?: Pair<YamlNode, YamlNode | null> } {
    let node = this.doc.contents as YamlNode | null;
    let pair: Pair<YamlNode, YamlNode | null> | undefined;
    let depth = 0;
    for (const segment of path) {
      if (isMap(node)) {
        const found = (node.items as Pair<YamlNode, YamlNode | null>[]).find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (found === undefined) break;
        pair = found;
        node = found.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment >= 0 && segment < node.items.length) {
        pair = undefined;
        node = node.items[segment] as YamlNode;
      } else {
        break;
      }
      depth++;
    }
    return { node, depth, pair };
  }

  /** Offset just after the last character of a node's content (before trailing comments and line breaks). */
  private contentEnd(node: YamlNode): number {
    if ((isMap(node) || isSeq(node)) && !node.flow) {
      const items = node.items as unknown[];
      const last = items[items.length - 1];
      if (last === undefined) return rangeOf(node)[1];
      if (isSeq(node)) return this.contentEnd(last as YamlNode);
      const pair = last as Pair<YamlNode, YamlNode | null>;
      const value = pair.value;
      return value !== null && value.range && value.range[1] > value.range[0] ? this.contentEnd(value) : rangeOf(pair.key)[1];
    }
    return rangeOf(node)[1];
  }

  private pairEnd(pair: Pair<YamlNode, YamlNode | null>): number {
    const value = pair.value;
    return value !== null && value.range && value.range[1] > value.range[0] ? this.contentEnd(value) : rangeOf(pair.key)[1];
  }

  /** One level of block indentation as this file writes it (2 spaces when nothing tells). */
  private unit(): string {
    let found: string | undefined;
    const visit = (node: YamlNode | null, column: number): void => {
      if (found !== undefined || node === null) return;
      if (isMap(node) && !node.flow) {
        for (const pair of node.items as Pair<YamlNode, YamlNode | null>[]) {
          const child = pair.value;
          if (isMap(child) && !child.flow && child.items.length > 0) {
            const keyColumn = this.column(rangeOf((child.items[0] as Pair<YamlNode, YamlNode>).key)[0]);
            if (keyColumn > column) {
              found = ' '.repeat(keyColumn - column);
              return;
            }
          }
          visit(child, isScalar(pair.key) ? this.column(rangeOf(pair.key)[0]) : column);
        }
      }
    };
    const root = this.doc.contents as YamlNode | null;
    visit(root, 0);
    return found ?? '  ';
  }

  private column(offset: number): number {
    return offset - this.lines.lineStart(offset);
  }

  private set(path: JsonPath, value: JsonValue): TextEdit[] {
    const { node, depth, pair } = this.walk(path);
    if (depth === path.length && node !== null) {
      if (sameJson(node.toJSON(), value)) return [];
      return this.replace(node, value);
    }
    if (depth === path.length && pair !== undefined) {
      // `key:` with no value node at all.
      return [this.afterColon(pair, ` ${yamlFlow(value)}`)];
    }
    const segment = path[depth];
    const nested = nest(path.slice(depth + 1), value);
    if (isMap(node) && typeof segment === 'string') return this.addPair(node, segment, nested);
    if (isSeq(node) && typeof segment === 'number' && segment === node.items.length) return this.insert(path.slice(0, depth), segment, nested);
    if (depth > 0 && node !== null && isScalar(node)) return this.replace(node, nest(path.slice(depth), value));
    if (depth > 0 && node === null && pair !== undefined) return [this.afterColon(pair, ` ${yamlFlow(nest(path.slice(depth), value))}`)];
    throw new ModelEditError(`cannot set "${path.join('.')}": "${path.slice(0, depth).join('.')}" is not a mapping`);
  }

  /** Text inserted right after the colon of `key:`. */
  private afterColon(pair: Pair<YamlNode, YamlNode | null>, newText: string): TextEdit {
    const keyEnd = rangeOf(pair.key)[1];
    const colon = this.text.indexOf(':', keyEnd);
    return { offset: colon + 1, length: 0, newText };
  }

  private replace(node: YamlNode, value: JsonValue): TextEdit[] {
    const [start] = rangeOf(node);
    const end = this.contentEnd(node);
    if (isScalar(node)) {
      if (start === end) return [{ offset: start, length: 0, newText: ` ${yamlFlow(value)}` }];
      const text = value !== null && typeof value === 'object' ? yamlFlow(value) : yamlScalar(value, node);
      return [{ offset: start, length: end - start, newText: text }];
    }
    if (isSeq(node) && !node.flow && Array.isArray(value) && value.length > 0) {
      // A block list stays a block list: one "- item" per line at the same column.
      const indent = ' '.repeat(this.column(start));
      return [{ offset: start, length: end - start, newText: value.map((v) => `- ${yamlFlow(v)}`).join(`${this.lines.eol}${indent}`) }];
    }
    if (isMap(node) && !node.flow && isPlainObject(value) && Object.keys(value).length > 0) {
      const indent = ' '.repeat(this.column(start));
      const block = Object.entries(value).map(([k, v]) => yamlBlockEntry(k, v, indent, this.unit(), this.lines.eol)).join('');
      return [{ offset: start, length: end - start, newText: block.slice(indent.length).replace(new RegExp(`${this.lines.eol}$`), '') }];
    }
    return [{ offset: start, length: end - start, newText: yamlFlow(value, this.flowPad(node)) }];
  }

  /** Space inside a flow mapping's braces, as the file writes it. */
  private flowPad(node: YamlNode): string {
    const [start] = rangeOf(node);
    return this.text[start] === '{' && this.text[start + 1] !== ' ' && this.text[start + 1] !== '}' ? '' : ' ';
  }

  private addPair(map: YamlNode, key: string, value: JsonValue): TextEdit[] {
    if (!isMap(map)) throw new ModelEditError('not a mapping');
    const pairs = map.items as Pair<YamlNode, YamlNode | null>[];
    const { eol } = this.lines;
    if (map.flow) {
      const entry = `${yamlScalar(key)}: ${yamlFlow(value, this.flowPad(map))}`;
      if (pairs.length === 0) {
        const [start, end] = rangeOf(map);
        return [{ offset: start, length: end - start, newText: `{ ${entry} }` }];
      }
      return [{ offset: this.pairEnd(pairs[pairs.length - 1]), length: 0, newText: `, ${entry}` }];
    }
    if (pairs.length === 0) throw new ModelEditError('empty block mapping');
    const indent = ' '.repeat(this.column(rangeOf(pairs[0].key)[0]));
    const after = this.pairEnd(pairs[pairs.length - 1]);
    const at = this.lines.nextLineStart(after);
    const lead = at === this.text.length && !this.text.endsWith('\n') ? eol : '';
    const block = yamlBlockEntry(key, value, indent, this.unit(), eol);
    return [{ offset: at, length: 0, newText: lead + (lead ? block.replace(new RegExp(`${eol}$`), '') : block) }];
  }

  private remove(path: JsonPath): TextEdit[] {
    if (path.length === 0) return [];
    const { node: parent, depth } = this.walk(path.slice(0, -1));
    if (depth !== path.length - 1 || parent === null) return [];
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pairs = parent.items as Pair<YamlNode, YamlNode | null>[];
      const index = pairs.findIndex((p) => isScalar(p.key) && String(p.key.value) === String(last));
      if (index < 0) return [];
      return this.removeEntry(parent, pairs.map((p) => ({ start: rangeOf(p.key)[0], end: this.pairEnd(p) })), index);
    }
    if (isSeq(parent) && typeof last === 'number' && last >= 0 && last < parent.items.length) {
      const items = (parent.items as YamlNode[]).map((item) => ({ start: this.itemStart(parent, item), end: this.contentEnd(item) }));
      return this.removeEntry(parent, items, last);
    }
    return [];
  }

  /** Where a list item starts: its dash in a block list, its value in a flow list. */
  private itemStart(seq: YamlNode, item: YamlNode): number {
    const [start] = rangeOf(item);
    if (isSeq(seq) && seq.flow) return start;
    const dash = this.text.lastIndexOf('-', start);
    return dash >= this.lines.lineStart(start) ? dash : start;
  }

  private removeEntry(collection: YamlNode, entries: readonly { start: number; end: number }[], index: number): TextEdit[] {
    const { start, end } = entries[index];
    const flow = (isMap(collection) || isSeq(collection)) && collection.flow;
    if (entries.length === 1) {
      const [cStart] = rangeOf(collection);
      const empty = isMap(collection) ? '{}' : '[]';
      return [{ offset: cStart, length: this.contentEnd(collection) - cStart, newText: empty }];
    }
    if (flow) {
      if (index < entries.length - 1) return [{ offset: start, length: entries[index + 1].start - start, newText: '' }];
      const previousEnd = entries[index - 1].end;
      return [{ offset: previousEnd, length: end - previousEnd, newText: '' }];
    }
    if (this.lines.firstOnLine(start)) {
      const lineStart = this.lines.lineStart(start);
      return [{ offset: lineStart, length: this.lines.nextLineStart(end) - lineStart, newText: '' }];
    }
    // The first key of a list item shares the dash's line: the next key moves up beside the dash.
    return [{ offset: start, length: entries[index + 1].start - start, newText: '' }];
  }

  private seqAt(path: JsonPath): YamlNode {
    const { node, depth } = this.walk(path);
    if (depth !== path.length || !isSeq(node)) throw new ModelEditError(`"${path.join('.')}" is not a list`);
    return node;
  }

  private insert(path: JsonPath, index: number, value: JsonValue): TextEdit[] {
    const seq = this.seqAt(path);
    if (!isSeq(seq)) return [];
    const items = seq.items as YamlNode[];
    if (index < 0 || index > items.length) throw new ModelEditError(`no position ${index} in a list of ${items.length}`);
    if (seq.flow) {
      const text = yamlFlow(value);
      if (items.length === 0) {
        const [start, end] = rangeOf(seq);
        return [{ offset: start, length: end - start, newText: `[${text}]` }];
      }
      if (index === items.length) return [{ offset: this.contentEnd(items[items.length - 1]), length: 0, newText: `, ${text}` }];
      return [{ offset: rangeOf(items[index])[0], length: 0, newText: `${text}, ` }];
    }
    const sibling = items[Math.min(index, items.length - 1)];
    const dash = this.itemStart(seq, sibling);
    const indent = ' '.repeat(this.column(dash));
    const { eol } = this.lines;
    let text: string;
    if (isPlainObject(value) && Object.keys(value).length > 0 && !(isMap(sibling) && sibling.flow)) {
      // Keys line up after "- ", as in the items already there.
      const keyIndent = ' '.repeat(this.column(rangeOf(sibling)[0]));
      const block = Object.entries(value).map(([k, v]) => yamlBlockEntry(k, v, keyIndent, this.unit(), eol)).join('');
      text = `${indent}-${' '.repeat(Math.max(1, keyIndent.length - indent.length - 1))}${block.slice(keyIndent.length)}`;
    } else {
      text = `${indent}- ${yamlFlow(value)}${eol}`;
    }
    if (index === items.length) {
      const at = this.lines.nextLineStart(this.contentEnd(sibling));
      const lead = at === this.text.length && !this.text.endsWith('\n') ? eol : '';
      return [{ offset: at, length: 0, newText: lead ? lead + text.replace(new RegExp(`${eol}$`), '') : text }];
    }
    // Right after the item before it: comments above the next item stay with it.
    const at = index === 0 ? this.lines.lineStart(dash) : this.lines.nextLineStart(this.contentEnd(items[index - 1]));
    return [{ offset: at, length: 0, newText: text }];
  }

  private move(path: JsonPath, from: number, to: number): TextEdit[] {
    const seq = this.seqAt(path);
    if (!isSeq(seq)) return [];
    const items = seq.items as YamlNode[];
    if (from < 0 || from >= items.length || to < 0 || to >= items.length) {
      throw new ModelEditError(`cannot move item ${from} to ${to} in a list of ${items.length}`);
    }
    // A block item runs to the end of its last line, so its trailing comment goes with it.
    const extent = items.map((item) => {
      const start = rangeOf(item)[0];
      const end = seq.flow ? this.contentEnd(item) : this.lines.lineEnd(this.contentEnd(item));
      return { start, end };
    });
    const texts = extent.map(({ start, end }) => this.text.slice(start, end));
    const order = movedOrder(items.length, from, to);
    const edits: TextEdit[] = [];
    for (let k = Math.min(from, to); k <= Math.max(from, to); k++) {
      edits.push({ offset: extent[k].start, length: extent[k].end - extent[k].start, newText: texts[order[k]] });
    }
    return edits;
  }
}
