import * as assert from 'node:assert/strict';
import schema from '../../src/modelFile/model-file.schema.json';
import type { LayerSpec, TrainingSpec } from '../../src/modelFile/modelSpec';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import type { MetricRecord } from '../../src/protocol/runTypes';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';
import { trainStoppedThenResumed } from '../fixtures/stopAndResume';

/**
 * A file that validates must train: every optimizer, loss, metric,
 * activation and learning-rate schedule the schema offers (read from the
 * schema, so an option added later is covered) either trains end to end,
 * stopped after epoch 1 and resumed to the end (checkpointing the
 * optimizer's state included), or is refused by the validator with a
 * message that says what to use instead.
 */

const training = schema.definitions.training.properties;
const OPTIMIZERS = training.optimizer.enum;
const LOSSES = training.loss.enum;
const METRICS = training.metrics.items.enum;
const ACTIVATIONS = schema.definitions.layer.properties.activation.enum;
const SCHEDULES = training.learningRateSchedule.properties.type.enum;
const NORMALIZATIONS = schema.definitions.data.properties.features.properties.normalize.enum;

/** 60 rows of 3 features; labels for 3 classes, 2 classes and a positive number, each in its own file. */
function writeData(workspace: TempWorkspace): void {
  const rows = (label: (i: number) => string): string => {
    const lines = ['a,b,c,y'];
    for (let i = 0; i < 60; i++) {
      const k = i % 3;
      const wobble = ((i * 37) % 11) / 11 - 0.5;
      lines.push(`${(k + wobble).toFixed(3)},${(2 - k + wobble / 2).toFixed(3)},${(((i * 7) % 5) / 5).toFixed(3)},${label(i)}`);
    }
    return `${lines.join('\n')}\n`;
  };
  workspace.write(
    'three.csv',
    rows((i) => `c${i % 3}`),
  );
  workspace.write(
    'two.csv',
    rows((i) => String(i % 2)),
  );
  workspace.write(
    'number.csv',
    rows((i) => (1 + (i % 3) + ((i * 7) % 5) / 10).toFixed(2)),
  );
}

type Problem = 'three' | 'two' | 'number';

interface Case {
  readonly problem: Problem;
  readonly output: LayerSpec;
  readonly training: Partial<TrainingSpec>;
  readonly hidden?: readonly LayerSpec[];
  readonly data?: Record<string, unknown>;
}

/** The problem and output layer that each loss is meant for. */
function lossCase(loss: string): Case {
  const softmax3: LayerSpec = { type: 'dense', units: 3, activation: 'softmax' };
  switch (loss) {
    case 'binaryCrossentropy':
      return { problem: 'two', output: { type: 'dense', units: 1, activation: 'sigmoid' }, training: { loss } };
    case 'hinge':
    case 'squaredHinge':
      return { problem: 'two', output: { type: 'dense', units: 1, activation: 'tanh' }, training: { loss } };
    case 'sparseCategoricalCrossentropy':
    case 'categoricalCrossentropy':
    case 'categoricalHinge':
    case 'kullbackLeiblerDivergence':
    case 'cosineProximity':
      return { problem: 'three', output: softmax3, training: { loss } };
    case 'poisson':
      // A count's rate is positive: softplus keeps log(prediction) defined.
      return { problem: 'number', output: { type: 'dense', units: 1, activation: 'softplus' }, training: { loss } };
    default:
      return { problem: 'number', output: { type: 'dense', units: 1 }, training: { loss } };
  }
}

/** Binary-only metrics on two classes; the others on three. */
function metricCase(metric: string): Case {
  return metric === 'binaryAccuracy' || metric === 'precision'
    ? { problem: 'two', output: { type: 'dense', units: 1, activation: 'sigmoid' }, training: { metrics: [metric] } }
    : { problem: 'three', output: { type: 'dense', units: 3, activation: 'softmax' }, training: { metrics: [metric] } };
}

const SCHEDULE_CONFIG: Readonly<Record<string, TrainingSpec['learningRateSchedule']>> = {
  cosine: { type: 'cosine', warmupEpochs: 1 },
  step: { type: 'step', every: 1, factor: 0.5 },
  exponential: { type: 'exponential', factor: 0.9 },
  plateau: { type: 'plateau', patience: 0, factor: 0.5 },
};

describe('every option the schema offers trains end to end, with resume (or is refused up front)', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  let count = 0;
  before(() => {
    workspace = tempWorkspace();
    writeData(workspace);
  });
  after(() => workspace.remove());

  function writeCase(c: Case): string {
    const task = c.problem === 'number' ? 'regression' : 'classification';
    const spec = {
      name: `case${++count}`,
      task,
      data: { train: { path: `${c.problem}.csv`, label: 'y' }, validationSplit: 0.2, features: { normalize: 'standard' }, ...c.data },
      model: { layers: [...(c.hidden ?? [{ type: 'dense', units: 4, activation: 'relu' }]), c.output] },
      training: { batchSize: 16, epochs: 2, seed: 1, ...c.training },
    };
    return workspace.write(`case${count}.model.json`, JSON.stringify(spec, null, 2));
  }

  /** Validates, trains epoch 1, stops, resumes to epoch 2; every epoch's values finite. */
  async function trainsWithResume(c: Case): Promise<MetricRecord[]> {
    const file = writeCase(c);
    const validation = await validateModelFile(file, await import('node:fs').then((fs) => fs.readFileSync(file, 'utf8')), {
      workspaceRoot: workspace.root,
    });
    assert.deepEqual(
      validation.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
      [],
    );
    const epochs = await trainStoppedThenResumed(workspace, file);
    assert.deepEqual(
      epochs.map((r) => r.epoch),
      [1, 2],
    );
    for (const record of epochs) {
      for (const [key, value] of Object.entries(record))
        if (typeof value === 'number') assert.ok(Number.isFinite(value), `${key} = ${value}`);
    }
    return epochs;
  }

  describe('optimizers', () => {
    for (const optimizer of OPTIMIZERS) {
      it(optimizer, async () => {
        await trainsWithResume({ ...lossCase('sparseCategoricalCrossentropy'), training: { optimizer } });
      });
    }
  });

  describe('losses', () => {
    for (const loss of LOSSES) it(loss, async () => void (await trainsWithResume(lossCase(loss))));
  });

  describe('metrics', () => {
    for (const metric of METRICS) {
      it(metric, async () => {
        const epochs = await trainsWithResume(metricCase(metric));
        assert.ok(
          epochs.every((r) =>
            Object.keys(r).some((key) => !['epoch', 'batch', 'time', 'loss', 'lr'].includes(key) && !key.startsWith('val_')),
          ),
          `no ${metric} in ${JSON.stringify(epochs[0])}`,
        );
      });
    }
  });

  it(`activations: ${ACTIVATIONS.join(', ')} (one hidden layer each)`, async () => {
    const hidden = ACTIVATIONS.filter((a) => a !== 'softmax').map((activation) => ({ type: 'dense', units: 4, activation }));
    await trainsWithResume({
      ...lossCase('sparseCategoricalCrossentropy'),
      hidden: [...hidden, { type: 'softmax' }, { type: 'dense', units: 4 }],
    });
  });

  describe('normalisations (features, and a regression target)', () => {
    for (const normalize of NORMALIZATIONS) {
      const scale = normalize === 'scale' ? { scale: 4 } : {};
      it(normalize, async () => {
        await trainsWithResume({
          ...lossCase('meanSquaredError'),
          data: { features: { normalize, ...scale }, target: { normalize, ...scale } },
        });
      });
    }
  });

  describe('learning-rate schedules', () => {
    for (const type of SCHEDULES) {
      it(type, async () => {
        const schedule = SCHEDULE_CONFIG[type];
        assert.ok(schedule, `no test configuration for the new schedule "${type}": add one to SCHEDULE_CONFIG`);
        await trainsWithResume({ ...lossCase('sparseCategoricalCrossentropy'), training: { learningRateSchedule: schedule } });
      });
    }
  });
});
