import { strict as assert } from 'node:assert';
import Ajv from 'ajv';
import * as tf from '@tensorflow/tfjs';
import {
  LAYER_TYPES,
  MODEL_STUDIO_LAYER_TYPES,
  NOT_IN_A_LAYER_LIST,
  KEEPS_LAST_AXIS,
  TFJS_LAYER_TYPES,
} from '../../src/modelFile/layerTypes';
import { MODEL_STUDIO_LAYER_FACTORIES } from '../../src/trainer/textLayers';
import schema from '../../src/modelFile/model-file.schema.json';

describe('layer types', () => {
  it('list exactly the factory functions of the installed tf.layers', () => {
    // Capitalised names (Layer, RNN, RNNCell) are classes, not factories.
    const factories = Object.keys(tf.layers).filter(
      (name) => /^[a-z]/.test(name) && typeof (tf.layers as Record<string, unknown>)[name] === 'function',
    );
    assert.deepEqual([...TFJS_LAYER_TYPES].sort(), factories.sort());
  });

  it("list Model Studio's own layers after TF.js's, exactly those buildModel creates", () => {
    assert.deepEqual(MODEL_STUDIO_LAYER_TYPES, [...MODEL_STUDIO_LAYER_FACTORIES.keys()]);
    assert.deepEqual(LAYER_TYPES, [...TFJS_LAYER_TYPES, ...MODEL_STUDIO_LAYER_TYPES]);
    for (const type of MODEL_STUDIO_LAYER_TYPES) assert.ok(!TFJS_LAYER_TYPES.includes(type), type);
  });

  it('name only real factories among those excluded from a layer list and those keeping the last axis', () => {
    for (const name of [...Object.keys(NOT_IN_A_LAYER_LIST), ...KEEPS_LAST_AXIS]) assert.ok(LAYER_TYPES.includes(name), name);
  });

  it('match the schema suggestions: every usable factory, nothing else', () => {
    const suggested = (schema.definitions.layer.properties.type.anyOf[0] as { enum: string[] }).enum;
    assert.deepEqual(
      suggested,
      LAYER_TYPES.filter((name) => !(name in NOT_IN_A_LAYER_LIST)),
    );
  });
});

describe('model-file.schema.json', () => {
  it('is valid draft-07 and compiles under strict ajv (VS Code annotation keywords aside)', () => {
    const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
    ajv.addKeyword('patternErrorMessage');
    ajv.addKeyword('enumDescriptions');
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.doesNotThrow(() => ajv.compile(schema));
  });

  it('describes every key', () => {
    const missing: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (node === null || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, { description?: string; $ref?: string }> }).properties;
      for (const [key, value] of Object.entries(properties ?? {})) {
        if (value.description === undefined && value.$ref === undefined) missing.push(`${where}.${key}`);
      }
      for (const [key, value] of Object.entries(node)) visit(value, `${where}.${key}`);
    };
    visit(schema, '#');
    // The `if` branches' property constraints are tests, not keys to document.
    assert.deepEqual(
      missing.filter((m) => !m.includes('.if.')),
      [],
    );
  });

  it('knows the losses and metrics that TF.js compile accepts', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })] });
    const losses = schema.definitions.training.properties.loss.enum;
    const metrics = schema.definitions.training.properties.metrics.items.enum;
    for (const loss of losses) assert.doesNotThrow(() => model.compile({ optimizer: 'sgd', loss }), loss);
    for (const metric of metrics)
      assert.doesNotThrow(() => model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [metric] }), metric);
    assert.throws(() => model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['meanAbsoluteError'] }));
  });
});
