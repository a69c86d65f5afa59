import * as vscode from 'vscode';
import { Owner, type Disposable } from '../shared/dispose';
import { modelName } from '../shared/modelFiles';
import { webviewHtml, webviewOptions } from './webviewHtml';

/** What every kind of panel is built with; some take more. */
export interface PanelDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
}

/** What a PanelSet holds per model file: a PanelController. */
interface Controller extends Disposable {
  readonly panel: vscode.WebviewPanel;
}

/** The page of one kind of panel: files in dist/webview/ and media/, and its titles. */
export interface PanelPage {
  readonly viewType: string;
  /** The bundle in dist/webview/. */
  readonly script: string;
  /** In media/, linked after media/common.css. */
  readonly stylesheet: string;
  /** In media/, the tab's icon. */
  readonly icon: string;
  /** The document's title (screen readers). */
  readonly title: string;
  /** The tab's title for a model file. */
  readonly tabTitle: (modelFile: string) => string;
}

/**
 * The page of the panel called `name`: view type `modelStudio.<name>`,
 * dist/webview/<name>.js, media/<name>.css and media/<name>.svg.
 */
export function panelPage(name: string, title: string, tabPrefix: string): PanelPage {
  return {
    viewType: `modelStudio.${name}`,
    script: `${name}.js`,
    stylesheet: `${name}.css`,
    icon: `${name}.svg`,
    title,
    tabTitle: (modelFile) => `${tabPrefix}: ${modelName(modelFile)}`,
  };
}

/** What a panel restored after a reload shows, read from its saved webview state. */
export interface Revived<C> {
  readonly modelFile: string;
  readonly controller: (panel: vscode.WebviewPanel) => C;
}

/**
 * The panels of one kind, at most one per model file: opens them beside
 * the editor, reveals one that is open, restores them after a reload
 * (registerWebviewPanelSerializer) and forgets each when it closes. Each
 * kind of panel is a subclass that says how to open one.
 */
export abstract class PanelSet<C extends Controller> extends Owner {
  private readonly panels = new Map<string, C>();

  constructor(
    private readonly page: PanelPage,
    private readonly extensionUri: vscode.Uri,
    /** The saved state of a panel VS Code brings back; undefined if it names no model file (the panel is closed). */
    revive: (state: unknown) => Revived<C> | undefined,
  ) {
    super();
    this.register(
      vscode.window.registerWebviewPanelSerializer(page.viewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const revived = revive(state);
          if (!revived) {
            // Nothing says which model file it showed: it cannot be brought back.
            panel.dispose();
            return;
          }
          this.adopt(panel, revived.modelFile, revived.controller);
        },
      }),
    );
  }

  protected controller(modelFile: string): C | undefined {
    return this.panels.get(modelFile);
  }

  /** Model files with a panel open. */
  modelFiles(): string[] {
    return [...this.panels.keys()];
  }

  /** Reveals the panel of `modelFile`, opening it beside the editor with a new controller if there is none. */
  protected open(modelFile: string, preserveFocus: boolean, controller: (panel: vscode.WebviewPanel) => C): C {
    const existing = this.panels.get(modelFile);
    if (existing) {
      existing.panel.reveal(undefined, preserveFocus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      this.page.viewType,
      this.page.tabTitle(modelFile),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      webviewOptions(this.extensionUri),
    );
    return this.adopt(panel, modelFile, controller);
  }

  private adopt(panel: vscode.WebviewPanel, modelFile: string, create: (panel: vscode.WebviewPanel) => C): C {
    const { page, extensionUri } = this;
    panel.title = page.tabTitle(modelFile);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', page.icon);
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri, page.script, page.stylesheet, page.title);
    const controller = create(panel);
    this.panels.set(modelFile, controller);
    panel.onDidDispose(() => {
      if (this.panels.get(modelFile) === controller) this.panels.delete(modelFile);
      controller.dispose();
    });
    return controller;
  }

  /**
   * Leaves the panels open: when the window reloads they are restored by the
   * serializer, which a panel disposed here would not be.
   */
  override dispose(): void {
    for (const controller of this.panels.values()) controller.dispose();
    super.dispose();
  }
}

/**
 * Panels whose controller is made from the model file and the deps alone:
 * one beside the editor per model file, opened with createOrShow().
 */
export class ModelFilePanels<C extends Controller, D extends PanelDeps> extends PanelSet<C> {
  constructor(
    page: PanelPage,
    private readonly deps: D,
    isState: (state: unknown) => state is { readonly modelFile: string },
    private readonly create: (panel: vscode.WebviewPanel, modelUri: vscode.Uri, deps: D) => C,
  ) {
    super(page, deps.extensionUri, (state) =>
      isState(state)
        ? { modelFile: state.modelFile, controller: (panel) => create(panel, vscode.Uri.file(state.modelFile), deps) }
        : undefined,
    );
  }

  createOrShow(modelUri: vscode.Uri, preserveFocus = false): void {
    this.open(modelUri.fsPath, preserveFocus, (panel) => this.create(panel, modelUri, this.deps));
  }
}
