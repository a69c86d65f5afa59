import type * as ModelFileCode from '../../modelFile/editorCode';

let loaded: typeof ModelFileCode | undefined;

/**
 * The model-file code (parser, validator, form, edits, with yaml,
 * jsonc-parser, ajv and the schema: most of the extension's code) from
 * dist/modelFile.js, a bundle of its own, loaded on the first validation,
 * form or graph rather than parsed with dist/extension.js at activation
 * (docs/decisions.md "Model-file code loads on first use").
 */
export async function modelFileCode(): Promise<typeof ModelFileCode> {
  // A literal path that esbuild leaves to run time (esbuild.mjs: external).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./modelFile.js') as typeof ModelFileCode;
  return loaded;
}
