import * as vscode from 'vscode';
import { Command } from '../shared/commands';
import { resumableRun } from '../services/latestRun';
import { isActive, type RunController, type RunState } from '../services/runController';
import type { SweepController } from '../services/sweepController';
import { slurmOffered } from './slurmCommands';
import type { SlurmJobs } from '../services/slurmJobs';

/** A top-level `search` block (YAML) or a "search" key (JSON): cheap enough for every CodeLens request, no parse. */
const SEARCH_BLOCK = /^search[ \t]*:|"search"\s*:/m;

/**
 * `▶ Train` above a model file (and `☁ Train on Slurm` where Slurm is at
 * hand), `■ Stop` while that file's run is going,
 * and `↻ Resume` when its newest run was stopped before its last epoch;
 * `Run Sweep` (or `■ Stop Sweep` while one runs) when the file has a
 * `search` block.
 */
export class TrainCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly kinds = new Map<string, RunState['kind']>();
  private readonly subscriptions: vscode.Disposable[];
  /** Sweeps running (or stopping) as the lenses last showed them. */
  private sweepStates = '';
  /** Slurm runs' states as the lenses last showed them (a stopped one offers ↻ Resume, a resumed one no longer). */
  private slurmStates = '';

  constructor(
    private readonly runs: RunController,
    private readonly sweeps: SweepController,
    slurmJobs: SlurmJobs,
  ) {
    this.subscriptions = [
      // Refresh when a run changes kind (starts, stops, ends), not on every batch.
      runs.onDidChangeState(({ modelFile, state }) => {
        if (this.kinds.get(modelFile) === state.kind) return;
        this.kinds.set(modelFile, state.kind);
        this.changed.fire();
      }),
      // And when a sweep starts, stops or ends, not on every trial.
      sweeps.onDidChange(() => {
        const states = JSON.stringify(sweeps.activeDirs().map((dir) => [dir, sweeps.state(dir)]));
        if (states === this.sweepStates) return;
        this.sweepStates = states;
        this.changed.fire();
      }),
      slurmJobs.onDidChange((folders) => {
        const states = JSON.stringify(folders.map((f) => [f.runDir, f.job.state, f.run?.status]));
        if (states === this.slurmStates) return;
        this.slurmStates = states;
        this.changed.fire();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modelStudio.slurm.partition')) this.changed.fire();
      }),
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const top = new vscode.Range(0, 0, 0, 0);
    // Read before the state: a run that starts meanwhile then shows ■ Stop, never a stale ↻ Resume beside it.
    const resumable = await resumableRun(document.uri.fsPath).catch(() => undefined);
    const state = this.runs.state(document.uri.fsPath);
    const lenses: vscode.CodeLens[] = [];
    if (isActive(state)) {
      lenses.push(
        new vscode.CodeLens(top, {
          title: state.kind === 'stopping' ? '■ Stopping…' : '■ Stop',
          tooltip: 'Stop training (a second click kills the trainer)',
          command: Command.Stop,
          arguments: [document.uri],
        }),
      );
    } else {
      lenses.push(
        new vscode.CodeLens(top, {
          title: '▶ Train',
          tooltip: 'Train this model in a separate process',
          command: Command.Train,
          arguments: [document.uri],
        }),
      );
      if (slurmOffered(document.uri)) {
        lenses.push(
          new vscode.CodeLens(top, {
            title: '☁ Train on Slurm',
            tooltip: 'Submit a run of this model to Slurm (the modelStudio.slurm settings); the Runs view follows the job',
            command: Command.TrainOnSlurm,
            arguments: [document.uri],
          }),
        );
      }
      if (resumable) {
        const { run } = resumable;
        lenses.push(
          new vscode.CodeLens(top, {
            title: '↻ Resume',
            tooltip: `Continue the stopped run ${run.id} from its last checkpoint (${run.epochsDone ?? 0} of ${run.epochs} epochs done)`,
            command: Command.ResumeRun,
            arguments: [document.uri],
          }),
        );
      }
    }
    const sweepDir = this.sweeps.activeDirs(document.uri.fsPath)[0];
    if (sweepDir !== undefined) {
      const stopping = this.sweeps.state(sweepDir) === 'stopping';
      lenses.push(
        new vscode.CodeLens(top, {
          title: stopping ? '■ Stopping Sweep…' : '■ Stop Sweep',
          tooltip: 'Stop the sweep: running trials save a checkpoint, Resume Sweep continues it',
          command: Command.StopSweep,
          arguments: [vscode.Uri.file(sweepDir)],
        }),
        new vscode.CodeLens(top, { title: 'Show Sweep', command: Command.ShowSweep, arguments: [vscode.Uri.file(sweepDir)] }),
      );
    } else if (SEARCH_BLOCK.test(document.getText())) {
      lenses.push(
        new vscode.CodeLens(top, {
          title: 'Run Sweep',
          tooltip: 'Train a trial per sampled configuration of the search block, in parallel, pruning the weak ones',
          command: Command.RunSweep,
          arguments: [document.uri],
        }),
      );
    }
    if (state.kind !== 'idle') {
      lenses.push(
        new vscode.CodeLens(top, {
          title: 'Show Curves',
          command: Command.ShowTrainingPanel,
          arguments: [document.uri],
        }),
      );
    }
    lenses.push(
      new vscode.CodeLens(top, {
        title: 'Evaluate',
        tooltip: 'Evaluate the newest finished run on its test data or another file',
        command: Command.Evaluate,
        arguments: [document.uri],
      }),
      new vscode.CodeLens(top, {
        title: 'Graph',
        tooltip: 'Layers, output shapes and parameter counts',
        command: Command.ShowGraph,
        arguments: [document.uri],
      }),
      new vscode.CodeLens(top, {
        title: 'Hyperparameters',
        tooltip: 'Edit the training settings and layers in a form',
        command: Command.ShowHyperparameters,
        arguments: [document.uri],
      }),
    );
    return lenses;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
