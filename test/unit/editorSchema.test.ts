import * as assert from 'node:assert/strict';
import Ajv from 'ajv';
import { toEditorSchema, type SchemaNode } from '../../src/modelFile/editorSchema';
import { CANONICAL_LAYER_TYPES, COMMON_LAYER_KEYS, LAYER_DOCS } from '../../src/modelFile/layerCatalog';
import schema from '../../src/modelFile/model-file.schema.json';
import { irisModel, withValue } from '../fixtures/modelFile';

/** One kind of schema problem each. */
const BROKEN_MODEL_FILES: Record<string, unknown> = {
  'epochs below the minimum': withValue(irisModel(), ['training', 'epochs'], -3),
  'epochs not an integer': withValue(irisModel(), ['training', 'epochs'], 2.5),
  'epochs a string': withValue(irisModel(), ['training', 'epochs'], 'five'),
  'unknown optimizer': withValue(irisModel(), ['training', 'optimizer'], 'adamw'),
  'unknown key': withValue(irisModel(), ['training', 'epoch'], 3),
  'missing key': withValue(irisModel(), ['model'], undefined),
  'split out of range': withValue(irisModel(), ['data', 'validationSplit'], 1.5),
  'no layers': withValue(irisModel(), ['model', 'layers'], []),
  'data an array': withValue(irisModel(), ['data'], []),
  'bad name': withValue(irisModel(), ['name'], 'a/b'),
  'metric twice': withValue(irisModel(), ['training', 'metrics'], ['accuracy', 'accuracy']),
  'bad kernel size': withValue(irisModel(), ['model', 'layers', 0, 'kernelSize'], [0, 1, 2, 3]),
  'not an object': [1, 2, 3],
};

const editor = toEditorSchema(schema as unknown as SchemaNode);

/** Every value of `key` anywhere in the schema but in `if` conditions (which report nothing). */
function collect(node: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const n of node) collect(n, key, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) found.push(v);
      if (k !== 'if') collect(v, key, found);
    }
  }
  return found;
}

describe('the schema VS Code gets for *.model.json (toEditorSchema)', () => {
  it('accepts every model file, however broken: problems are our diagnostics alone', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const original = ajv.compile(schema);
    const validate = ajv.compile(editor);
    for (const [name, value] of Object.entries(BROKEN_MODEL_FILES)) {
      assert.equal(original(value), false, `${name} should break the real schema`);
      assert.equal(validate(value), true, `${name}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('keeps no assertion the JSON service would word its own way', () => {
    for (const key of ['required', 'minimum', 'exclusiveMinimum', 'maximum', 'minItems', 'minLength', 'pattern', 'uniqueItems', 'oneOf']) {
      assert.deepEqual(collect(editor, key), [], key);
    }
    assert.ok(!collect(editor, 'additionalProperties').includes(false));
  });

  it('still offers every enum value, with its description, for completion', () => {
    const enums = collect(editor, 'enum').flat();
    for (const value of ['classification', 'adam', 'sparseCategoricalCrossentropy', 'relu', 'dense', 'accuracy', 'val_loss']) {
      assert.ok(enums.includes(value), value);
    }
    assert.equal(collect(editor, 'enumDescriptions').length, collect(schema, 'enumDescriptions').length);
  });

  it('keeps keys, descriptions and defaults, and what completing a key inserts', () => {
    assert.deepEqual(Object.keys(editor.properties as object), Object.keys(schema.properties));
    const { layer: editorLayer, ...editorRest } = editor.definitions as Record<string, SchemaNode>;
    const { layer: schemaLayer, ...schemaRest } = schema.definitions;
    assert.equal(collect(editorRest, 'description').length, collect(schemaRest, 'description').length);
    // Each layer key keeps its description, under the types that take it.
    const described = new Set(collect(editorLayer, 'description'));
    for (const [key, property] of Object.entries(schemaLayer.properties)) assert.ok(described.has(property.description), key);
    const training = (editor.definitions as Record<string, SchemaNode>).training;
    assert.deepEqual(training.defaultSnippets, [{ body: {} }]);
    assert.equal(editor.allowTrailingCommas, true);
  });

  it('offers on a layer only the keys its type takes, and every key on some type', () => {
    assert.deepEqual(offeredLayerKeys({ type: 'dense' }).sort(), [...COMMON_LAYER_KEYS, ...(LAYER_DOCS.dense?.keys ?? [])].sort());
    assert.ok(!offeredLayerKeys({ type: 'dense' }).includes('kernelSize'));
    assert.ok(offeredLayerKeys({ type: 'conv2d' }).includes('kernelSize'));
    assert.ok(offeredLayerKeys({ type: 'maxPool2d' }).includes('poolSize'), 'an alias gets its layer type keys');
    assert.deepEqual(offeredLayerKeys({}).sort(), [...COMMON_LAYER_KEYS].sort(), 'no type yet: the keys of every layer');
    const offeredSomewhere = new Set(CANONICAL_LAYER_TYPES.flatMap((type) => offeredLayerKeys({ type })));
    for (const key of Object.keys(schema.definitions.layer.properties)) assert.ok(offeredSomewhere.has(key), key);
  });

  it('offers one name per layer type, each with its docs; aliases are left out of completion', () => {
    const typeSchema = (editorLayerSchema().properties as Record<string, SchemaNode>).type;
    const [names] = collect(typeSchema, 'enum') as string[][];
    assert.ok(names !== undefined);
    assert.ok(names.includes('averagePooling2d') && names.includes('maxPooling2d'));
    for (const alias of ['avgPool2d', 'avgPooling2d', 'maxPool2d', 'globalMaxPool1d']) assert.ok(!names.includes(alias), alias);
    const [docs] = collect(typeSchema, 'markdownEnumDescriptions') as string[][];
    assert.ok(docs !== undefined);
    assert.equal(docs.length, names.length);
    assert.match(docs[names.indexOf('dense')] ?? '', /Fully connected[\s\S]*keras\.layers\.Dense/);
  });
});

function editorLayerSchema(): SchemaNode {
  return (editor.definitions as Record<string, SchemaNode>).layer as SchemaNode;
}

/** The layer keys the JSON service offers for `layer`: its own, and those of each `then` whose `if` the layer meets. */
function offeredLayerKeys(layer: object): string[] {
  const ajv = new Ajv({ strict: false });
  const definition = editorLayerSchema();
  const keys = Object.keys(definition.properties as object);
  for (const branch of definition.allOf as SchemaNode[]) {
    if (ajv.validate(branch.if as object, layer)) keys.push(...Object.keys((branch.then as SchemaNode).properties as object));
  }
  return keys;
}
