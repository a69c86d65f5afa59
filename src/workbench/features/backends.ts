import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendReport } from '../../protocol/probeMessages';
import { BACKEND_CHOICES, type BackendChoice, type BackendName } from '../../protocol/runTypes';
import { fastestBackend, formatReport, formatSpeed, probeBackends } from '../../host/backendProbes';
import { cudaMismatch, detectCuda } from '../../host/cuda';
import { installNative, TFJS_VERSION, type InstallResult } from '../../host/nativeBackend';
import { installedNativeVariants, NATIVE_DIR_ENV, NATIVE_PACKAGES, type NativeVariant } from '../../protocol/nativeLayout';
import { modelName, resolveModelFile, workspaceRootFor } from '../shared/modelFiles';
import { editorTrainerThreads } from '../services/runController';

const SETTING = 'backend';
/** workspaceState key: model file → the backend `auto` measured fastest for it. */
const FASTEST_KEY = 'modelStudio.fastestBackend';

/** Arguments a test or a script may pass instead of answering the pickers. */
export interface SelectBackendArgs {
  readonly modelFile?: vscode.Uri;
  /** Skip the QuickPick and choose this. */
  readonly pick?: BackendChoice;
  /** Seconds of timed batches per backend (default 5). */
  readonly seconds?: number;
}

export interface SelectBackendResult {
  readonly reports: readonly BackendReport[];
  readonly choice?: BackendChoice;
  /** With `auto`: the backend remembered for this model file. */
  readonly remembered?: BackendName;
}

export interface InstallNativeArgs {
  readonly variant?: NativeVariant;
}

function isChoice(value: unknown): value is BackendChoice {
  return typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value);
}

/**
 * Which backend trains: the `modelStudio.backend` setting, and for `auto`
 * the backend the probes measured fastest for that model file
 * (workspaceState). Also owns the on-demand native install: the native
 * folder is announced to every process the extension forks through
 * MODEL_STUDIO_NATIVE_DIR, the variable the CLI reads too.
 */
export class ModelBackends implements vscode.Disposable {
  private readonly nativeRoot: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.nativeRoot = path.join(context.globalStorageUri.fsPath, 'native');
    process.env[NATIVE_DIR_ENV] = this.nativeRoot;
  }

  /** TrainRequest.backend for a model file. */
  choiceFor(modelFile: string): BackendChoice {
    const setting = vscode.workspace.getConfiguration('modelStudio').get<unknown>(SETTING, 'auto');
    const choice = isChoice(setting) ? setting : 'auto';
    if (choice !== 'auto') return choice;
    return this.fastest()[modelFile] ?? 'auto';
  }

  private fastest(): Record<string, BackendName> {
    return this.context.workspaceState.get<Record<string, BackendName>>(FASTEST_KEY, {});
  }

  /** `Model Studio: Select Backend…`: every backend's status and speed on the model, then a pick. */
  async select(arg: unknown): Promise<SelectBackendResult | undefined> {
    const args: SelectBackendArgs =
      arg instanceof vscode.Uri ? { modelFile: arg } : typeof arg === 'object' && arg !== null ? (arg as SelectBackendArgs) : {};
    const uri = await resolveModelFile(args.modelFile, 'Model file to measure the backends on');
    if (!uri) {
      void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file: the backends are measured training it.');
      return undefined;
    }
    const name = modelName(uri.fsPath);
    const reports = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Measuring backends on ${name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return probeBackends({
          probePath: this.context.asAbsolutePath('dist/probe.js'),
          modelFile: uri.fsPath,
          workspaceRoot: workspaceRootFor(uri),
          seconds: args.seconds ?? 5,
          threads: editorTrainerThreads(),
          signal: controller.signal,
          onStart: (backend, index, total) =>
            progress.report({ message: `${backend} (${index + 1}/${total})…`, increment: index === 0 ? 0 : 100 / total }),
          onReport: (report) => this.log.info(`backend probe (${name}): ${formatReport(report)}`),
          onStderr: (text) => this.log.trace(`[probe] ${text.trimEnd()}`),
        });
      },
    );
    if (reports.length === 0) return { reports };
    const fastest = fastestBackend(reports);
    const current = this.choiceFor(uri.fsPath);
    const setting = vscode.workspace.getConfiguration('modelStudio').get<unknown>(SETTING, 'auto');
    let choice = args.pick;
    if (choice === undefined) {
      const items = [
        {
          label: '$(sparkle) auto',
          description: fastest ? `fastest for ${name}: ${fastest.backend}, ${formatSpeed(fastest)}` : 'the first that loads',
          detail: 'Remembers the fastest backend for this model file; a software GPU is never picked for speed.',
          choice: 'auto' as BackendChoice,
        },
        ...reports.map((report) => ({
          label: `${report.status === 'loaded' ? '$(check)' : report.status === 'not installed' ? '$(circle-slash)' : '$(error)'} ${report.backend}`,
          description: [
            report.status,
            formatSpeed(report),
            report.software ? 'software GPU: not for speed' : '',
            setting === report.backend ? '(current)' : '',
          ]
            .filter(Boolean)
            .join(' · '),
          detail: report.status === 'loaded' ? [report.detail, report.versions.join(', ')].filter(Boolean).join(' · ') : report.reason,
          choice: report.backend as BackendChoice,
        })),
      ];
      const picked = await vscode.window.showQuickPick(items, {
        placeHolder: `Backend for training (now: ${setting === 'auto' ? `auto → ${current}` : String(setting)})`,
        matchOnDescription: true,
      });
      if (!picked) return { reports };
      choice = picked.choice;
      const report = reports.find((r) => r.backend === choice);
      if (choice === 'tensorflow' && report?.status === 'not installed') {
        const install = await vscode.window.showWarningMessage(
          `${report.reason ?? 'The native backend is not installed'}.`,
          'Install Native Backend…',
        );
        if (install) await this.installNative(undefined);
        return { reports };
      }
    }
    await vscode.workspace.getConfiguration('modelStudio').update(SETTING, choice, vscode.ConfigurationTarget.Global);
    let remembered: BackendName | undefined;
    const all = { ...this.fastest() };
    if (choice === 'auto' && fastest) {
      remembered = fastest.backend;
      all[uri.fsPath] = remembered;
    } else {
      delete all[uri.fsPath];
    }
    await this.context.workspaceState.update(FASTEST_KEY, all);
    void vscode.window.showInformationMessage(
      choice === 'auto' ? `Backend: auto${remembered ? ` (${remembered} for ${name})` : ''}.` : `Backend: ${choice} for every model file.`,
    );
    return { reports, choice, ...(remembered ? { remembered } : {}) };
  }

  /**
   * `Model Studio: Install Native Backend…`: CPU or GPU build of tfjs-node
   * into global storage, with progress and cancel. The GPU build is checked
   * against the CUDA and cuDNN found first.
   */
  async installNative(arg: unknown): Promise<InstallResult | undefined> {
    const args: InstallNativeArgs = typeof arg === 'object' && arg !== null ? (arg as InstallNativeArgs) : {};
    let variant = args.variant;
    if (variant === undefined) {
      const installed = installedNativeVariants(this.nativeRoot);
      const picked = await vscode.window.showQuickPick(
        [
          {
            label: 'CPU',
            description: `${NATIVE_PACKAGES.cpu}@${TFJS_VERSION}`,
            detail: 'libtensorflow on the CPU: much faster than WebAssembly on most models. About 400 MB.',
            variant: 'cpu' as const,
          },
          {
            label: 'GPU (NVIDIA, CUDA)',
            description: `${NATIVE_PACKAGES.gpu}@${TFJS_VERSION}`,
            detail: 'Linux with CUDA 11.2+ (11.x) and cuDNN 8.1+ (8.x). For other GPUs, the webgpu backend needs no install.',
            variant: 'gpu' as const,
          },
        ].map((item) => (installed.includes(item.variant) ? { ...item, label: `${item.label} (installed: reinstall)` } : item)),
        { placeHolder: 'Native TensorFlow backend to install' },
      );
      if (!picked) return undefined;
      variant = picked.variant;
    }
    if (variant === 'gpu') {
      const mismatch = cudaMismatch(await detectCuda());
      if (mismatch !== undefined) {
        this.log.warn(mismatch);
        const choice = await vscode.window.showErrorMessage(mismatch, 'Install CPU Build');
        if (choice) return this.installNative({ variant: 'cpu' });
        return { kind: 'failed', message: mismatch };
      }
    }
    const pkg = `${NATIVE_PACKAGES[variant]}@${TFJS_VERSION}`;
    this.log.info(`installing ${pkg} into ${this.nativeRoot}`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Installing ${pkg}`, cancellable: true },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return installNative({
          root: this.nativeRoot,
          variant,
          signal: controller.signal,
          onProgress: ({ message }) => {
            this.log.info(`install: ${message}`);
            progress.report({ message });
          },
        });
      },
    );
    switch (result.kind) {
      case 'installed':
        this.log.info(`installed ${pkg} in ${result.dir}`);
        void vscode.window.showInformationMessage(
          `Native backend installed (${pkg}). New runs use it when the backend is auto or tensorflow.`,
        );
        break;
      case 'failed':
        this.log.error(result.message);
        void vscode.window.showErrorMessage(result.message);
        break;
      case 'cancelled':
        this.log.info(`install of ${pkg} cancelled; nothing was installed`);
        break;
    }
    return result;
  }

  dispose(): void {
    // Nothing to release: each probe or install ends with its command.
  }
}
