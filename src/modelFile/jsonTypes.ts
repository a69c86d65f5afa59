/**
 * Plain JSON types, free of Node and of the parsers, so that webview code
 * can take them (with `import type`) through the protocol files.
 */

/** A place in a model file: keys and list indices, e.g. ['model', 'layers', 0, 'units']. */
export type JsonPath = readonly (string | number)[];

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The part of JSON Schema that model-file.schema.json uses, as the form and the diagnostics read it. */
export type JsonSchema = {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly enumDescriptions?: readonly string[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  /** With `then`: `then` applies to values `if` accepts (a learning-rate schedule's keys per `type`). */
  readonly if?: JsonSchema;
  readonly then?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly description?: string;
  readonly pattern?: string;
  readonly patternErrorMessage?: string;
};
