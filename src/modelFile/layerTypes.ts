/**
 * The `tf.layers` factory names a layer's `type` may use. Kept as a list
 * here so that validation does not load TF.js (slow, and the editor
 * validates on every keystroke); test/unit/layerTypes.test.ts compares it
 * with `Object.keys(tf.layers)` of the installed TF.js, so an upgrade that
 * adds or removes layers fails the tests until this list follows.
 */
export const TFJS_LAYER_TYPES: readonly string[] = [
  'activation',
  'add',
  'alphaDropout',
  'average',
  'averagePooling1d',
  'averagePooling2d',
  'averagePooling3d',
  'avgPool1d',
  'avgPool2d',
  'avgPool3d',
  'avgPooling1d',
  'avgPooling2d',
  'avgPooling3d',
  'batchNormalization',
  'bidirectional',
  'categoryEncoding',
  'centerCrop',
  'concatenate',
  'conv1d',
  'conv2d',
  'conv2dTranspose',
  'conv3d',
  'conv3dTranspose',
  'convLstm2d',
  'convLstm2dCell',
  'cropping2D',
  'dense',
  'depthwiseConv2d',
  'dot',
  'dropout',
  'elu',
  'embedding',
  'flatten',
  'gaussianDropout',
  'gaussianNoise',
  'globalAveragePooling1d',
  'globalAveragePooling2d',
  'globalMaxPool1d',
  'globalMaxPool2d',
  'globalMaxPooling1d',
  'globalMaxPooling2d',
  'gru',
  'gruCell',
  'input',
  'inputLayer',
  'layerNormalization',
  'leakyReLU',
  'lstm',
  'lstmCell',
  'masking',
  'maxPool1d',
  'maxPool2d',
  'maxPooling1d',
  'maxPooling2d',
  'maxPooling3d',
  'maximum',
  'minimum',
  'multiply',
  'permute',
  'prelu',
  'randomWidth',
  'reLU',
  'repeatVector',
  'rescaling',
  'reshape',
  'resizing',
  'rnn',
  'separableConv2d',
  'simpleRNN',
  'simpleRNNCell',
  'softmax',
  'spatialDropout1d',
  'stackedRNNCells',
  'thresholdedReLU',
  'timeDistributed',
  'upSampling2d',
  'zeroPadding2d',
];

/** Model Studio's own layers (src/trainer/textLayers), which TF.js lacks. */
export const MODEL_STUDIO_LAYER_TYPES: readonly string[] = ['positionEmbedding', 'transformerEncoder'];

/** Every name a layer's `type` may use. */
export const LAYER_TYPES: readonly string[] = [...TFJS_LAYER_TYPES, ...MODEL_STUDIO_LAYER_TYPES];

/**
 * Factories that exist but cannot stand in a plain list of layers, with the
 * reason: they merge several inputs, are RNN cells rather than layers,
 * return a tensor rather than a layer, or build but cannot train in the
 * installed TF.js (test/unit/layerTypesTrain.test.ts finds those: a file
 * that validates must train).
 */
export const NOT_IN_A_LAYER_LIST: Readonly<Record<string, string>> = {
  add: 'merges several inputs',
  average: 'merges several inputs',
  concatenate: 'merges several inputs',
  dot: 'merges several inputs',
  maximum: 'merges several inputs',
  minimum: 'merges several inputs',
  multiply: 'merges several inputs',
  gruCell: 'is an RNN cell, not a layer (use "gru")',
  lstmCell: 'is an RNN cell, not a layer (use "lstm")',
  simpleRNNCell: 'is an RNN cell, not a layer (use "simpleRNN")',
  convLstm2dCell: 'is an RNN cell, not a layer (use "convLstm2d")',
  stackedRNNCells: 'stacks RNN cells, not layers',
  input: 'creates an input tensor, not a layer (the input shape comes from data.features.shape)',
  conv3dTranspose: 'cannot be trained: TF.js has no gradient for it (Conv3DBackpropInputV2)',
  categoryEncoding: 'gives TF.js a wrong output shape, so training fails at its first batch (one-hot the data beforehand)',
  centerCrop: 'gives TF.js a wrong output shape, so training fails at its first batch (use "cropping2D")',
  resizing: 'gives TF.js a wrong output shape, so the layers after it cannot be built (use "upSampling2d" or a pooling layer)',
  randomWidth: 'gives TF.js no fixed width, so the layers after it cannot be built (augment the images beforehand)',
  bidirectional: 'wraps a layer object, which a model file cannot give (use "lstm" or "gru")',
  timeDistributed: 'wraps a layer object, which a model file cannot give (a "dense" layer on a sequence already applies to each step)',
  rnn: 'needs an RNN cell object, which a model file cannot give (use "simpleRNN", "lstm" or "gru")',
  inputLayer: 'sets the input, which data.features.shape already does',
};

/**
 * Layers that keep the size of the last axis, so the number of outputs is
 * set by the last layer before them that has `units`.
 */
export const KEEPS_LAST_AXIS: ReadonlySet<string> = new Set([
  'activation',
  'alphaDropout',
  'batchNormalization',
  'dropout',
  'elu',
  'gaussianDropout',
  'gaussianNoise',
  'layerNormalization',
  'leakyReLU',
  'masking',
  'prelu',
  'reLU',
  'softmax',
  'spatialDropout1d',
  'thresholdedReLU',
]);

/** The initializer names TF.js takes as strings (tf.initializers' identifiers). */
export const INITIALIZERS: readonly string[] = [
  'constant',
  'glorotNormal',
  'glorotUniform',
  'heNormal',
  'heUniform',
  'identity',
  'leCunNormal',
  'leCunUniform',
  'ones',
  'orthogonal',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
  'varianceScaling',
  'zeros',
];
