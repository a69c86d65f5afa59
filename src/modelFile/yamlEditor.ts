import {
  isMap,
  isScalar,
  isSeq,
  parse as parseYamlValue,
  parseDocument,
  Scalar,
  type Document,
  type Node as YamlNode,
  type Pair,
} from 'yaml';
import type { JsonPath, JsonValue } from './jsonTypes';
import { isPlainObject, Lines, ModelEditError, movedOrder, nest, sameJson, type ModelFileEdit, type TextEdit } from './modelFileEdits';

/** Minimal edits to YAML (editModelFile.ts). */

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
    return `${indent}${yamlScalar(key)}:${eol}${Object.entries(value)
      .map(([k, v]) => yamlBlockEntry(k, v, indent + unit, unit, eol))
      .join('')}`;
  }
  return `${indent}${yamlScalar(key)}: ${yamlFlow(value)}${eol}`;
}

export class YamlEditor {
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
        const found = (node.items as Pair<YamlNode, YamlNode | null>[]).find(
          (p) => isScalar(p.key) && String(p.key.value) === String(segment),
        );
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
    if (isSeq(node) && typeof segment === 'number' && segment === node.items.length)
      return this.insert(path.slice(0, depth), segment, nested);
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
      const block = Object.entries(value)
        .map(([k, v]) => yamlBlockEntry(k, v, indent, this.unit(), this.lines.eol))
        .join('');
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
      return this.removeEntry(
        parent,
        pairs.map((p) => ({ start: rangeOf(p.key)[0], end: this.pairEnd(p) })),
        index,
      );
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
      const block = Object.entries(value)
        .map(([k, v]) => yamlBlockEntry(k, v, keyIndent, this.unit(), eol))
        .join('');
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
