/**
 * Plain JSON types, free of Node and of the parsers, so that webview code
 * can take them (with `import type`) through the protocol files.
 */

/** A place in a model file: keys and list indices, e.g. ['model', 'layers', 0, 'units']. */
export type JsonPath = readonly (string | number)[];

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
