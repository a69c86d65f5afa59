import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainRequest } from '../../protocol/trainerMessages';
import { runsDirFor } from '../../runFolder/readRunFolder';
import { JOB_FILE, type JobFolder } from '../../slurm/jobFolder';
import { isPending } from '../../slurm/jobStatus';
import type { SlurmOptions } from '../../slurm/slurmOptions';
import { stopJob } from '../../slurm/stopJob';
import { resubmitRun, submitRun, type SubmitTarget } from '../../slurm/submit';
import { Command } from '../shared/commands';
import { modelName, resolveModelFile, workspaceRootFor } from '../shared/modelFiles';
import { offersSlurm, onPath, SLURM_SECTION, slurmOptionsFrom } from '../shared/slurmSettings';
import { trustedFor } from '../shared/trust';
import type { CommandContext, Handler } from './commandHandlers';
import { isJobNode, isRunNode } from './runsView';
import { savedAndValid } from './savedAndValid';
import { jobName } from './slurmRunText';

/**
 * Train on Slurm, and Stop and Resume for runs that are Slurm jobs: the
 * job's folder is made at submission (the Runs view shows it queued at
 * once), the SlurmJobs service follows the scheduler, and the training
 * panel opens when the trainer starts on its node.
 */

/** The buttons of Resume's question for a Slurm run. */
export const RESUME_HERE = 'On this machine';
export const RESUME_ON_SLURM = 'On Slurm';

export function slurmOptionsFor(uri: vscode.Uri): SlurmOptions {
  const config = vscode.workspace.getConfiguration(SLURM_SECTION, uri);
  return slurmOptionsFrom((setting) => config.get(setting));
}

/** PATH is looked at once per window: a sbatch installed later shows after a reload (or with the partition set). */
let sbatchOnPath: boolean | undefined;

/** Whether `☁ Train on Slurm` is offered for the model file: a partition set, or sbatch on PATH. */
export function slurmOffered(uri: vscode.Uri): boolean {
  sbatchOnPath ??= onPath('sbatch', process.env.PATH);
  return offersSlurm(vscode.workspace.getConfiguration(SLURM_SECTION, uri).get('partition'), sbatchOnPath);
}

function target(ctx: CommandContext, uri: vscode.Uri): SubmitTarget {
  return { options: slurmOptionsFor(uri), cli: ctx.cliPath };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens the model's training panel once the job's trainer has started (run.json), and forgets the job once it ended. */
function openPanelWhenStarted(ctx: CommandContext, modelUri: vscode.Uri, runDir: string): void {
  const subscription = ctx.slurmJobs.onDidChange(() => {
    const folder = ctx.slurmJobs.folder(runDir);
    if (folder?.run) ctx.panels.createOrShow(modelUri);
    if (!folder || folder.run || !isPending(folder)) subscription.dispose();
  });
}

/**
 * Submits a run of the model file to Slurm (the same checks as ▶ Train
 * first: trust, saved, no problems); resolves to its run folder.
 */
async function trainOnSlurm(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const uri = await resolveModelFile(arg, 'Model file to train on Slurm');
  if (!uri) {
    void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file to train it on Slurm.');
    return undefined;
  }
  if (!(await trustedFor('Training', 'train on Slurm'))) return undefined;
  if (!(await savedAndValid(ctx, uri))) return undefined;
  const modelFile = uri.fsPath;
  const request: TrainRequest = { modelFile, workspaceRoot: workspaceRootFor(uri), runsDir: runsDirFor(modelFile) };
  let folder: JobFolder;
  try {
    folder = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Submitting ${modelName(modelFile)} to Slurm…` },
      () => submitRun(request, modelName(modelFile), target(ctx, uri)),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(messageOf(error));
    return undefined;
  }
  ctx.log.info(`slurm: ${modelFile} submitted as job ${jobName(folder)} in ${folder.runDir}`);
  ctx.slurmJobs.track(folder);
  openPanelWhenStarted(ctx, uri, folder.runDir);
  return folder.runDir;
}

export const slurmHandlers: Record<Command.TrainOnSlurm, Handler> = {
  [Command.TrainOnSlurm]: trainOnSlurm,
};

/** The Slurm job a Stop is about: a Runs view item's, else the newest pending job of the model file `modelFile`. */
export function slurmJobToStop(ctx: CommandContext, arg: unknown, modelFile: string | undefined): JobFolder | undefined {
  if (isJobNode(arg)) return arg.folder;
  if (isRunNode(arg)) return arg.slurm;
  if (!modelFile) return undefined;
  return ctx.slurmJobs
    .all()
    .filter((folder) => isPending(folder) && path.resolve(folder.job.request.modelFile) === path.resolve(modelFile))
    .sort((a, b) => b.job.submittedAt.localeCompare(a.job.submittedAt))[0];
}

/** Stops a Slurm run as Stop does a local one (a queued job is cancelled; a running trainer saves, then the job ends). */
export async function stopSlurmJob(ctx: CommandContext, folder: JobFolder): Promise<void> {
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Stopping Slurm job ${jobName(folder)}…` },
      () => stopJob(folder.job),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(messageOf(error));
  }
  ctx.slurmJobs.pollNow();
}

/**
 * Resume for a run trained by a Slurm job: asks where. Resolves to
 * `'here'` when the caller is to resume it on this machine (its job.json
 * is removed first: the run is no longer the job's), `'done'` when it
 * was resubmitted or the question cancelled.
 */
export async function resumeSlurmRun(ctx: CommandContext, folder: JobFolder): Promise<'here' | 'done'> {
  const modelUri = vscode.Uri.file(folder.job.request.modelFile);
  const where = await ctx.prompts.ask(
    `Resume run ${path.basename(folder.runDir)}`,
    'It continues from its last checkpoint: on this machine, or as a new Slurm job with the modelStudio.slurm settings.',
    RESUME_HERE,
    RESUME_ON_SLURM,
  );
  if (where === RESUME_HERE) {
    // Else the scheduler's word about the old job (ended) would mark the run trained here as killed.
    await fs.rm(path.join(folder.runDir, JOB_FILE), { force: true });
    return 'here';
  }
  if (where !== RESUME_ON_SLURM) return 'done';
  try {
    const resubmitted = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Submitting ${path.basename(folder.runDir)} to Slurm…` },
      () => resubmitRun(folder.runDir, target(ctx, modelUri)),
    );
    ctx.slurmJobs.track(resubmitted);
    openPanelWhenStarted(ctx, modelUri, resubmitted.runDir);
  } catch (error) {
    void vscode.window.showErrorMessage(messageOf(error));
  }
  return 'done';
}
