import * as tf from '@tensorflow/tfjs';

/**
 * The optimizer's state as checkpoints keep it, for every optimizer the
 * trainer offers. TF.js saves most through getWeights / setWeights, with
 * two gaps this module fills:
 *
 * - Adamax has neither (both throw "not implemented"): without them no
 *   adamax run got past its first checkpoint. Its step count, running
 *   beta1 power, first moments and weighted infinity norms are read and
 *   set here.
 * - Adam's setWeights sets its running powers of beta1 and beta2 to
 *   pow(beta, steps + 1), which in float32 differs from the product of
 *   `steps` multiplications that training accumulates (after 18 steps for
 *   beta2 = 0.999): a resumed run would drift from the uninterrupted one in
 *   the 7th digit. They are set to that product instead, rounded as
 *   float32 multiplication rounds.
 */

/** What Optimizer.getWeights gives (TF.js does not export its name). */
type NamedTensor = { name: string; tensor: tf.Tensor };
type NamedVariable = { originalName: string; variable: tf.Variable };

interface AdamaxInternals {
  iteration: tf.Variable;
  accBeta1: tf.Variable;
  accumulatedFirstMoment: NamedVariable[];
  accumulatedWeightedInfNorm: NamedVariable[];
}

interface OptimizerInternals {
  iterations_: number;
  saveIterations(): Promise<NamedTensor>;
}

const ADAMAX_ITERATION = 'adamax/iteration';
const ADAMAX_ACC_BETA1 = 'adamax/accBeta1';

function isAdamax(optimizer: tf.Optimizer): boolean {
  return optimizer.getClassName() === 'Adamax';
}

/** The optimizer's state: TF.js's getWeights, or Adamax's as TF.js would lay it out (step count first). */
export async function optimizerWeights(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  if (!isAdamax(optimizer)) return optimizer.getWeights();
  const adamax = optimizer as unknown as AdamaxInternals & OptimizerInternals;
  const slots = [...adamax.accumulatedFirstMoment, ...adamax.accumulatedWeightedInfNorm];
  return [
    await adamax.saveIterations(),
    { name: ADAMAX_ITERATION, tensor: adamax.iteration },
    { name: ADAMAX_ACC_BETA1, tensor: adamax.accBeta1 },
    ...slots.map((v) => ({ name: v.originalName, tensor: v.variable })),
  ];
}

/** Puts state that optimizerWeights gave into a fresh optimizer of the same kind. */
export async function setOptimizerWeights(optimizer: tf.Optimizer, weights: NamedTensor[]): Promise<void> {
  if (!isAdamax(optimizer)) {
    await optimizer.setWeights(weights);
    accumulateBetas(optimizer);
    return;
  }
  const adamax = optimizer as unknown as AdamaxInternals & OptimizerInternals;
  const [iterations, iteration, accBeta1, ...slots] = weights;
  if (iteration?.name !== ADAMAX_ITERATION || accBeta1?.name !== ADAMAX_ACC_BETA1 || slots.length % 2 !== 0) {
    throw new Error('the checkpoint does not hold the state of an adamax optimizer');
  }
  adamax.iterations_ = (await iterations.tensor.data())[0];
  adamax.iteration.assign(iteration.tensor);
  adamax.accBeta1.assign(accBeta1.tensor);
  tf.dispose([...adamax.accumulatedFirstMoment, ...adamax.accumulatedWeightedInfNorm].map((v) => v.variable));
  const half = slots.length / 2;
  const variable = (w: NamedTensor): NamedVariable => ({ originalName: w.name, variable: w.tensor.variable(false) });
  adamax.accumulatedFirstMoment = slots.slice(0, half).map(variable);
  adamax.accumulatedWeightedInfNorm = slots.slice(half).map(variable);
}

function accumulateBetas(optimizer: tf.Optimizer): void {
  const adam = optimizer as unknown as Partial<Record<'accBeta1' | 'accBeta2', tf.Variable>> & { beta1?: number; beta2?: number };
  const steps = optimizer.iterations;
  for (const [acc, beta] of [
    [adam.accBeta1, adam.beta1],
    [adam.accBeta2, adam.beta2],
  ] as const) {
    if (acc === undefined || beta === undefined) continue;
    const factor = Math.fround(beta);
    let product = factor;
    for (let i = 0; i < steps; i++) product = Math.fround(product * factor);
    tf.tidy(() => acc.assign(tf.scalar(product)));
  }
}
