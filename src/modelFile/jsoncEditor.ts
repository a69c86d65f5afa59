import { findNodeAtLocation, parseTree, type Node as JsonNode } from 'jsonc-parser';
import type { JsonPath, JsonValue } from './jsonTypes';
import { isPlainObject, Lines, ModelEditError, movedOrder, nest, sameJson, type ModelFileEdit, type TextEdit } from './modelFileEdits';

/** Minimal edits to JSON with comments (editModelFile.ts). */

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

export class JsonEditor {
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
    // Strings and comments set aside: "8,000 examples" in a comment says nothing about the file's commas.
    const code = source.replace(/"(?:[^"\\]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '""');
    const comma = /,\S/.test(code) ? ',' : DEFAULT_JSON_STYLE.comma;
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
    const wholeLines = {
      offset: this.lines.lineStart(start),
      length: this.lines.nextLineStart(endWithComma) - this.lines.lineStart(start),
      newText: '',
    };
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
      const at =
        previous === undefined
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
      return Object.fromEntries(
        (node.children ?? []).map((p) => [p.children?.[0]?.value, p.children?.[1] ? valueOfJson(p.children[1]) : undefined]),
      );
    case 'array':
      return (node.children ?? []).map(valueOfJson);
    default:
      return node.value;
  }
}
