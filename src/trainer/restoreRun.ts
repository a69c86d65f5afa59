import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import type { RunInfo } from '../protocol/runTypes';
import type { TrainerToHost } from '../protocol/trainerMessages';
import type { Continuable } from '../runFolder/continueFrom';
import type { Resumable } from '../runFolder/resume';
import { RUN_FILES } from '../runFolder/runFiles';
import { checkpointLayout, loadCheckpoint } from './modelIO';
import type { RunSetup } from './runSetup';
import { trainingStateOf, type TrainingState } from './trainingState';
import { userMessage } from './userMessage';

/** A stopped run being resumed: its run.json and where its last checkpoint left training. */
export interface Resumed {
  readonly run: RunInfo;
  readonly state: TrainingState;
}

/**
 * Loads the stopped run's last checkpoint (weights and optimizer state)
 * into the freshly built model and returns where training stood. The data
 * must still give the run's split: the same examples per epoch.
 */
export async function restoreCheckpoint(resumable: Resumable, setup: RunSetup): Promise<TrainingState> {
  const { run, runDir } = resumable;
  if (setup.data.train.count !== run.trainSamples) {
    throw new Error(
      `${displayPath(runDir)}: cannot resume run ${run.id}: the training data now gives ${setup.data.train.count} examples, ` +
        `the run trained on ${run.trainSamples}; start a new run`,
    );
  }
  return loadState(run, path.join(runDir, RUN_FILES.checkpoints, 'last'), setup.model, 'resume', true);
}

async function loadState(run: RunInfo, dir: string, model: tf.LayersModel, verb: string, withOptimizer: boolean): Promise<TrainingState> {
  let loaded: Awaited<ReturnType<typeof loadCheckpoint>>;
  try {
    loaded = await loadCheckpoint(model, dir, withOptimizer);
  } catch (error) {
    throw new Error(
      `${displayPath(dir)}: cannot ${verb} run ${run.id}: its last checkpoint does not load (${userMessage(error, run.modelFile)})`,
    );
  }
  const state = trainingStateOf(loaded.metadata);
  if (!state || (withOptimizer && !loaded.optimizer)) {
    throw new Error(
      `${displayPath(dir)}: cannot ${verb} run ${run.id}: its last checkpoint has no training state (saved by an older Model Studio); start a new run`,
    );
  }
  return state;
}

/**
 * What changed in the model since the parent's checkpoint, in words, or
 * undefined when every weight keeps its name and shape (layers are named by
 * type and position, `dense_2`, so a layer added, removed or resized shows).
 */
export function modelChange(
  saved: readonly { name: string; shape: readonly number[] }[],
  model: tf.LayersModel,
  parentId: string,
): string | undefined {
  const now = new Map(model.weights.map((w) => [w.originalName, w.shape]));
  const before = new Map(saved.map((w) => [w.name, w.shape]));
  const layerOf = (name: string): string => name.split('/')[0];
  const changes: string[] = [];
  for (const [name, shape] of before) {
    const current = now.get(name);
    if (current === undefined) changes.push(`layer ${layerOf(name)} (${name}) is gone`);
    else if (current.join() !== shape.join()) {
      changes.push(`${name} was [${shape.join(', ')}] in run ${parentId} and is [${current.join(', ')}] now`);
    }
  }
  for (const name of now.keys()) if (!before.has(name)) changes.push(`${name} is new`);
  if (changes.length === 0) return undefined;
  const shown = [...new Set(changes)].slice(0, 3).join('; ');
  return `${shown}${changes.length > 3 ? ` (and ${changes.length - 3} more)` : ''}`;
}

/**
 * Continue with Changes: loads the parent's last checkpoint into the model
 * built from the model file as it is now. The weights must fit (refused,
 * naming what changed, before anything is written); the optimizer's state
 * comes along when the optimizer is the same kind, else it starts afresh
 * (said in the log). Returns the parent's training state.
 */
export async function restoreParent(
  continuable: Continuable,
  setup: RunSetup,
  emit: (message: TrainerToHost) => void,
): Promise<TrainingState> {
  const { run, runDir } = continuable;
  const dir = path.join(runDir, RUN_FILES.checkpoints, 'last');
  let layout: Awaited<ReturnType<typeof checkpointLayout>>;
  try {
    layout = await checkpointLayout(dir);
  } catch (error) {
    throw new Error(
      `${displayPath(dir)}: cannot continue from run ${run.id}: it has no last checkpoint (${userMessage(error, run.modelFile)})`,
    );
  }
  const change = modelChange(layout.weights, setup.model, run.id);
  if (change !== undefined) {
    throw new Error(
      `${displayPath(run.modelFile)}: cannot continue from run ${run.id}: the model's layers changed (${change}); ` +
        'Continue with Changes keeps the layers and changes training settings: train anew to change the model',
    );
  }
  const optimizer = setup.model.optimizer.getClassName();
  const sameOptimizer = layout.optimizer === optimizer;
  if (!sameOptimizer) {
    emit({
      type: 'log',
      level: 'warn',
      message: `the optimizer changed from ${layout.optimizer ?? 'none'} to ${optimizer} since run ${run.id}: its state starts afresh`,
    });
  }
  const state = await loadState(run, dir, setup.model, 'continue from', sameOptimizer);
  emit({
    type: 'log',
    level: 'info',
    message: `continuing from run ${run.id} after its ${continuable.parent.epochs} epochs, with the model file's current settings`,
  });
  return state;
}
