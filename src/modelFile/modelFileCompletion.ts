import * as path from 'node:path';
import { pathChoices, tableColumns } from './completionData';
import { completionSpot, valueAt, type CompletionSpot } from './completionSpot';
import type { JsonPath, JsonSchema } from './jsonTypes';
import { CANONICAL_LAYER_TYPES, canonicalLayerType, COMMON_LAYER_KEYS, layerKeys, layerMarkdown } from './layerCatalog';
import modelSchema from './model-file.schema.json';
import { MODEL_SNIPPETS, snippetText } from './modelSnippets';
import { modelFileFormat } from './parseModelFile';

/**
 * Completion that knows the workspace and the layers, for both formats: data
 * paths relative to the model file, the table's column names for `label`,
 * snippets where they fit, and for YAML (which has no JSON service) the keys
 * and values the schema allows, per layer type. In JSON, VS Code's JSON
 * service offers keys and values from the editor schema (editorSchema.ts).
 */
export interface CompletionEntry {
  readonly label: string;
  readonly kind: 'file' | 'folder' | 'column' | 'layerType' | 'key' | 'value' | 'snippet';
  /** In VS Code's snippet syntax. */
  readonly insertText: string;
  /** Offsets of the text it replaces. */
  readonly start: number;
  readonly end: number;
  readonly detail?: string;
  /** Markdown. */
  readonly documentation?: string;
  /** What typed text is matched against, when not the label: a path's whole value. */
  readonly filterText?: string;
  /** Orders entries where their order means something (common layer types first). */
  readonly sortText?: string;
  /** Completion opens again once it is inserted: a folder's files, a key's values. */
  readonly retrigger?: boolean;
}

export interface CompletionRequest {
  readonly file: string;
  readonly text: string;
  readonly offset: number;
  /** Data paths must stay inside this folder. */
  readonly workspaceRoot: string;
}

type Schema = JsonSchema & {
  readonly additionalProperties?: JsonSchema | boolean;
  readonly else?: JsonSchema;
  readonly oneOf?: readonly JsonSchema[];
};

const ROOT = modelSchema as unknown as Schema;
const DEFINITIONS = (modelSchema as unknown as { definitions: Record<string, Schema> }).definitions;
const LAYER_PROPERTIES = DEFINITIONS.layer?.properties ?? {};

/** The files each data key names, by name. */
const DATA_FILES: Readonly<Record<string, RegExp>> = {
  path: /\.(csv|json|jsonl)$/i,
  images: /(ubyte|\.idx\d?)(\.gz)?$/i,
  labels: /(ubyte|\.idx\d?)(\.gz)?$/i,
};

export async function modelFileCompletions(request: CompletionRequest): Promise<CompletionEntry[]> {
  const format = modelFileFormat(request.file);
  const spot = completionSpot(format, request.text, request.offset);
  if (spot === undefined) return [];
  const typed = request.text.slice(spot.start, request.offset);
  const { path: at } = spot;
  if (spot.kind === 'value' && isDataSource(at.slice(0, -1))) {
    const key = at[at.length - 1] as string;
    if (key === 'label' || key === 'text') {
      const source = valueAt(spot.document, at.slice(0, -1));
      const columns = await tableColumns(request.file, request.workspaceRoot, source);
      const from = (source as { path?: string }).path;
      // In the header's order, as the file has them.
      return columns.map((column, index) => entry(spot, format, column, 'column', { detail: `column of ${from}`, sortText: order(index) }));
    }
    const accept = DATA_FILES[key];
    if (accept !== undefined) return dataPaths(request, spot, format, typed, accept);
  }
  if (spot.kind === 'value' && at.length === 2 && at[0] === 'model' && at[1] === 'from') {
    return dataPaths(request, spot, format, typed, /\.json$/i);
  }
  const entries = snippetsAt(request, spot, format);
  if (format === 'yaml') entries.push(...(spot.kind === 'value' ? yamlValues(spot) : spot.kind === 'key' ? yamlKeys(spot) : []));
  return entries;
}

function order(index: number): string {
  return String(index).padStart(4, '0');
}

function isDataSource(at: JsonPath): boolean {
  return at.length === 2 && at[0] === 'data' && (at[1] === 'train' || at[1] === 'test');
}

async function dataPaths(request: CompletionRequest, spot: CompletionSpot, format: 'json' | 'yaml', typed: string, accept: RegExp) {
  const choices = await pathChoices(request.file, request.workspaceRoot, typed, accept);
  const relativeTo = path.relative(request.workspaceRoot, path.dirname(request.file)) || '.';
  return choices.map((choice, index) =>
    entry(spot, format, choice.value, choice.folder ? 'folder' : 'file', {
      sortText: order(index),
      label: choice.label,
      filterText: choice.value,
      detail: `relative to ${relativeTo}/`,
      retrigger: choice.folder,
    }),
  );
}

/** A value entry: quoted in JSON unless the cursor is inside quotes already. */
function entry(
  spot: CompletionSpot,
  format: 'json' | 'yaml',
  value: string,
  kind: CompletionEntry['kind'],
  extra: Partial<CompletionEntry> = {},
): CompletionEntry {
  const escaped = escapeSnippet(value);
  const written = format === 'json' && !spot.quoted ? JSON.stringify(value) : yamlScalar(escaped, format);
  return { label: value, kind, insertText: written, start: spot.start, end: spot.end, ...extra };
}

/** YAML: quoted when the plain form would be read as something else (a number, `true`, `a: b`). */
function yamlScalar(value: string, format: 'json' | 'yaml'): string {
  if (format === 'json') return value;
  return /^[\w./-]+$/.test(value) && !/^(true|false|null|~|[-+.\d][\d.eE+-]*)$/i.test(value) ? value : JSON.stringify(value);
}

function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function snippetsAt(request: CompletionRequest, spot: CompletionSpot, format: 'json' | 'yaml'): CompletionEntry[] {
  const { path: at, document } = spot;
  const empty = request.text.trim() === '';
  const topLevel = spot.kind === 'key' && at.length === 0;
  const newLayer = at.length === 3 && at[0] === 'model' && at[1] === 'layers' && typeof at[2] === 'number';
  // A YAML layer typed as `- ` on a line of its own: the snippet brings its own dashes.
  const dash = format === 'yaml' ? /-\s*$/.exec(request.text.slice(0, spot.start)) : null;
  const atNewLayer =
    newLayer && (format === 'json' ? spot.kind === 'item' : spot.kind === 'key' && dash !== null && isEmptyObject(valueAt(document, at)));
  return MODEL_SNIPPETS.filter((snippet) => {
    if (snippet.where === 'file') return empty;
    if (snippet.where === 'layers') return atNewLayer;
    const key = Object.keys(snippet.value as object)[0] ?? '';
    return topLevel && !empty && valueAt(document, [key]) === undefined;
  }).map((snippet) => ({
    label: snippet.label,
    kind: 'snippet',
    insertText: snippetText(snippet, format),
    start: snippet.where === 'layers' && dash !== null ? dash.index : spot.start,
    end: spot.end,
    detail: 'Model Studio snippet',
    documentation: snippet.description,
  }));
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** The schemas that apply at `at`, with references, combinations and both branches of conditions followed. */
function schemasAt(at: JsonPath): Schema[] {
  let nodes = expand(ROOT);
  for (const segment of at) {
    nodes = nodes.flatMap((node) => {
      const additional = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
      const child = typeof segment === 'number' ? node.items : (node.properties?.[segment] ?? additional);
      return child === undefined ? [] : expand(child);
    });
  }
  return nodes;
}

function expand(node: Schema, found: Schema[] = []): Schema[] {
  if (node.$ref !== undefined) {
    const target = DEFINITIONS[node.$ref.replace('#/definitions/', '')];
    return target === undefined ? found : expand(target, found);
  }
  found.push(node);
  for (const sub of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? []), node.then, node.else]) {
    if (sub !== undefined) expand(sub, found);
  }
  return found;
}

function isLayer(at: JsonPath): boolean {
  return at.length === 3 && at[0] === 'model' && at[1] === 'layers' && typeof at[2] === 'number';
}

/** YAML keys: those the schema allows here and the file lacks; on a layer, only those its type takes. */
function yamlKeys(spot: CompletionSpot): CompletionEntry[] {
  const present = valueAt(spot.document, spot.path);
  if (typeof present !== 'object' || present === null || Array.isArray(present)) return yamlValues(spot);
  let keys: [string, Schema][];
  if (isLayer(spot.path)) {
    const type = (present as { type?: unknown }).type;
    const names = (typeof type === 'string' ? layerKeys(type) : undefined) ?? COMMON_LAYER_KEYS;
    keys = names.flatMap((name) => (LAYER_PROPERTIES[name] === undefined ? [] : [[name, LAYER_PROPERTIES[name] as Schema]]));
  } else {
    keys = schemasAt(spot.path).flatMap((node) => Object.entries(node.properties ?? {}));
  }
  const seen = new Set(Object.keys(present));
  const entries: CompletionEntry[] = [];
  for (const [key, schema] of keys) {
    if (seen.has(key) || key === '$schema') continue;
    seen.add(key);
    const nodes = expand(schema);
    const isObject = nodes.some((n) => n.type === 'object' || n.properties !== undefined);
    const isArray = nodes.some((n) => n.type === 'array');
    const hasChoices =
      nodes.some((n) => n.enum !== undefined || n.type === 'boolean') || DATA_FILES[key] !== undefined || key === 'label' || key === 'text';
    const value = isObject ? '\n  $0' : isArray ? '\n  - $0' : ' $0';
    const description = nodes.find((n) => n.description !== undefined)?.description;
    entries.push({
      label: key,
      kind: 'key',
      insertText: `${key}:${value}`,
      start: spot.start,
      end: spot.end,
      ...(description === undefined ? {} : { documentation: description }),
      retrigger: hasChoices || (isLayer(spot.path) && key === 'type'),
      // In the schema's order (name, task, data…; a layer's own keys before those of every layer).
      sortText: order(entries.length),
    });
  }
  return entries;
}

/** YAML values: a layer's type (one name each, with docs), else the schema's enum values and booleans. */
function yamlValues(spot: CompletionSpot): CompletionEntry[] {
  const { path: at } = spot;
  if (at.length === 4 && isLayer(at.slice(0, 3)) && at[3] === 'type') {
    return CANONICAL_LAYER_TYPES.map((type, index) =>
      entry(spot, 'yaml', type, 'layerType', {
        documentation: layerMarkdown(type) ?? '',
        detail: 'layer type',
        sortText: String(index).padStart(3, '0'),
      }),
    );
  }
  const entries: CompletionEntry[] = [];
  const seen = new Set<string>();
  for (const node of schemasAt(at)) {
    const values = node.enum ?? (node.const !== undefined ? [node.const] : node.type === 'boolean' ? [true, false] : []);
    values.forEach((value, index) => {
      const text = String(value);
      if (seen.has(text)) return;
      seen.add(text);
      const documentation = node.enumDescriptions?.[index];
      const written =
        typeof value === 'string' ? entry(spot, 'yaml', text, 'value') : { ...entry(spot, 'yaml', text, 'value'), insertText: text };
      entries.push({ ...written, ...(documentation === undefined ? {} : { documentation }) });
    });
  }
  return entries;
}

/**
 * The docs of the layer type under the cursor. In JSON only for an alias: the
 * JSON service shows the canonical names' docs from the editor schema.
 */
export function layerTypeHover(file: string, text: string, offset: number): { markdown: string; start: number; end: number } | undefined {
  const format = modelFileFormat(file);
  const spot = completionSpot(format, text, offset);
  if (spot?.kind !== 'value' || spot.path.length !== 4 || !isLayer(spot.path.slice(0, 3)) || spot.path[3] !== 'type') return undefined;
  const type = text.slice(spot.start, spot.end);
  if (format === 'json' && canonicalLayerType(type) === type) return undefined;
  const markdown = layerMarkdown(type);
  return markdown === undefined ? undefined : { markdown, start: spot.start, end: spot.end };
}
