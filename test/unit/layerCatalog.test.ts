import * as assert from 'node:assert/strict';
import { CANONICAL_LAYER_TYPES, LAYER_ALIASES, layerKeys, layerMarkdown } from '../../src/modelFile/layerCatalog';
import { LAYER_TYPES, NOT_IN_A_LAYER_LIST } from '../../src/modelFile/layerTypes';
import schema from '../../src/modelFile/model-file.schema.json';

describe('the layer catalog (one name and docs per layer type)', () => {
  it('covers every type a list of layers accepts, as a canonical name or an alias of one', () => {
    const listable = LAYER_TYPES.filter((type) => NOT_IN_A_LAYER_LIST[type] === undefined);
    const covered = new Set([...CANONICAL_LAYER_TYPES, ...Object.keys(LAYER_ALIASES)]);
    assert.deepEqual(
      listable.filter((type) => !covered.has(type)),
      [],
    );
    for (const type of covered) assert.ok(listable.includes(type), `${type} is not a layer type`);
    for (const canonical of Object.values(LAYER_ALIASES)) assert.ok(CANONICAL_LAYER_TYPES.includes(canonical), canonical);
  });

  it('names only keys of the schema', () => {
    const known = new Set(Object.keys(schema.definitions.layer.properties));
    for (const type of CANONICAL_LAYER_TYPES) for (const key of layerKeys(type) ?? []) assert.ok(known.has(key), `${type}: ${key}`);
  });

  it('gives an alias the keys and docs of its layer, naming the canonical name', () => {
    assert.deepEqual(layerKeys('avgPool2d'), layerKeys('averagePooling2d'));
    assert.match(layerMarkdown('avgPool2d') ?? '', /`avgPool2d` is another name for `averagePooling2d`/);
    assert.match(layerMarkdown('averagePooling2d') ?? '', /Also accepted: `avgPool2d`, `avgPooling2d`/);
    assert.match(layerMarkdown('conv2d') ?? '', /keras\.layers\.Conv2D[\s\S]*Main keys: `filters`, `kernelSize`/);
    assert.equal(layerKeys('notALayer'), undefined);
  });
});
