import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { whyNotContinuable } from '../../runFolder/continueFrom';
import { readRun } from '../../runFolder/readRunFolder';
import { RUN_FILES } from '../../runFolder/runFiles';
import { modelFileOfRun } from '../../runFolder/runSummary';
import { isActive } from '../services/runController';
import { trustedFor } from '../shared/trust';
import type { CommandContext } from './commandHandlers';
import { isRunNode } from './runsView';
import { savedAndValid } from './savedAndValid';

/**
 * Continue with Changes: a new run of the run's model file, as the file is
 * now, from the run's last checkpoint. `arg` is the Runs view's item or a
 * run folder's Uri (the training panel's button). The trainer refuses a
 * model whose layers changed, naming them, before it starts.
 */
export async function continueRun(ctx: CommandContext, arg: unknown): Promise<boolean> {
  const runDir = isRunNode(arg)
    ? arg.runDir
    : arg instanceof vscode.Uri && existsSync(path.join(arg.fsPath, RUN_FILES.run))
      ? arg.fsPath
      : undefined;
  if (!runDir) {
    void vscode.window.showInformationMessage(
      'Continue with Changes starts from a run: choose one in the Runs view or the training panel.',
    );
    return false;
  }
  const run = await readRun(runDir);
  const why = whyNotContinuable(run);
  if (why) {
    void vscode.window.showWarningMessage(`Cannot continue from run ${run.id}: ${why}.`);
    return false;
  }
  if (!(await trustedFor('Training', 'train'))) return false;
  const uri = vscode.Uri.file(modelFileOfRun({ runDir, run }));
  if (isActive(ctx.runs.state(uri.fsPath))) {
    void vscode.window.showWarningMessage(`${path.basename(uri.fsPath)} is training: stop that run first.`);
    return false;
  }
  if (!(await savedAndValid(ctx, uri))) return false;
  const started = ctx.runs.start(uri, { continueRunDir: runDir });
  ctx.panels.createOrShow(uri);
  return started;
}
