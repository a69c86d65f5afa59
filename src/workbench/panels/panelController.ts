import * as path from 'node:path';
import * as vscode from 'vscode';
import { Owner } from '../shared/dispose';

/**
 * One panel's controller: owns its panel and what it registers, and speaks
 * the panel's protocol. The page's messages that pass `isMessage` go to
 * onMessage(); the rest are logged and dropped (a webview is untrusted
 * input). The page says `ready` when its script has started (again when a
 * hidden webview is rebuilt); `ready` is true from then on, and a
 * controller answers `ready` with everything the page shows.
 */
export abstract class PanelController<Out, In extends { readonly type: string }> extends Owner {
  private pageReady = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    isMessage: (msg: unknown) => msg is In,
    protected readonly log: vscode.LogOutputChannel,
    name: string,
  ) {
    super();
    this.register(
      panel.webview.onDidReceiveMessage(async (msg: unknown) => {
        if (!isMessage(msg)) {
          log.warn(`${name}: dropped an unknown message ${JSON.stringify(msg)?.slice(0, 200)}`);
          return;
        }
        if (msg.type === 'ready') this.pageReady = true;
        try {
          await this.onMessage(msg);
        } catch (error) {
          log.error(`${name}: ${String(error)}`);
        }
      }),
    );
  }

  protected get ready(): boolean {
    return this.pageReady;
  }

  protected abstract onMessage(msg: In): void | Promise<void>;

  protected post(msg: Out): Thenable<boolean> {
    return this.panel.webview.postMessage(msg);
  }

  /** Calls `onChange` when `file` changes on disk (a checkout, another tool), whether or not an editor holds it. */
  protected watchFile(file: string, onChange: () => void, { createAndDelete = false } = {}): void {
    const watcher = this.register(
      vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file))),
    );
    this.register(watcher.onDidChange(onChange));
    if (createAndDelete) {
      this.register(watcher.onDidCreate(onChange));
      this.register(watcher.onDidDelete(onChange));
    }
  }
}
