import { didYouMean } from '../data/suggest';
import { INITIALIZERS } from '../modelFile/layerTypes';

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => d ?? 'any').join(', ')}]`;
}

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((n, d) => n * (d ?? 1), 1);
}

/**
 * What TF.js said when it refused a layer, in the model file's terms: the
 * cases a schema-valid file still hits (a window larger than its input, a
 * reshape that changes the number of values, an unknown initializer) get a
 * sentence saying what to change; anything else is TF.js's first sentence,
 * without its advice about Python and registerClass.
 *
 * @param config the layer's entry in the model file
 * @param inputShape the layer's input shape without the batch axis, when known
 */
export function layerErrorMessage(
  config: Readonly<Record<string, unknown>>,
  error: unknown,
  inputShape?: readonly (number | null)[],
): string {
  const text = error instanceof Error ? error.message : String(error);
  const input = inputShape === undefined ? 'its input' : `its input ${shapeText(inputShape)}`;
  if (/Negative dimension size/i.test(text)) {
    const window = ['kernelSize', 'poolSize'].find((key) => key in config) ?? 'kernelSize';
    return `${input} is smaller than the ${window === 'poolSize' ? 'pool window' : 'kernel'} (${window}${config[window] === undefined ? '' : ` ${JSON.stringify(config[window])}`}): use a smaller ${window}, fewer layers that shrink the input before it, or "padding": "same"`;
  }
  if (/Total size of new array must be unchanged/i.test(text) && Array.isArray(config.targetShape)) {
    const target = config.targetShape as number[];
    const values = inputShape === undefined ? '' : ` but ${input} holds ${product(inputShape)}`;
    return `targetShape ${shapeText(target)} holds ${product(target)} values${values}: the product of targetShape must equal the input's`;
  }
  if (/presence of activity regularizer/i.test(text)) {
    return 'TF.js cannot train a layer with an activityRegularizer yet: remove it (kernelRegularizer and biasRegularizer work)';
  }
  const unknown = /^Unknown (initializer|regularizer|constraint|activation|layer): ([^\s.]+)/i.exec(text);
  if (unknown) {
    const [, kind, name] = unknown;
    const hint = kind.toLowerCase() === 'initializer' ? didYouMean(name, INITIALIZERS) || ` (one of ${INITIALIZERS.join(', ')})` : '';
    return `unknown ${kind.toLowerCase()} "${name}"${hint}`;
  }
  return firstSentence(text);
}

/** TF.js's message up to its first line break or its "This may be due to…" advice. */
function firstSentence(text: string): string {
  const line = text.split(/\n|\\n/)[0];
  return line.replace(/\s*This may be due to.*$/, '').trim() || text;
}
