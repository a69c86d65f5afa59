import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Command } from '../editor/commands';
import { latestRun } from '../editor/latestRun';
import { modelName } from '../editor/modelFiles';
import type { RunController, RunRecord, RunState, RunStateChange } from '../editor/runController';
import { assertNever } from '../protocol/assertNever';
import type { MetricRecord, RunInfo } from '../protocol/runTypes';
import {
  isTrainingPanelState,
  isTrainingPanelToHost,
  type HostToTrainingPanel,
  type PanelRun,
  type TrainingPanelToHost,
} from '../protocol/trainingPanelMessages';
import { readMetrics, readRun } from '../runs/runFolder';

const VIEW_TYPE = 'modelStudio.training';
/** Records arriving within this window travel to the webview in one message. */
const BATCH_MS = 50;

interface Deps {
  readonly extensionUri: vscode.Uri;
  readonly runs: RunController;
  readonly log: vscode.LogOutputChannel;
}

/**
 * The training panels, at most one per model file: opens or reveals them,
 * restores them after a reload and routes run news to the right one.
 */
export class TrainingPanels implements vscode.Disposable {
  private readonly panels = new Map<string, TrainingPanel>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: Deps) {
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          if (!isTrainingPanelState(state)) {
            // Nothing says which model file it showed: it cannot be brought back.
            panel.dispose();
            return;
          }
          this.adopt(panel, state.modelFile);
        },
      }),
      deps.runs.onDidChangeState((change) => this.panels.get(change.modelFile)?.onState(change)),
      deps.runs.onDidRecord((record) => this.panels.get(record.modelFile)?.onRecord(record)),
    ];
  }

  createOrShow(modelUri: vscode.Uri, preserveFocus = true): void {
    const existing = this.panels.get(modelUri.fsPath);
    if (existing) {
      existing.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      titleFor(modelUri.fsPath),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      webviewOptions(this.deps.extensionUri),
    );
    this.adopt(panel, modelUri.fsPath);
  }

  private adopt(panel: vscode.WebviewPanel, modelFile: string): void {
    panel.title = titleFor(modelFile);
    panel.webview.options = webviewOptions(this.deps.extensionUri);
    const controller = new TrainingPanel(panel, modelFile, this.deps);
    this.panels.set(modelFile, controller);
    panel.onDidDispose(() => {
      if (this.panels.get(modelFile) === controller) this.panels.delete(modelFile);
      controller.dispose();
    });
  }

  /**
   * Leaves the panels open: when the window reloads they are restored by the
   * serializer, which a panel disposed here would not be.
   */
  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const p of this.panels.values()) p.dispose();
  }
}

function titleFor(modelFile: string): string {
  return `Training: ${modelName(modelFile)}`;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

/** One panel's controller: speaks the protocol with its webview. */
class TrainingPanel implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private ready = false;
  /** The run the webview shows; records of other runs are not sent. */
  private runId: string | undefined;
  /** Live records held back while a reset reads the run folder, or for BATCH_MS. */
  private pending: RunRecord[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Resets and header updates in order: an update must not overtake a reset reading the folder. */
  private queue: Promise<void> = Promise.resolve();
  /** Resets queued or in flight. */
  private resets = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly modelFile: string,
    private readonly deps: Deps,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'training.svg');
    panel.webview.html = html(panel.webview, deps.extensionUri);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!isTrainingPanelToHost(msg)) {
          deps.log.warn(`training panel: dropped an unknown message ${JSON.stringify(msg)?.slice(0, 200)}`);
          return;
        }
        this.onMessage(msg);
      }),
    );
  }

  private onMessage(msg: TrainingPanelToHost): void {
    const uri = vscode.Uri.file(this.modelFile);
    switch (msg.type) {
      case 'ready':
        // Also sent again when a hidden webview is rebuilt: it reads the run folder afresh.
        this.ready = true;
        this.reset();
        return;
      case 'train':
        void vscode.commands.executeCommand(Command.Train, uri);
        return;
      case 'stop':
        void vscode.commands.executeCommand(Command.Stop, uri);
        return;
      default:
        assertNever(msg);
    }
  }

  onState({ state }: RunStateChange): void {
    if (!this.ready) return;
    switch (state.kind) {
      case 'running':
        // Fired with every batch: only a new run matters; the webview counts epochs from the records.
        if (state.run.id !== this.runId) {
          this.runId = state.run.id; // one reset per run, however many batches arrive meanwhile
          this.reset();
        }
        return;
      case 'stopping':
      case 'finished': {
        const run = panelRun(state);
        this.enqueue(async () => {
          await this.post({ type: 'run', run });
        });
        return;
      }
      case 'idle':
      case 'starting':
      case 'failed':
        // A new run, or one that ended without a final run.json from the trainer: read the folder.
        this.reset();
        return;
      default:
        assertNever(state);
    }
  }

  onRecord(record: RunRecord): void {
    if (!this.ready) return;
    if (this.resets === 0 && record.runId !== this.runId) return;
    this.pending.push(record);
    if (this.resets === 0) this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const runId = this.runId;
    const records = this.pending.filter((r) => r.runId === runId).map((r) => r.record);
    this.pending = [];
    if (runId !== undefined && records.length > 0) void this.post({ type: 'metrics', runId, records });
  }

  /** Sends everything afresh from the run folder (the single source of truth). */
  private reset(): void {
    this.resets++;
    this.enqueue(async () => {
      try {
        const shown = await this.runToShow(this.deps.runs.state(this.modelFile));
        this.runId = shown.run.runId;
        await this.post({
          type: 'reset',
          modelFile: this.modelFile,
          modelName: modelName(this.modelFile),
          run: shown.run,
          records: shown.records,
        });
      } finally {
        this.resets--;
        // Records that came while the folder was read; the webview drops the ones it has.
        if (this.resets === 0) this.flush();
      }
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      this.deps.log.error(`training panel: ${String(error)}`);
    });
  }

  private async runToShow(state: RunState): Promise<{ run: PanelRun; records: readonly MetricRecord[] }> {
    const runDir = state.kind === 'idle' || state.kind === 'starting' ? undefined : state.runDir;
    if (state.kind === 'starting') return { run: panelRun(state), records: [] };
    if (runDir) {
      const info = state.kind === 'running' || state.kind === 'finished' ? state.run : await readRun(runDir);
      const run = { ...fromRunInfo(info), ...panelRun(state) };
      const records = await readMetrics(runDir);
      return { run, records: withUnwritten(records, this.deps.runs.unwritten(this.modelFile)) };
    }
    if (state.kind === 'failed') return { run: panelRun(state), records: [] };
    const latest = await latestRun(this.modelFile);
    if (!latest) return { run: { status: 'none' }, records: [] };
    return { run: fromRunInfo(latest.run), records: await readMetrics(latest.runDir) };
  }

  private post(msg: HostToTrainingPanel): Thenable<boolean> {
    return this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    for (const s of this.subscriptions) s.dispose();
  }
}

/**
 * metrics.jsonl plus the live records the trainer has not written yet:
 * the file holds a prefix of the stream and `unwritten` a suffix of it.
 */
function withUnwritten(onDisk: readonly MetricRecord[], unwritten: readonly MetricRecord[]): readonly MetricRecord[] {
  if (unwritten.length === 0) return onDisk;
  const key = (r: MetricRecord) => `${r.epoch}:${r.batch}`;
  const overlap = new Set(onDisk.slice(-unwritten.length).map(key));
  return [...onDisk, ...unwritten.filter((r) => !overlap.has(key(r)))];
}

function fromRunInfo(run: RunInfo): PanelRun {
  return {
    status: run.status,
    runId: run.id,
    backend: run.backend,
    epochs: run.epochs,
    batchesPerEpoch: run.batchesPerEpoch,
    startedAt: run.startedAt,
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
    ...(run.error ? { error: run.error.message } : {}),
  };
}

/** The header for a live state; fields a state does not know are left out. */
function panelRun(state: RunState): PanelRun {
  switch (state.kind) {
    case 'idle':
      return { status: 'none' };
    case 'starting':
      return { status: 'starting', ...(state.backend ? { backend: state.backend } : {}) };
    case 'running':
      return fromRunInfo(state.run);
    case 'stopping':
      return { ...(state.run ? fromRunInfo(state.run) : {}), status: 'stopping' };
    case 'finished':
      return fromRunInfo(state.run);
    case 'failed':
      return { status: 'failed', error: state.error };
    default:
      return assertNever(state);
  }
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('media', 'training.css')}">
  <title>Training</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${nonce}" src="${asset('dist', 'webview', 'training.js')}"></script>
</body>
</html>`;
}
