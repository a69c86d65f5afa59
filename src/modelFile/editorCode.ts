/**
 * What the editor's features need of the model-file code, built into a
 * bundle of its own (dist/modelFile.js) that the extension loads on first
 * use: see src/workbench/shared/modelFileCode.ts.
 */
export { editModelFile, ModelEditError } from './editModelFile';
export { newLayer } from './formLayers';
export { buildForm, fieldEdit, parseInput } from './formModel';
export { modelFileFormat, parseModelFile } from './parseModelFile';
export { sameSpec } from './sameSpec';
export { validateModelFile } from './validateModelFile';
export { paramEdits } from './applyParams';
export { quickFixEdits } from './quickFixes';
export { isSearchParameter, searchEdit } from './formSearch';
export { layerTypeHover, modelFileCompletions } from './modelFileCompletion';
export { readDataSample } from '../data/dataSample';
export { inferData } from '../data/dataInference';
export { freeModelFile, modelNameFor, NewModelError, writeNewModelFile } from './newModelFile';
