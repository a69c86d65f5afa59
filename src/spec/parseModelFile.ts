import * as path from 'node:path';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, isSeq, parseDocument, visit as visitYaml, type Document, type Node as YamlNode } from 'yaml';
import type { Range, SpecDiagnostic } from './diagnostic';
import { LineIndex, START } from './positions';

export type JsonPath = readonly (string | number)[];

/** A model file parsed for validation: its value, syntax problems, and where each value sits. */
export interface ParsedModelFile {
  /** The parsed data (undefined when nothing could be parsed). */
  readonly value: unknown;
  /** Syntax errors and warnings, with precise ranges. */
  readonly diagnostics: SpecDiagnostic[];
  readonly format: 'json' | 'yaml';
  /**
   * Range of the value at a JSON path; for a path that does not exist, the
   * range of its nearest existing parent.
   */
  rangeOf(path: JsonPath): Range;
  /**
   * Range of the key of the property at `path` (the place to flag an unknown
   * or misspelt key); the value's range for array items and the root.
   */
  keyRangeOf(path: JsonPath): Range;
}

/** `.model.yaml` / `.yml` files are YAML; everything else JSON with comments. */
export function modelFileFormat(file: string): 'json' | 'yaml' {
  const extension = path.extname(file).toLowerCase();
  return extension === '.yaml' || extension === '.yml' ? 'yaml' : 'json';
}

export function parseModelFile(file: string, text: string): ParsedModelFile {
  const absolute = path.resolve(file);
  return modelFileFormat(file) === 'yaml' ? parseYaml(absolute, text) : parseJsonc(absolute, text);
}

// ---------------------------------------------------------------- JSONC

// Keyed by printParseErrorCode's names: the enum is const and cannot be read here.
const JSON_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'unexpected text after the end of the model (one top-level object only)',
  InvalidCommentToken: 'not a valid comment (use // or /* */)',
  UnexpectedEndOfComment: 'comment is not closed (missing */)',
  UnexpectedEndOfString: 'string is not closed (missing ")',
  UnexpectedEndOfNumber: 'number is cut short',
  InvalidUnicode: 'not a valid \\u escape',
  InvalidEscapeCharacter: 'not a valid escape (use \\\\ for a backslash)',
  InvalidCharacter: 'control characters must be escaped in strings',
};

function parseJsonc(file: string, text: string): ParsedModelFile {
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const diagnostics: SpecDiagnostic[] = errors.map((error) => ({
    file,
    range: lines.range(error.offset, error.offset + error.length),
    severity: 'error',
    message: text.trim() === '' ? 'the model file is empty: expected an object such as { "name": …, "task": … }' : (JSON_MESSAGES[printParseErrorCode(error.error)] ?? printParseErrorCode(error.error)),
    path: [],
  }));
  if (root !== undefined) diagnostics.push(...duplicateJsonKeys(root, file, lines));

  const nodeAt = (p: JsonPath): JsonNode | undefined => {
    if (root === undefined) return undefined;
    for (let n = p.length; n >= 0; n--) {
      const node = findNodeAtLocation(root, p.slice(0, n) as (string | number)[]);
      if (node !== undefined) return node;
    }
    return root;
  };
  const rangeOf = (p: JsonPath): Range => {
    const node = nodeAt(p);
    return node === undefined ? START : lines.range(node.offset, node.offset + node.length);
  };
  return {
    // getNodeValue builds null-prototype objects; a JSON round trip gives plain
    // ones, like the YAML side, so deepEqual and spreading behave as usual.
    value: root === undefined ? undefined : JSON.parse(JSON.stringify(getNodeValue(root))),
    diagnostics,
    format: 'json',
    rangeOf,
    keyRangeOf: (p) => {
      const node = root === undefined ? undefined : findNodeAtLocation(root, p as (string | number)[]);
      const key = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
      return key === undefined ? rangeOf(p) : lines.range(key.offset, key.offset + key.length);
    },
  };
}

/** JSON lets a key repeat (the last wins silently); in a model file that is always a mistake. */
function duplicateJsonKeys(node: JsonNode, file: string, lines: LineIndex): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  const walk = (current: JsonNode, at: (string | number)[]): void => {
    if (current.type === 'object') {
      const seen = new Set<string>();
      for (const property of current.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key === undefined) continue;
        const name = String(key.value);
        if (seen.has(name)) {
          found.push({
            file,
            range: lines.range(key.offset, key.offset + key.length),
            severity: 'error',
            message: `duplicate key "${name}": each key may appear once in an object; remove one`,
            path: [...at, name],
          });
        }
        seen.add(name);
        if (value !== undefined) walk(value, [...at, name]);
      }
    } else if (current.type === 'array') {
      (current.children ?? []).forEach((child, index) => walk(child, [...at, index]));
    }
  };
  walk(node, []);
  return found;
}

// ---------------------------------------------------------------- YAML

const YAML_MESSAGES: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
  MULTIPLE_DOCS: 'a model file holds one YAML document; remove the second "---"',
  TAG_RESOLVE_FAILED: 'custom YAML tags are not supported; remove the tag',
};

function parseYaml(file: string, text: string): ParsedModelFile {
  const lines = new LineIndex(text);
  // The core schema without custom tags: a model file is plain data, and
  // tags such as !!js/function must never turn into anything else.
  const doc = parseDocument(text, { schema: 'core', customTags: [], prettyErrors: false, uniqueKeys: true, merge: false });
  const scalarStartingAt = (offset: number): YamlNode | undefined => {
    let found: YamlNode | undefined;
    visitYaml(doc, {
      Scalar: (_key, node) => {
        if (node.range?.[0] === offset) {
          found = node;
          return visitYaml.BREAK;
        }
        return undefined;
      },
    });
    return found;
  };
  const problem = (error: (typeof doc.errors)[number], severity: 'error' | 'warning'): SpecDiagnostic => {
    const start = error.pos[0];
    let end = error.pos[1];
    let message = YAML_MESSAGES[error.code] ?? error.message;
    if (error.code === 'DUPLICATE_KEY') {
      const key = scalarStartingAt(start);
      if (key?.range !== undefined && key.range !== null) end = key.range[1];
      message = `duplicate key ${JSON.stringify(text.slice(start, end))}: each key may appear once in a mapping; remove one`;
    }
    return { file, range: lines.range(start, end), severity, message, path: [] };
  };
  // An unresolved tag is only a warning to the yaml package, but a model file
  // has no use for tags at all.
  const diagnostics = [
    ...doc.errors.map((e) => problem(e, 'error')),
    ...doc.warnings.map((w) => problem(w, w.code === 'TAG_RESOLVE_FAILED' ? 'error' : 'warning')),
  ];

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    diagnostics.push({ file, range: START, severity: 'error', message: (error as Error).message, path: [] });
  }
  if (text.trim() === '' || (value === null && doc.contents === null)) {
    diagnostics.push({ file, range: START, severity: 'error', message: 'the model file is empty: expected a mapping such as "name: …", "task: …"', path: [] });
    value = undefined;
  }

  const rangeOfNode = (node: YamlNode | null | undefined): Range | undefined => {
    const r = node?.range;
    // An empty value (`key:` alone) has an empty range; its key is a better place.
    return r === undefined || r === null || r[1] <= r[0] ? undefined : lines.range(r[0], trimEnd(text, r[0], r[1]));
  };
  const rangeOf = (p: JsonPath): Range => {
    const { node, key } = findYaml(doc, p);
    return rangeOfNode(node) ?? rangeOfNode(key) ?? START;
  };
  return {
    value,
    diagnostics,
    format: 'yaml',
    rangeOf,
    keyRangeOf: (p) => {
      const found = findYaml(doc, p);
      return (found.depth === p.length ? rangeOfNode(found.key) : undefined) ?? rangeOf(p);
    },
  };
}

/**
 * The node at `p`, or the nearest existing parent: `depth` says how many
 * segments matched; `key` is the key node of the last matched pair.
 */
function findYaml(doc: Document, p: JsonPath): { node: YamlNode | null | undefined; key: YamlNode | undefined; depth: number } {
  let node = doc.contents as YamlNode | null;
  let key: YamlNode | undefined;
  let depth = 0;
  for (const segment of p) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      key = pair.key as YamlNode;
      // `key:` with nothing after it has no value node; its key stands in.
      node = (pair.value as YamlNode | null) ?? (pair.key as YamlNode);
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      key = undefined;
      node = node.items[segment] as YamlNode;
    } else {
      break;
    }
    depth++;
  }
  return { node, key, depth };
}

/** Block nodes end after their trailing line break; a squiggle should not. */
function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1])) end--;
  return end;
}
