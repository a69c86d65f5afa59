import * as path from 'node:path';
import * as vscode from 'vscode';
import { listSweeps, readSweep, sweepsDirFor } from '../../sweep/sweepFolder';
import { Command } from '../shared/commands';
import { modelName, resolveModelFile } from '../shared/modelFiles';
import { trustedFor } from '../shared/trust';
import type { Handler } from './commandHandlers';
import { savedAndValid } from './savedAndValid';
import { isSweepNode } from './runsView';
import { slurmOptionsFor } from './slurmCommands';
import type { SweepInfo } from '../../protocol/sweepTypes';

/**
 * Run Sweep, Stop Sweep, Resume Sweep and Show Sweep: a sweep's trials
 * are trainer processes the SweepController starts; its panel shows them.
 */
export const sweepHandlers: Record<
  Command.RunSweep | Command.RunSweepOnSlurm | Command.StopSweep | Command.ResumeSweep | Command.ShowSweep,
  Handler
> = {
  [Command.RunSweep]: async (ctx, arg) => {
    const uri = await resolveModelFile(arg, 'Model file to sweep');
    if (!uri) {
      void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file with a "search" block to run a sweep.');
      return undefined;
    }
    const running = ctx.sweeps.activeDirs(uri.fsPath)[0];
    if (running !== undefined) {
      // One sweep of a file at a time: its trials already use the cores.
      ctx.sweepPanels.createOrShow(running);
      void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} is being swept already: stop that sweep to start another.`);
      return running;
    }
    // The same checks as Train: trust, then the file saved and free of problems.
    if (!(await trustedFor('Training', 'run a sweep'))) return undefined;
    if (!(await savedAndValid(ctx, uri))) return undefined;
    const started = await ctx.sweeps.start(uri);
    if ('error' in started) {
      void vscode.window.showErrorMessage(`Sweep of ${modelName(uri.fsPath)} did not start: ${started.error}`);
      return undefined;
    }
    ctx.sweepPanels.createOrShow(started.dir, true);
    return started.dir;
  },
  [Command.RunSweepOnSlurm]: async (ctx, arg) => {
    const uri = await resolveModelFile(arg, 'Model file to sweep on Slurm');
    if (!uri) {
      void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file with a "search" block to run a sweep on Slurm.');
      return undefined;
    }
    if (!(await trustedFor('Training', 'run a sweep on Slurm'))) return undefined;
    if (!(await savedAndValid(ctx, uri))) return undefined;
    const submitted = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Submitting a sweep of ${modelName(uri.fsPath)} to Slurm…` },
      () => ctx.sweeps.submitToSlurm(uri, { options: slurmOptionsFor(uri), cli: ctx.cliPath }),
    );
    if ('error' in submitted) {
      void vscode.window.showErrorMessage(`Sweep of ${modelName(uri.fsPath)} was not submitted: ${submitted.error}`);
      return undefined;
    }
    ctx.sweepPanels.createOrShow(submitted.dir, true);
    return submitted.dir;
  },
  [Command.StopSweep]: async (ctx, arg) => {
    const dir = sweepDirOf(arg) ?? ctx.sweeps.activeDirs()[0];
    if (dir === undefined || !ctx.sweeps.stop(dir)) void vscode.window.showInformationMessage('No sweep is running in this window.');
    return dir;
  },
  [Command.ResumeSweep]: async (ctx, arg) => {
    const dir = sweepDirOf(arg) ?? (await newestSweep(arg));
    if (dir === undefined) return undefined;
    if (ctx.sweeps.state(dir) !== undefined) {
      ctx.sweepPanels.createOrShow(dir);
      return dir;
    }
    if (!(await trustedFor('Training', 'resume a sweep'))) return undefined;
    let sweep: SweepInfo;
    try {
      sweep = await readSweep(dir);
    } catch (error) {
      void vscode.window.showWarningMessage(`The sweep was not resumed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    const modelUri = vscode.Uri.file(sweep.modelFile);
    // A Slurm sweep resumes on Slurm: its unfinished trials as a new job array.
    const started = sweep.executor
      ? await ctx.sweeps.resubmitToSlurm(dir, { options: slurmOptionsFor(modelUri), cli: ctx.cliPath })
      : await ctx.sweeps.start(modelUri, dir);
    if ('error' in started) {
      void vscode.window.showWarningMessage(`The sweep was not resumed: ${started.error}`);
      return undefined;
    }
    ctx.sweepPanels.createOrShow(started.dir, true);
    return started.dir;
  },
  [Command.ShowSweep]: async (ctx, arg) => {
    const dir = sweepDirOf(arg) ?? (await newestSweep(arg));
    if (dir !== undefined) ctx.sweepPanels.createOrShow(dir);
    return dir;
  },
};

/** A sweep folder given as a Runs view item or a folder's Uri. */
function sweepDirOf(arg: unknown): string | undefined {
  if (isSweepNode(arg)) return arg.dir;
  if (arg instanceof vscode.Uri && path.basename(path.dirname(arg.fsPath)) === 'sweeps') return arg.fsPath;
  return undefined;
}

/** The newest sweep of a model file (the argument, the active editor's, or one picked). */
async function newestSweep(arg: unknown): Promise<string | undefined> {
  const uri = await resolveModelFile(arg, 'Model file whose sweep to show');
  if (!uri) return undefined;
  const [newest] = await listSweeps(sweepsDirFor(uri.fsPath));
  if (newest === undefined)
    void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} has no sweeps yet: Run Sweep starts one.`);
  return newest?.dir;
}
