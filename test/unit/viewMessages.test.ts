import { strict as assert } from 'node:assert';
import { isGraphToHost } from '../../src/protocol/graphMessages';
import { isHyperparametersToHost } from '../../src/protocol/hyperparametersMessages';
import { isHostToInspector, isInspectorToHost } from '../../src/protocol/inspectorMessages';
import { isTrainingPanelState } from '../../src/protocol/trainingPanelMessages';
import { isHostMessage, isSavedState } from '../../webview/training/guards';

describe('hyperparameters, graph and inspector message guards', () => {
  it('accept what the webviews send and drop the rest', () => {
    assert.ok(isHyperparametersToHost({ type: 'change', fieldId: 'training.epochs', path: ['training', 'epochs'], input: '7' }));
    assert.ok(isHyperparametersToHost({ type: 'change', fieldId: 'x', path: ['training', 'metrics'], input: ['accuracy'] }));
    assert.ok(isHyperparametersToHost({ type: 'moveLayer', from: 1, to: 0 }));
    assert.ok(isHyperparametersToHost({ type: 'revert' }));
    assert.ok(!isHyperparametersToHost({ type: 'change', fieldId: 'x', path: ['a', -1], input: '7' }));
    assert.ok(!isHyperparametersToHost({ type: 'change', fieldId: 'x', path: ['a'], input: 7 }));
    assert.ok(!isHyperparametersToHost({ type: 'addLayer', layerType: '' }));
    assert.ok(!isHyperparametersToHost({ type: 'eval', code: '1' }));
    assert.ok(isGraphToHost({ type: 'revealLayer', index: 2 }));
    assert.ok(isGraphToHost({ type: 'revealRange', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } } }));
    assert.ok(!isGraphToHost({ type: 'revealLayer', index: 1.5 }));
    assert.ok(!isGraphToHost(null));
  });

  it('accept what the inspector sends and drop the rest', () => {
    const summary = {
      inputShape: [null, 4],
      layers: [{ index: 0, name: 'dense_1', type: 'dense', outputShape: [null, 3], params: 15, trainableParams: 15 }],
      totalParams: 15,
      trainableParams: 15,
      nonTrainableParams: 0,
      memory: {
        weightsBytes: 60,
        optimizerBytes: 120,
        optimizerSlots: 2,
        gradientsBytes: 60,
        activationsBytes: 896,
        batchSize: 32,
        totalBytes: 1136,
      },
    };
    assert.ok(isInspectorToHost({ type: 'ready' }));
    assert.ok(isInspectorToHost({ type: 'inspected', id: 1, ms: 3.5, inspection: { kind: 'ok', summary, warnings: [] } }));
    assert.ok(
      !isInspectorToHost({
        type: 'inspected',
        id: 1,
        ms: 3.5,
        inspection: { kind: 'ok', summary: { ...summary, totalParams: -1 }, warnings: [] },
      }),
    );
    const diagnostic = {
      file: '/m.model.json',
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      severity: 'error',
      message: 'm',
      path: ['a', 0],
    };
    assert.ok(isInspectorToHost({ type: 'inspected', id: 2, ms: 1, inspection: { kind: 'invalid', diagnostics: [diagnostic] } }));
    assert.ok(
      !isInspectorToHost({
        type: 'inspected',
        id: 2,
        ms: 1,
        inspection: { kind: 'invalid', diagnostics: [{ ...diagnostic, severity: 'fatal' }] },
      }),
    );
    assert.ok(isHostToInspector({ type: 'inspect', request: { id: 3, modelFile: '/m.model.json', text: '{}', workspaceRoot: '/' } }));
    assert.ok(!isHostToInspector({ type: 'inspect', request: { id: 3, modelFile: '/m.model.json' } }));
  });
});

describe('training panel state and compare message guards', () => {
  const run = { status: 'stopped', runId: 'r1' };

  it("a restored panel's state names its model file and, optionally, the run folders it compared", () => {
    assert.ok(isTrainingPanelState({ modelFile: '/w/a.model.json' }));
    assert.ok(isTrainingPanelState({ modelFile: '/w/a.model.json', comparedRunDirs: ['/w/.modelstudio/runs/x'] }));
    assert.ok(!isTrainingPanelState({ modelFile: '/w/a.model.json', comparedRunDirs: '/w/.modelstudio/runs/x' }));
    assert.ok(!isTrainingPanelState({ modelFile: '/w/a.model.json', comparedRunDirs: [1] }));
    assert.ok(!isTrainingPanelState({ comparedRunDirs: [] }));
  });

  it('the webview keeps compared runs only with their folders, and saved state from before them still restores', () => {
    const compared = { runId: 'r0', runDir: '/w/.modelstudio/runs/r0', label: '12:00', status: 'completed', records: [] };
    assert.ok(isHostMessage({ type: 'compare', runs: [compared] }));
    const { runDir: _runDir, ...withoutDir } = compared;
    assert.ok(!isHostMessage({ type: 'compare', runs: [withoutDir] }));
    const saved = { modelFile: '/w/a.model.json', modelName: 'a', run, records: [] };
    assert.ok(isSavedState(saved), 'a state saved before comparedRunDirs existed');
    assert.ok(isSavedState({ ...saved, comparedRunDirs: ['/w/.modelstudio/runs/r0'] }));
    assert.ok(!isSavedState({ ...saved, comparedRunDirs: [null] }));
  });

  it("a cross-validated run's reset carries its other folds and the header its fold and mean ± std", () => {
    const fold = { runId: 'r-fold1', runDir: '/w/.modelstudio/runs/r/folds/1', label: 'fold 1', status: 'completed', records: [] };
    const cvRun = { ...run, label: 'fold 2', crossValidation: { foldCount: 3, fold: 2, mean: { val_loss: 0.5 }, std: { val_loss: 0.1 } } };
    const reset = { type: 'reset', modelFile: '/w/a.model.json', modelName: 'a', run: cvRun, records: [], folds: [fold] };
    assert.ok(isHostMessage(reset));
    assert.ok(isHostMessage({ ...reset, folds: undefined }), 'a run that is not cross-validated');
    assert.ok(!isHostMessage({ ...reset, folds: [{ ...fold, runDir: 3 }] }));
    assert.ok(!isHostMessage({ ...reset, run: { ...cvRun, crossValidation: { foldCount: 3 } } }));
    assert.ok(!isHostMessage({ ...reset, run: { ...cvRun, crossValidation: { ...cvRun.crossValidation, mean: { val_loss: 'x' } } } }));
  });
});
