import * as assert from 'node:assert/strict';
import type { SpecDiagnostic, SpecFix } from '../../src/modelFile/diagnostic';
import { applyTextEdits } from '../../src/modelFile/modelFileEdits';
import { quickFixEdits } from '../../src/modelFile/quickFixes';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/**
 * The quick fixes of the common diagnostics, as data on each diagnostic
 * and as the edits the editor applies: each fix, applied to the JSON and to
 * the YAML form of a file, removes its problem and leaves comments and the
 * rest of the text as they were.
 */

/** A model file of the tiny data (columns a, b, c, d, label; 3 classes), with `{{...}}` replaced per case. */
function jsonFile(parts: Partial<Record<'label' | 'type' | 'units' | 'extraLayerKey' | 'training' | 'task', string>>): string {
  return `{
  // the tiny data
  "name": "fix",
  "task": ${parts.task ?? '"classification"'},
  "data": { "train": { "path": "train.csv", "label": ${parts.label ?? '"label"'} }, "validationSplit": 0.2 },
  "model": {
    "layers": [
      { "type": ${parts.type ?? '"dense"'}, "units": 8, "activation": "relu"${parts.extraLayerKey ?? ''} },
      { "type": "dense", "units": ${parts.units ?? '3'}, "activation": "softmax" } // output
    ]
  },
  "training": ${parts.training ?? '{ "epochs": 2 }'}
}
`;
}

function yamlFile(parts: Partial<Record<'label' | 'type' | 'units' | 'extraLayerKey' | 'training' | 'task', string>>): string {
  return `# the tiny data
name: fix
task: ${parts.task ?? 'classification'}
data:
  train:
    path: train.csv
    label: ${parts.label ?? 'label'}
  validationSplit: 0.2
model:
  layers:
    - type: ${parts.type ?? 'dense'}
      units: 8
      activation: relu${parts.extraLayerKey ?? ''}
    - type: dense
      units: ${parts.units ?? '3'} # output
      activation: softmax
training:
${parts.training ?? '  epochs: 2'}
`;
}

interface Case {
  readonly name: string;
  readonly json: string;
  readonly yaml: string;
  /** Picks the diagnostic the fix is for. */
  readonly problem: RegExp;
  /** The fix applied: its title. */
  readonly title: string;
  /** What the fixed text holds, per format. */
  readonly fixed: { readonly json: string; readonly yaml: string };
  /** Other fixes offered, by title (in order), when the case checks them. */
  readonly titles?: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'did-you-mean key (unknown key in training)',
    json: jsonFile({ training: '{ "epochs": 2, "learningrate": 0.01 }' }),
    yaml: yamlFile({ training: '  epochs: 2\n  learningrate: 0.01' }),
    problem: /unknown key "learningrate"/,
    title: 'Rename to "learningRate"',
    fixed: { json: '"learningRate": 0.01', yaml: '  learningRate: 0.01' },
  },
  {
    name: 'did-you-mean layer type',
    json: jsonFile({ type: '"dens"' }),
    yaml: yamlFile({ type: 'dens' }),
    problem: /unknown layer type "dens"/,
    title: 'Change to "dense"',
    fixed: { json: '{ "type": "dense", "units": 8', yaml: '    - type: dense\n      units: 8' },
  },
  {
    name: 'did-you-mean layer option (a warning)',
    json: jsonFile({ extraLayerKey: ', "usebias": false' }),
    yaml: yamlFile({ extraLayerKey: '\n      usebias: false' }),
    problem: /"usebias" is not a layer option/,
    title: 'Rename to "useBias"',
    fixed: { json: '"useBias": false', yaml: '      useBias: false' },
  },
  {
    name: 'a Keras name for a loss',
    json: jsonFile({ training: '{ "epochs": 2, "loss": "sparse_categorical_crossentropy" }' }),
    yaml: yamlFile({ training: '  epochs: 2\n  loss: sparse_categorical_crossentropy' }),
    problem: /"training.loss" must be one of/,
    title: 'Change to "sparseCategoricalCrossentropy"',
    fixed: { json: '"loss": "sparseCategoricalCrossentropy"', yaml: '  loss: sparseCategoricalCrossentropy' },
  },
  {
    name: 'a missing label column: the near one first, then every header column',
    json: jsonFile({ label: '"lable"' }),
    yaml: yamlFile({ label: 'lable' }),
    problem: /no column "lable"/,
    title: 'Use column "label"',
    titles: ['Use column "label"', 'Use column "a"', 'Use column "b"', 'Use column "c"', 'Use column "d"'],
    fixed: { json: '"label": "label" }', yaml: '    label: label\n' },
  },
  {
    name: 'a number written as a string',
    json: jsonFile({ training: '{ "epochs": 2, "learningRate": "0.01" }' }),
    yaml: yamlFile({ training: '  epochs: 2\n  learningRate: "0.01"' }),
    problem: /"training.learningRate" must be a number > 0/,
    title: 'Write 0.01 as a number',
    fixed: { json: '"learningRate": 0.01 }', yaml: '  learningRate: 0.01\n' },
  },
  {
    name: 'output units ≠ number of classes',
    json: jsonFile({ units: '4' }),
    yaml: yamlFile({ units: '4' }),
    problem: /the output layer has 4 units, but the data has 3 classes/,
    title: 'Change to 3',
    fixed: { json: '"units": 3, "activation": "softmax" } // output', yaml: '      units: 3 # output' },
  },
  {
    name: 'a loss that does not fit the task',
    json: jsonFile({ training: '{ "epochs": 2, "loss": "meanSquaredError" }' }),
    yaml: yamlFile({ training: '  epochs: 2\n  loss: meanSquaredError' }),
    problem: /"meanSquaredError" is a regression loss/,
    title: 'Change to "sparseCategoricalCrossentropy"',
    titles: ['Change to "sparseCategoricalCrossentropy"', 'Set "task": "regression"'],
    fixed: { json: '"loss": "sparseCategoricalCrossentropy"', yaml: '  loss: sparseCategoricalCrossentropy' },
  },
  {
    name: 'a missing required key with a usual value',
    json: jsonFile({ training: '{ "epochs": 2, "learningRateSchedule": { "type": "step", "factor": 0.5 } }' }),
    yaml: yamlFile({ training: '  epochs: 2\n  learningRateSchedule:\n    type: step\n    factor: 0.5' }),
    problem: /missing the required key "every"/,
    title: 'Add "every": 10',
    fixed: { json: '"every": 10', yaml: '    every: 10' },
  },
];

describe('quick fixes (code actions) on model files', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  before(() => {
    tiny = writeTinyModel();
  });
  after(() => tiny.workspace.remove());

  const validate = async (name: string, text: string): Promise<SpecDiagnostic[]> => {
    const file = tiny.workspace.write(name, text);
    return (await validateModelFile(file, text, { workspaceRoot: tiny.workspace.root })).diagnostics;
  };

  for (const c of CASES) {
    for (const format of ['json', 'yaml'] as const) {
      it(`${c.name} (${format.toUpperCase()})`, async () => {
        const name = `fix.model.${format}`;
        const text = c[format];
        const diagnostics = await validate(name, text);
        const problem = diagnostics.find((d) => c.problem.test(d.message));
        assert.ok(problem, `no diagnostic ${c.problem}: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
        const fixes: readonly SpecFix[] = problem.fixes ?? [];
        if (c.titles) assert.deepEqual(fixes.map((f) => f.title).slice(0, c.titles.length), c.titles);
        const fix = fixes.find((f) => f.title === c.title);
        assert.ok(fix, `no fix "${c.title}" among ${JSON.stringify(fixes.map((f) => f.title))}`);
        const fixed = applyTextEdits(text, quickFixEdits(tiny.workspace.file(name), text, fix));
        assert.ok(fixed.includes(c.fixed[format]), fixed);
        // Comments and every other line stay.
        const comment = format === 'json' ? '// the tiny data' : '# the tiny data';
        assert.ok(fixed.includes(comment) && fixed.includes(format === 'json' ? '// output' : '# output'), fixed);
        assert.equal(
          fixed.split('\n').length,
          text.split('\n').length + (c.name.startsWith('a missing required') && format === 'yaml' ? 1 : 0),
        );
        const after = await validate(name, fixed);
        assert.ok(!after.some((d) => c.problem.test(d.message)), `still: ${JSON.stringify(after.map((d) => d.message))}`);
      });
    }
  }

  it('a fix that no longer applies (the key is gone) gives no edits', () => {
    const text = jsonFile({});
    const fix: SpecFix = { kind: 'renameKey', title: 'Rename to "learningRate"', path: ['training', 'learningrate'], key: 'learningRate' };
    assert.deepEqual(quickFixEdits(tiny.workspace.file('fix.model.json'), text, fix), []);
  });
});
