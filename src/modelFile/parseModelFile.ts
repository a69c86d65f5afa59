import * as path from 'node:path';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { Range, SpecDiagnostic } from './diagnostic';
import type { JsonPath } from './jsonTypes';
import { LineIndex, START } from './positions';
import { parseYaml } from './parseYaml';

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
  // A byte-order mark (Windows editors write one) is not part of the text:
  // VS Code drops it from documents, the CLI reads files as they are.
  // Positions count from after it, as editors show them.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return modelFileFormat(file) === 'yaml' ? parseYaml(absolute, body) : parseJsonc(absolute, body);
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

const EMPTY_JSON = 'the model file is empty: expected an object such as { "name": …, "task": … }';

/**
 * Errors that only echo an unexpected word before them on its line
 * (`"a": NaN }` or `'a': 1` is one mistake, not two or three).
 */
const FOLLOW_ON = new Set(['ValueExpected', 'PropertyNameExpected', 'ColonExpected', 'CommaExpected']);

function parseJsonc(file: string, text: string): ParsedModelFile {
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const diagnostics: SpecDiagnostic[] = [];
  let symbol: { line: number; end: number } | undefined;
  if (root === undefined && onlyComments(text)) {
    diagnostics.push({ file, range: START, severity: 'error', message: EMPTY_JSON, path: [] });
    errors.length = 0;
  }
  for (const error of errors) {
    const code = printParseErrorCode(error.error);
    const line = lines.positionAt(error.offset).line;
    if (FOLLOW_ON.has(code) && symbol !== undefined && (line === symbol.line || text.slice(symbol.end, error.offset).trim() === ''))
      continue;
    symbol = code === 'InvalidSymbol' ? { line, end: error.offset + error.length } : undefined;
    const message = code === 'InvalidSymbol' ? invalidSymbol(text, error) : (JSON_MESSAGES[code] ?? code);
    diagnostics.push({
      file,
      range: lines.range(error.offset, error.offset + error.length),
      severity: 'error',
      message,
      path: [],
      syntax: true,
    });
  }
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

/** True when the text holds nothing but blanks and comments. */
function onlyComments(text: string): boolean {
  return text.replace(/\/\*[\s\S]*?(\*\/|$)|\/\/[^\n]*/g, '').trim() === '';
}

/**
 * What an unexpected word or character most likely is, and how to write it
 * in JSON: single quotes, unquoted keys, Python / JavaScript literals.
 */
function invalidSymbol(text: string, error: ParseError): string {
  const symbol = text.slice(error.offset, error.offset + Math.max(1, error.length));
  const word = /^-?[A-Za-z_$][\w$]*/.exec(text.slice(error.offset))?.[0] ?? symbol;
  if (symbol.startsWith("'")) return `single quotes are not JSON: write ${JSON.stringify(symbol.replace(/^'|'$/g, ''))} in double quotes`;
  if (/^-?(NaN|Infinity)$/.test(word) || (symbol === '-' && /^-(NaN|Infinity)/.test(text.slice(error.offset)))) {
    return `${word === '-' ? '-Infinity' : word} is not a number JSON can hold: write a finite number such as 0.5`;
  }
  if (/^(True|False|None|Null|TRUE|FALSE|NULL)$/.test(word)) {
    const fix = word.toLowerCase() === 'none' ? 'null' : word.toLowerCase();
    return `${JSON.stringify(word)} is not JSON: write ${fix} in lower case`;
  }
  if (word === 'undefined') return 'undefined is not a JSON value: write null, or remove the key';
  if (/^[A-Za-z_$]/.test(word)) return `unexpected word ${JSON.stringify(word)}: keys and text values need double quotes, e.g. "${word}"`;
  return `unexpected character ${JSON.stringify(symbol)}: remove it`;
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
            syntax: true,
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
