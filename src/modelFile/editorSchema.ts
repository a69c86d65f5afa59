/**
 * The schema VS Code's JSON service gets for `*.model.json`
 * (`contributes.jsonValidation`): the model-file schema with everything that
 * helps writing (keys, descriptions, enum values and their descriptions,
 * defaults, types for what a completed key inserts) and nothing that
 * asserts. Model Studio's own diagnostics report every schema problem, with
 * messages that say how to fix it; left to assert, the JSON service would
 * report the same problems a second time in its own words ("Value is below
 * the minimum of 1."). docs/decisions.md says more. Pure; esbuild.mjs
 * writes the result to dist/model-file.schema.json.
 */

import { CANONICAL_LAYER_TYPES, COMMON_LAYER_KEYS, LAYER_ALIASES, LAYER_DOCS, layerMarkdown } from './layerCatalog';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type SchemaNode = { [key: string]: Json };

/** Keywords that only say what is allowed: dropped. */
const ASSERTIONS = new Set([
  'required',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'patternErrorMessage',
  'errorMessage',
  'format',
  'minProperties',
  'maxProperties',
  'not',
  'contains',
  'dependencies',
]);

/**
 * Keywords that assert but also drive completion and hover: kept, in an
 * `anyOf` beside an empty schema, which matches anything. The JSON service
 * gathers suggestions from every branch of an `anyOf` but reports a
 * problem only when no branch matches.
 */
const SUGGESTIONS = new Set(['type', 'enum', 'const', 'enumDescriptions', 'markdownEnumDescriptions']);

/** Sub-schemas by name. */
const SCHEMA_MAPS = new Set(['properties', 'definitions', '$defs', 'patternProperties']);
/** A sub-schema, or a list of them. */
const SUBSCHEMAS = new Set(['items', 'then', 'else', 'additionalItems']);

export function toEditorSchema(schema: SchemaNode): SchemaNode {
  // The model-file parser accepts trailing commas: the JSON service must not flag them.
  return { ...transform(withLayerKeysPerType(schema)), allowTrailingCommas: true };
}

/**
 * The layer definition as completion should see it: one name per layer
 * type, each with its docs, and per type only the keys it takes (no
 * `kernelSize` offered on a dense layer). The validating schema keeps every
 * key on every layer, so its messages do not change.
 */
function withLayerKeysPerType(schema: SchemaNode): SchemaNode {
  const definitions = schema.definitions;
  if (!isNode(definitions) || !isNode(definitions.layer) || !isNode(definitions.layer.properties)) return schema;
  const layer = definitions.layer;
  const properties = definitions.layer.properties;
  const pick = (keys: readonly string[]): SchemaNode =>
    Object.fromEntries(keys.filter((key) => properties[key] !== undefined).map((key) => [key, properties[key]]));
  const typeProperty: SchemaNode = {
    description: isNode(properties.type) ? (properties.type.description ?? null) : null,
    anyOf: [
      { enum: [...CANONICAL_LAYER_TYPES], markdownEnumDescriptions: CANONICAL_LAYER_TYPES.map((type) => layerMarkdown(type) ?? '') },
      { type: 'string' },
    ],
  };
  const perType: Json[] = CANONICAL_LAYER_TYPES.map((type) => ({
    if: { required: ['type'], properties: { type: { enum: [type, ...aliasesOf(type)] } } },
    then: { properties: pick(LAYER_DOCS[type]?.keys ?? []) },
  }));
  const editorLayer: SchemaNode = { ...layer, properties: { ...pick(COMMON_LAYER_KEYS), type: typeProperty }, allOf: perType };
  return { ...schema, definitions: { ...definitions, layer: editorLayer } };
}

function aliasesOf(type: string): string[] {
  return Object.keys(LAYER_ALIASES).filter((alias) => LAYER_ALIASES[alias] === type);
}

function isNode(value: Json | undefined): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function transformAny(value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => (isNode(v) ? transform(v) : v));
  return isNode(value) ? transform(value) : value;
}

function transform(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  const kept: SchemaNode = {};
  let branches: Json[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (ASSERTIONS.has(key)) continue;
    if (SUGGESTIONS.has(key)) {
      kept[key] = value;
    } else if (key === 'if') {
      // A condition reports nothing itself: kept as written so then/else apply as before.
      out[key] = value;
    } else if (key === 'additionalProperties') {
      if (isNode(value)) out[key] = transform(value);
      // `false` asserts (unknown keys are our diagnostics); `true` is the default.
    } else if (SCHEMA_MAPS.has(key) && isNode(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isNode(sub) ? transform(sub) : sub]));
    } else if (SUBSCHEMAS.has(key)) {
      out[key] = transformAny(value);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      const transformed = value.map((v) => (isNode(v) ? transform(v) : v));
      // Branches that no longer assert may all match: `oneOf` would then fail, `anyOf` does not.
      if (key === 'allOf') out[key] = transformed;
      else branches = branches.concat(transformed);
    } else {
      out[key] = value;
    }
  }
  if (Object.keys(kept).length > 0) branches.push(kept);
  if (branches.length > 0) out.anyOf = [...branches, {}];
  // What completing the key inserts: `{}` for an object, `[]` for a list (the JSON
  // service reads `type` for that, which now sits in the anyOf).
  const type = kept.type;
  if (out.default === undefined && out.defaultSnippets === undefined) {
    if (type === 'object') out.defaultSnippets = [{ body: {} }];
    else if (type === 'array') out.defaultSnippets = [{ body: [] }];
  }
  return out;
}
