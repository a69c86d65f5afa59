import type { RunRow } from '../../protocol/runRow';
import type { ExperimentsPanels } from '../panels/experimentsPanel';
import type { TrainingPanels } from '../panels/trainingPanel';
import type { Ask, Prompts } from '../shared/prompts';
import type { RunNode, RunsView } from './runsView';

/**
 * What activate() returns. Model Studio offers no API to other extensions;
 * these hooks let the integration suite, which runs in the same extension
 * host, answer modal questions and read what a webview or a tree shows.
 */
export interface ModelStudioApi {
  /** Answers the commands' modal questions (Train while training) instead of a person; undefined: ask again. */
  setAsk(ask: Ask | undefined): void;
  /** The training panel header of `modelFile` as last sent to its webview, if the panel is open. */
  panelHeader(modelFile: string): ReturnType<TrainingPanels['header']>;
  /** What the Runs view shows as the status of the run in `runDir`, after reading the run folders again. */
  runsViewStatus(runDir: string): Promise<RunNode['status'] | undefined>;
  /** What the Runs view shows of the run in `runDir`: label, description, children's labels. */
  runsViewItem(runDir: string): ReturnType<RunsView['itemOfRun']>;
  /** What the Runs view shows under a model file: its children, and its first day's when its runs are grouped by day. */
  runsViewModel(modelFile: string): ReturnType<RunsView['itemsOfModel']>;
  /** The rows the experiments table `key` (Open Experiments Table's result) last sent to its webview, if it is open. */
  experimentsRows(key: string): readonly RunRow[] | undefined;
}

export function modelStudioApi(
  prompts: Prompts,
  panels: TrainingPanels,
  runsView: RunsView,
  experiments: ExperimentsPanels,
): ModelStudioApi {
  return {
    setAsk: (ask) => prompts.setAsk(ask),
    panelHeader: (modelFile) => panels.header(modelFile),
    runsViewStatus: (runDir) => runsView.statusOfRun(runDir),
    runsViewItem: (runDir) => runsView.itemOfRun(runDir),
    runsViewModel: (modelFile) => runsView.itemsOfModel(modelFile),
    experimentsRows: (key) => experiments.rows(key),
  };
}
