import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit as visitYaml,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { Range, SpecDiagnostic } from './diagnostic';
import type { JsonPath } from './jsonTypes';
import { LineIndex, START } from './positions';
import type { ParsedModelFile } from './parseModelFile';

// A YAML model file (parseModelFile.ts): its value, with positions for each path, and its problems in our words.

const YAML_MESSAGES: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
  MULTIPLE_DOCS: 'a model file holds one YAML document; remove the second "---"',
  BLOCK_AS_IMPLICIT_KEY:
    'a value cannot go on with "key: value" on the same line: quote the value, or put the nested keys on lines of their own, indented',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check the indentation of this line and of the one above',
  BAD_DQ_ESCAPE: 'not a valid escape in double quotes: write \\\\ for a backslash, or use single quotes',
  MULTIPLE_ANCHORS: 'a value can have one anchor (&name) only; remove the other',
  KEY_OVER_1024_CHARS: 'a key may be at most 1024 characters long; is a ":" missing at the end of a line?',
};

/** yaml's own words for problems it reports under a shared code, as fixes. */
const YAML_MESSAGE_PATTERNS: readonly [RegExp, string][] = [
  [
    /^All mapping items must start at the same column/,
    'the keys of one mapping must line up: indent this key exactly like the keys above it',
  ],
  [/^Missing closing "quote/, 'this string is never closed: add the closing "'],
  [/^Missing closing 'quote/, "this string is never closed: add the closing '"],
  [/^Sequence item without - indicator/, 'list items start with "- ": add it, or indent this line like the line above'],
  [/^Excessive alias count/, 'the aliases (*name) here expand to too much data; write the values out instead of repeating aliases'],
  [/^Unresolved alias/, 'an alias (*name) refers to no anchor (&name) set before it; set the anchor first, or write the value out'],
];

export function parseYaml(file: string, text: string): ParsedModelFile {
  const lines = new LineIndex(text);
  // The core schema without custom tags: a model file is plain data, and
  // tags such as !!js/function must never turn into anything else.
  // resolveKnownTags off: otherwise !!binary, !!set, !!omap, !!timestamp
  // would still turn into Buffers, Sets, Maps and Dates. Only the core
  // tags (!!str, !!int, …: plain types) resolve; any other tag is an error.
  const doc = parseDocument(text, {
    schema: 'core',
    customTags: [],
    resolveKnownTags: false,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
  });
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
    let message = yamlMessage(error.code, error.message);
    const unclosed = /must be sufficiently indented and end with a ([\]}])/.exec(error.message);
    if (unclosed !== null) {
      // yaml notices on the next line; the place to fix is the bracket that is never closed.
      const opener = unclosedBracket(text, start, unclosed[1] === ']' ? '[' : '{');
      if (opener !== undefined) {
        return {
          file,
          range: lines.range(opener, opener + 1),
          severity,
          message: `"${text[opener]}" is never closed: end the ${unclosed[1] === ']' ? 'list' : 'mapping'} with "${unclosed[1]}"`,
          path: [],
        };
      }
      message = `a ${unclosed[1] === ']' ? '[ … ] list' : '{ … } mapping'} above is never closed: end it with "${unclosed[1]}"`;
    } else if (error.code === 'DUPLICATE_KEY') {
      const key = scalarStartingAt(start);
      if (key?.range !== undefined && key.range !== null) end = key.range[1];
      message = `duplicate key ${JSON.stringify(text.slice(start, end))}: each key may appear once in a mapping; remove one`;
    } else if (error.code === 'TAG_RESOLVE_FAILED') {
      message = unsupportedTag(text.slice(start, end));
    }
    return { file, range: lines.range(start, end), severity, message, path: [] };
  };
  // An unresolved tag is only a warning to the yaml package, but a model file
  // has no use for tags at all.
  const diagnostics = [
    ...doc.errors.map((e) => problem(e, 'error')),
    ...doc.warnings.map((w) => problem(w, w.code === 'TAG_RESOLVE_FAILED' ? 'error' : 'warning')),
  ].filter(
    // yaml may report one mistake twice at one place (e.g. BLOCK_AS_IMPLICIT_KEY and MULTILINE_IMPLICIT_KEY).
    (d, index, all) =>
      all.findIndex((other) => other.range.start.line === d.range.start.line && other.range.start.character === d.range.start.character) ===
      index,
  );

  // A list or mapping as a key (`? [a]`, or a stray "{" before a ":") has no
  // JSON form; yaml would stringify it and print a process warning.
  const complexKeys: SpecDiagnostic[] = [];
  visitYaml(doc, {
    Pair: (_key, pair) => {
      const key = pair.key as YamlNode | null;
      const target = isAlias(key) ? key.resolve(doc) : key;
      if (key !== null && isCollection(target)) {
        const r = key.range ?? [0, 0, 0];
        complexKeys.push({
          file,
          range: lines.range(r[0], trimEnd(text, r[0], r[1])),
          severity: 'error',
          message: 'a key must be plain text, not a list or a mapping: check the brackets and the ":" here',
          path: [],
        });
      }
    },
  });
  diagnostics.push(...complexKeys);

  let value: unknown;
  try {
    if (complexKeys.length === 0) value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Alias trouble (too many, or no anchor): point at the first alias.
    let alias: Range = START;
    visitYaml(doc, {
      Alias: (_key, node) => {
        if (node.range !== undefined && node.range !== null)
          alias = lines.range(node.range[0], trimEnd(text, node.range[0], node.range[1]));
        return visitYaml.BREAK;
      },
    });
    diagnostics.push({ file, range: alias, severity: 'error', message: yamlMessage('', (error as Error).message), path: [] });
  }
  if (text.trim() === '' || (value === null && doc.contents === null)) {
    diagnostics.push({
      file,
      range: START,
      severity: 'error',
      message: 'the model file is empty: expected a mapping such as "name: …", "task: …"',
      path: [],
    });
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

function yamlMessage(code: string, message: string): string {
  return YAML_MESSAGES[code] ?? YAML_MESSAGE_PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? message;
}

/** Offset of the last `open` bracket before `before` that is not closed before it (quotes and comments skipped). */
function unclosedBracket(text: string, before: number, open: '[' | '{'): number | undefined {
  const close = open === '[' ? ']' : '}';
  const stack: number[] = [];
  let quote = '';
  for (let i = 0; i < before; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < before && text[i] !== '\n') i++;
    } else if (c === open) {
      stack.push(i);
    } else if (c === close) {
      stack.pop();
    }
  }
  return stack.at(-1);
}

function unsupportedTag(tag: string): string {
  return `YAML tag ${JSON.stringify(tag)} is not supported: a model file is plain data; remove the tag`;
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
export function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1])) end--;
  return end;
}
