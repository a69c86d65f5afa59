import * as vscode from 'vscode';
import { Command, ContextKey } from '../shared/commands';
import { modelName, workspaceRootFor } from '../shared/modelFiles';
import { assertNever } from '../../protocol/assertNever';
import {
  isHyperparametersState,
  isHyperparametersToHost,
  type HostToHyperparameters,
  type HyperparametersToHost,
} from '../../protocol/hyperparametersMessages';
import type { ModelFileEdit } from '../../modelFile/editModelFile';
import type { FormField, HyperparameterForm } from '../../modelFile/formModel';
import type { JsonPath } from '../../modelFile/jsonTypes';
import { modelFileCode } from '../shared/modelFileCode';
import { AugmentPreviewer } from './augmentPreviewer';
import { PanelController } from './panelController';
import { ModelFilePanels, panelPage, type PanelDeps } from './panelSet';
import { revealInEditor } from './webviewHtml';

const PAGE = panelPage('hyperparameters', 'Hyperparameters', 'Hyperparameters');

/**
 * The hyperparameter forms, at most one per model file: opens or reveals
 * them beside the editor and restores them after a reload.
 */
export class HyperparametersPanels extends ModelFilePanels<HyperparametersPanel, PanelDeps> {
  constructor(deps: PanelDeps) {
    super(PAGE, deps, isHyperparametersState, (panel, modelUri, d) => new HyperparametersPanel(panel, modelUri, d));
  }
}

/** One form's controller: speaks the protocol with its webview and edits the document. */
class HyperparametersPanel extends PanelController<HostToHyperparameters, HyperparametersToHost> {
  /** The form last sent, to read a changed field's control. */
  private form: HyperparameterForm | undefined;
  /** When the latest edit from the form was asked for: the document change it causes is timed from it. */
  private editRequestedAt: number | undefined;
  /**
   * Edits one after another: each is computed from the text the previous one
   * left (two quick changes, a field left by clicking a search toggle,
   * would otherwise both be computed from the same text).
   */
  private edits: Promise<void> = Promise.resolve();
  private readonly preview: AugmentPreviewer;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly modelUri: vscode.Uri,
    private readonly deps: PanelDeps,
  ) {
    super(panel, isHyperparametersToHost, deps.log, 'hyperparameters');
    const trainerPath = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'trainer.js').fsPath;
    this.preview = this.register(new AugmentPreviewer(trainerPath, (message) => this.post(message), deps.log));
    this.register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!this.isMine(e.document) || e.contentChanges.length === 0) return;
        if (this.editRequestedAt !== undefined) {
          deps.log.debug(`hyperparameters: form change → document change in ${Date.now() - this.editRequestedAt} ms`);
          this.editRequestedAt = undefined;
        }
        void this.sendForm(e.document);
      }),
    );
    // Saving or reverting changes `dirty` (and a revert the text).
    this.register(
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (this.isMine(document)) void this.sendForm(document);
      }),
    );
    // Changed on disk while no editor holds the document: read it again.
    this.watchFile(modelUri.fsPath, () => {
      void vscode.workspace.openTextDocument(this.modelUri).then((document) => this.sendForm(document));
    });
  }

  private isMine(document: vscode.TextDocument): boolean {
    return document.uri.toString() === this.modelUri.toString();
  }

  protected onMessage(msg: HyperparametersToHost): Promise<void> {
    if (msg.type === 'ready' || msg.type === 'reveal' || msg.type === 'train' || msg.type === 'runSweep' || msg.type === 'revert') {
      return this.handle(msg);
    }
    const next = this.edits.then(() => this.handle(msg));
    this.edits = next.catch(() => undefined);
    return next;
  }

  private async handle(msg: HyperparametersToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        // Also sent again when a hidden webview is rebuilt.
        this.preview.reset();
        await this.sendForm(await vscode.workspace.openTextDocument(this.modelUri));
        return;
      case 'change':
        await this.change(msg.fieldId, msg.path, msg.input);
        return;
      case 'search':
        await this.search(msg.path, msg.entry);
        return;
      case 'addLayer': {
        const { newLayer } = await modelFileCode();
        await this.edit({
          kind: 'insert',
          path: ['model', 'layers'],
          index: this.form?.layers.length ?? 0,
          value: newLayer(msg.layerType),
        });
        return;
      }
      case 'removeLayer':
        await this.edit({ kind: 'remove', path: ['model', 'layers', msg.index] });
        return;
      case 'moveLayer':
        await this.edit({ kind: 'move', path: ['model', 'layers'], from: msg.from, to: msg.to });
        return;
      case 'reveal': {
        const document = await vscode.workspace.openTextDocument(this.modelUri);
        const { parseModelFile } = await modelFileCode();
        await revealInEditor(this.modelUri, parseModelFile(this.modelUri.fsPath, document.getText()).rangeOf(msg.path));
        return;
      }
      case 'train':
        await this.train();
        return;
      case 'runSweep':
        await vscode.commands.executeCommand(Command.RunSweep, this.modelUri);
        return;
      case 'revert':
        await this.revert();
        return;
      default:
        assertNever(msg);
    }
  }

  private findField(fieldId: string, path: JsonPath): FormField | undefined {
    const fields = [...(this.form?.groups.flatMap((g) => g.fields) ?? []), ...(this.form?.layers.flatMap((l) => l.fields) ?? [])];
    return fields.find((f) => f.id === fieldId) ?? fields.find((f) => f.path.join('.') === path.join('.'));
  }

  private async change(fieldId: string, path: JsonPath, input: string | boolean | readonly string[]): Promise<void> {
    const field = this.findField(fieldId, path);
    if (field === undefined) return; // a field of a form the document has left behind
    const { parseInput } = await modelFileCode();
    const parsed = parseInput(field.control, input);
    if ('error' in parsed) {
      await this.post({ type: 'inputError', fieldId, message: parsed.error });
      return;
    }
    if (parsed.value === undefined && field.required) {
      await this.post({ type: 'inputError', fieldId, message: `"${field.path.join('.')}" is required; type a value` });
      return;
    }
    const { fieldEdit, parseModelFile } = await modelFileCode();
    const document = await vscode.workspace.openTextDocument(this.modelUri);
    await this.edit(fieldEdit(parseModelFile(this.modelUri.fsPath, document.getText()).value, field.path, parsed.value));
  }

  /** A search toggle or its range changed: one edit of the `search` block (made with defaults when absent). */
  private async search(path: JsonPath, entry: unknown): Promise<void> {
    const { isSearchParameter, parseModelFile, searchEdit } = await modelFileCode();
    const field = this.findField(path.join('.'), path);
    if (field?.search === undefined) return; // a field of a form the document has left behind
    if (entry !== null && !isSearchParameter(entry)) {
      await this.post({
        type: 'inputError',
        fieldId: field.id,
        message: 'the search needs a minimum and a maximum, or at least one value',
      });
      return;
    }
    const document = await vscode.workspace.openTextDocument(this.modelUri);
    const edit = searchEdit(parseModelFile(this.modelUri.fsPath, document.getText()).value, field.search.key, entry ?? undefined);
    if (edit !== undefined) await this.edit(edit);
  }

  /** One WorkspaceEdit on the document (not the file on disk): one undo step in the editor. */
  private async edit(edit: ModelFileEdit): Promise<void> {
    const requestedAt = Date.now();
    const document = await vscode.workspace.openTextDocument(this.modelUri);
    // Edits by path into a file that does not parse could land anywhere.
    const { editModelFile, modelFileFormat, ModelEditError, parseModelFile } = await modelFileCode();
    const syntaxError = parseModelFile(this.modelUri.fsPath, document.getText()).diagnostics.find((d) => d.severity === 'error');
    if (syntaxError !== undefined) {
      await this.post({
        type: 'notice',
        level: 'error',
        message: `The file was not changed: fix the syntax error at line ${syntaxError.range.start.line + 1} first (${syntaxError.message}).`,
      });
      return;
    }
    let edits;
    try {
      edits = editModelFile(document.getText(), modelFileFormat(this.modelUri.fsPath), edit);
    } catch (error) {
      const message = error instanceof ModelEditError ? error.message : String(error);
      await this.post({ type: 'notice', level: 'error', message: `The file was not changed: ${message}.` });
      return;
    }
    if (edits.length === 0) return;
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.set(
      document.uri,
      edits.map(
        (e) => new vscode.TextEdit(new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.newText),
      ),
    );
    this.editRequestedAt = requestedAt;
    if (await vscode.workspace.applyEdit(workspaceEdit)) {
      void vscode.commands.executeCommand('setContext', ContextKey.FormEdited, true);
    } else {
      this.editRequestedAt = undefined;
      await this.post({
        type: 'notice',
        level: 'error',
        message: 'The file was not changed: VS Code refused the edit (is the file read-only?).',
      });
    }
  }

  private async train(): Promise<void> {
    const document = await vscode.workspace.openTextDocument(this.modelUri);
    const form = this.form ?? (await this.makeForm(document));
    const errors = [...form.groups.flatMap((g) => g.fields), ...form.layers.flatMap((l) => l.fields)]
      .flatMap((f) => f.problems)
      .concat(
        form.layers.flatMap((l) => l.problems),
        form.problems,
      )
      .filter((p) => p.severity === 'error');
    if (form.errorCount > 0) {
      await this.post({
        type: 'notice',
        level: 'error',
        message: `Training cannot start: ${form.errorCount} problem${form.errorCount === 1 ? '' : 's'} in ${modelName(this.modelUri.fsPath)} must be fixed first.`,
        details: errors.map((p) => p.message),
      });
      return;
    }
    await this.post({ type: 'notice', level: 'info', message: 'Training started with these values (the file is saved first).' });
    await vscode.commands.executeCommand(Command.Train, this.modelUri);
  }

  private async revert(): Promise<void> {
    const document = await vscode.workspace.openTextDocument(this.modelUri);
    if (!document.isDirty) {
      await this.post({ type: 'notice', level: 'info', message: 'The form already shows the file on disk.' });
      return;
    }
    // The revert command acts on the active editor: show the document there, revert, come back.
    const visible = vscode.window.visibleTextEditors.find((e) => this.isMine(e.document));
    await vscode.window.showTextDocument(document, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
    this.panel.reveal(undefined, false);
    await this.sendForm(document);
  }

  private async makeForm(document: vscode.TextDocument): Promise<HyperparameterForm> {
    const { buildForm, parseModelFile, validateModelFile } = await modelFileCode();
    const text = document.getText();
    const parsed = parseModelFile(this.modelUri.fsPath, text);
    // The same validation as the editor's diagnostics: the same messages.
    const { diagnostics } = await validateModelFile(this.modelUri.fsPath, text, { workspaceRoot: workspaceRootFor(this.modelUri) });
    return buildForm(parsed.value, diagnostics);
  }

  private async sendForm(document: vscode.TextDocument): Promise<void> {
    if (!this.ready) return;
    const version = document.version;
    const started = Date.now();
    const form = await this.makeForm(document);
    const { modelFileFormat } = await modelFileCode();
    // A newer version is on its way; showing this one would flicker back.
    if (document.version !== version || document.isClosed) return;
    this.form = form;
    await this.post({
      type: 'form',
      modelFile: this.modelUri.fsPath,
      modelName: modelName(this.modelUri.fsPath),
      format: modelFileFormat(this.modelUri.fsPath),
      version,
      dirty: document.isDirty,
      form,
    });
    this.deps.log.debug(`hyperparameters: form of v${version} sent ${Date.now() - started} ms after the change`);
    const { parseModelFile } = await modelFileCode();
    const text = document.getText();
    const shown = form.groups.some((g) => g.id === 'data.augment');
    this.preview.update(
      this.modelUri.fsPath,
      workspaceRootFor(this.modelUri),
      text,
      parseModelFile(this.modelUri.fsPath, text).value,
      shown,
    );
  }
}
