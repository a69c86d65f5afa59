/**
 * What the editor tells about each layer type: one name per layer (TF.js
 * has up to three for some, e.g. avgPool2d / avgPooling2d /
 * averagePooling2d), what it does, its Keras name, and the model-file keys
 * that mean something to it. Completion and the editor schema offer only
 * these names and keys; every alias still validates (layerTypes.ts).
 */
export interface LayerDoc {
  /** What the layer does, one sentence. */
  readonly summary: string;
  /** The Keras class, for people who know Keras: in keras.layers unless it names its module. */
  readonly keras: string;
  /** The schema's layer keys this type takes, the main ones first. */
  readonly keys: readonly string[];
}

/** Keys every layer takes. */
export const COMMON_LAYER_KEYS: readonly string[] = ['type', 'name', 'trainable', 'inputShape', 'batchInputShape'];

const WEIGHTS = ['useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer'];
const CONV = ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'dataFormat', ...WEIGHTS];
const POOL = ['poolSize', 'strides', 'padding', 'dataFormat'];
const RNN = ['units', 'activation', 'returnSequences', ...WEIGHTS];

function doc(summary: string, keras: string, keys: readonly string[] = []): LayerDoc {
  return { summary, keras, keys };
}

const pooling = (kind: 'Max' | 'Average', dims: string, axes: string): LayerDoc =>
  doc(
    `${kind === 'Max' ? 'Keeps the largest' : 'Averages the'} value${kind === 'Max' ? '' : 's'} of each \`poolSize\` window over ${axes}, shrinking them.`,
    `${kind}Pooling${dims}`,
    POOL,
  );

const globalPooling = (kind: 'Max' | 'Average', dims: string, axes: string): LayerDoc =>
  doc(
    `${kind === 'Max' ? 'The largest value' : 'The mean'} of each channel over ${axes}: one number per channel.`,
    `Global${kind}Pooling${dims}`,
    ['dataFormat'],
  );

/** The canonical names, with their docs. */
export const LAYER_DOCS: Readonly<Record<string, LayerDoc>> = {
  dense: doc('Fully connected: each output is a weighted sum of all inputs plus a bias, then `activation`.', 'Dense', [
    'units',
    'activation',
    ...WEIGHTS,
  ]),
  dropout: doc(
    'Sets a random fraction `rate` of its inputs to 0 while training, against overfitting; passes everything at inference.',
    'Dropout',
    ['rate'],
  ),
  activation: doc('Applies an activation function to its input.', 'Activation', ['activation']),
  flatten: doc('Flattens each example to one axis, e.g. before dense layers after convolutions.', 'Flatten', ['dataFormat']),
  reshape: doc('Gives each example the shape `targetShape` (same number of values).', 'Reshape', ['targetShape']),
  batchNormalization: doc(
    'Normalises each channel with the batch mean and variance while training (moving averages at inference).',
    'BatchNormalization',
  ),
  layerNormalization: doc('Normalises each example over its last axis.', 'LayerNormalization'),
  conv1d: doc('1-D convolution over a sequence: `filters` learned windows of `kernelSize` steps.', 'Conv1D', CONV),
  conv2d: doc('2-D convolution over an image: `filters` learned windows of `kernelSize` pixels slide over it.', 'Conv2D', CONV),
  conv3d: doc('3-D convolution over volumes (e.g. video or scans).', 'Conv3D', CONV),
  conv2dTranspose: doc('Transposed 2-D convolution: upsamples an image with learned filters (decoders).', 'Conv2DTranspose', CONV),
  separableConv2d: doc(
    'Depthwise then pointwise 2-D convolution: fewer weights than conv2d for a similar effect.',
    'SeparableConv2D',
    CONV,
  ),
  depthwiseConv2d: doc('2-D convolution of each input channel on its own.', 'DepthwiseConv2D', [
    'kernelSize',
    'strides',
    'padding',
    'activation',
    'dataFormat',
    ...WEIGHTS,
  ]),
  convLstm2d: doc('An LSTM whose steps are 2-D convolutions: sequences of images.', 'ConvLSTM2D', [
    'filters',
    'kernelSize',
    'strides',
    'padding',
    'returnSequences',
    'activation',
    'dataFormat',
    ...WEIGHTS,
  ]),
  maxPooling1d: pooling('Max', '1D', 'the steps of a sequence'),
  maxPooling2d: pooling('Max', '2D', 'the rows and columns of an image'),
  maxPooling3d: pooling('Max', '3D', 'a volume'),
  averagePooling1d: pooling('Average', '1D', 'the steps of a sequence'),
  averagePooling2d: pooling('Average', '2D', 'the rows and columns of an image'),
  averagePooling3d: pooling('Average', '3D', 'a volume'),
  globalMaxPooling1d: globalPooling('Max', '1D', 'all steps'),
  globalMaxPooling2d: globalPooling('Max', '2D', 'all rows and columns'),
  globalAveragePooling1d: globalPooling('Average', '1D', 'all steps'),
  globalAveragePooling2d: globalPooling('Average', '2D', 'all rows and columns'),
  lstm: doc('Long short-term memory: a recurrent layer that reads a sequence step by step with gated memory.', 'LSTM', RNN),
  gru: doc('Gated recurrent unit: a recurrent layer, lighter than an LSTM.', 'GRU', RNN),
  simpleRNN: doc('A plain recurrent layer: the output of each step feeds the next.', 'SimpleRNN', RNN),
  embedding: doc(
    'Maps integer ids (0 … `inputDim`−1) to learned vectors of `outputDim` values, e.g. words. With `data.text`, `inputDim` is the vocabulary size and id 0 (padding) is masked.',
    'Embedding',
    ['outputDim', 'inputDim', 'maskZero'],
  ),
  positionEmbedding: doc(
    'Adds a learned vector per position to each step of a sequence (up to `sequenceLength`, default `data.text.maxLength`), so that attention knows word order.',
    'keras_hub.layers.PositionEmbedding',
    ['sequenceLength'],
  ),
  transformerEncoder: doc(
    'A Transformer encoder block: multi-head self-attention (padding ignored), then a feed-forward layer of `ffDim` units, each with a residual connection, layer normalization and `dropout`.',
    'keras_hub.layers.TransformerEncoder',
    ['numHeads', 'ffDim', 'dropout', 'keyDim', 'kernelInitializer', 'biasInitializer'],
  ),
  elu: doc('Exponential linear unit as a layer.', 'ELU'),
  leakyReLU: doc('ReLU with a small slope for negative inputs.', 'LeakyReLU'),
  prelu: doc('ReLU whose slope for negative inputs is learned.', 'PReLU'),
  reLU: doc('Rectified linear unit as a layer: max(0, x).', 'ReLU'),
  softmax: doc('Softmax as a layer: outputs that sum to 1.', 'Softmax'),
  thresholdedReLU: doc('x where x is above a threshold, else 0.', 'ThresholdedReLU'),
  alphaDropout: doc('Dropout that keeps the mean and variance (for selu networks).', 'AlphaDropout', ['rate']),
  gaussianDropout: doc('Multiplies inputs by noise with mean 1 while training.', 'GaussianDropout', ['rate']),
  gaussianNoise: doc('Adds Gaussian noise to the inputs while training.', 'GaussianNoise'),
  spatialDropout1d: doc('Drops whole channels of a sequence rather than single values.', 'SpatialDropout1D', ['rate']),
  masking: doc('Skips the time steps whose values all equal the mask value.', 'Masking'),
  permute: doc('Reorders the axes of each example.', 'Permute'),
  repeatVector: doc('Repeats its input n times along a new axis.', 'RepeatVector'),
  rescaling: doc('Multiplies by a scale and adds an offset, e.g. 1/255 for pixels.', 'Rescaling'),
  cropping2D: doc('Crops rows and columns off the edges of images.', 'Cropping2D', ['dataFormat']),
  zeroPadding2d: doc('Adds rows and columns of zeros around images.', 'ZeroPadding2D', ['dataFormat']),
  upSampling2d: doc('Repeats rows and columns to enlarge images.', 'UpSampling2D', ['dataFormat']),
};

/** Other names TF.js accepts, by the canonical name they stand for. */
export const LAYER_ALIASES: Readonly<Record<string, string>> = {
  avgPool1d: 'averagePooling1d',
  avgPool2d: 'averagePooling2d',
  avgPool3d: 'averagePooling3d',
  avgPooling1d: 'averagePooling1d',
  avgPooling2d: 'averagePooling2d',
  avgPooling3d: 'averagePooling3d',
  maxPool1d: 'maxPooling1d',
  maxPool2d: 'maxPooling2d',
  globalMaxPool1d: 'globalMaxPooling1d',
  globalMaxPool2d: 'globalMaxPooling2d',
};

/** The canonical layer names, in the order completion lists them (common ones first). */
export const CANONICAL_LAYER_TYPES: readonly string[] = Object.keys(LAYER_DOCS);

/** `avgPool2d` → `averagePooling2d`; a canonical or unknown name as it is. */
export function canonicalLayerType(type: string): string {
  return LAYER_ALIASES[type] ?? type;
}

/** The keys a layer of `type` takes (an alias's canonical type's), its own first; undefined for an unknown type. */
export function layerKeys(type: string): readonly string[] | undefined {
  const found = LAYER_DOCS[canonicalLayerType(type)];
  return found === undefined ? undefined : [...found.keys, ...COMMON_LAYER_KEYS];
}

/** Markdown for a layer type: what it does, its main keys, its Keras name, its other names. */
export function layerMarkdown(type: string): string | undefined {
  const canonical = canonicalLayerType(type);
  const found = LAYER_DOCS[canonical];
  if (found === undefined) return undefined;
  const aliases = Object.keys(LAYER_ALIASES).filter((alias) => LAYER_ALIASES[alias] === canonical);
  const lines = [`**${canonical}** — ${found.summary}`];
  lines.push(`Keras: \`${found.keras.includes('.') ? found.keras : `keras.layers.${found.keras}`}\`.`);
  if (found.keys.length > 0)
    lines.push(
      `Main keys: ${found.keys
        .slice(0, 4)
        .map((k) => `\`${k}\``)
        .join(', ')}.`,
    );
  if (canonical !== type) lines.push(`\`${type}\` is another name for \`${canonical}\`, which the editor offers.`);
  else if (aliases.length > 0) lines.push(`Also accepted: ${aliases.map((a) => `\`${a}\``).join(', ')} (the same layer).`);
  return lines.join('\n\n');
}
