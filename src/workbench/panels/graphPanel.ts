import * as vscode from 'vscode';
import { modelName } from '../shared/modelFiles';
import type { InspectionResult, ModelInspections } from '../services/modelInspections';
import { assertNever } from '../../protocol/assertNever';
import { isGraphState, isGraphToHost, type GraphToHost, type HostToGraph } from '../../protocol/graphMessages';
import type { ParsedModelFile } from '../../modelFile/parseModelFile';
import { modelFileCode } from '../shared/modelFileCode';
import { PanelController } from './panelController';
import { ModelFilePanels, panelPage, type PanelDeps } from './panelSet';
import { revealInEditor, toVscodeRange } from './webviewHtml';

interface Deps extends PanelDeps {
  readonly inspections: ModelInspections;
}

const PAGE = panelPage('graph', 'Layer graph', 'Graph');

/**
 * The layer-graph panels, at most one per model file: opens or reveals
 * them beside the editor and restores them after a reload.
 */
export class GraphPanels extends ModelFilePanels<GraphPanel, Deps> {
  constructor(deps: Deps) {
    super(PAGE, deps, isGraphState, (panel, modelUri, d) => new GraphPanel(panel, modelUri, d));
  }
}

/** One graph's controller: follows the inspections of its document and the editor's cursor. */
class GraphPanel extends PanelController<HostToGraph, GraphToHost> {
  /** The parse of the document version the cursor was last looked up in. */
  private parsed: { version: number; parsed: ParsedModelFile; layers: number } | undefined;
  private highlighted: number | null | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly modelUri: vscode.Uri,
    private readonly deps: Deps,
  ) {
    super(panel, isGraphToHost, deps.log, 'graph');
    this.register(
      deps.inspections.onDidInspect((result) => {
        if (result.uri.toString() === this.modelUri.toString()) void this.sendInspection(result);
      }),
    );
    this.register(
      deps.inspections.onDidFail(({ uri, message }) => {
        if (uri.toString() === this.modelUri.toString()) void this.post({ type: 'unavailable', ...this.names(), message });
      }),
    );
    this.register(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document.uri.toString() === this.modelUri.toString())
          void this.highlightAt(e.textEditor.document, e.selections[0].active);
      }),
    );
    // Changed on disk while no editor holds the document: inspect it again.
    this.watchFile(modelUri.fsPath, () => {
      if (this.ready) void vscode.workspace.openTextDocument(this.modelUri).then((document) => deps.inspections.current(document));
    });
  }

  private names(): { modelFile: string; modelName: string } {
    return { modelFile: this.modelUri.fsPath, modelName: modelName(this.modelUri.fsPath) };
  }

  protected async onMessage(msg: GraphToHost): Promise<void> {
    switch (msg.type) {
      case 'ready': {
        this.highlighted = undefined;
        const document = await vscode.workspace.openTextDocument(this.modelUri);
        const result = await this.deps.inspections.current(document);
        if (result !== undefined) await this.sendInspection(result);
        const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.modelUri.toString());
        if (editor !== undefined) void this.highlightAt(editor.document, editor.selection.active);
        return;
      }
      case 'revealLayer': {
        const document = await vscode.workspace.openTextDocument(this.modelUri);
        const { parsed, layers } = await this.parse(document);
        // Indexes past the file's own layers are layers of the `model.from` model (fine-tuning).
        await revealInEditor(this.modelUri, parsed.rangeOf(msg.index < layers ? ['model', 'layers', msg.index] : ['model', 'from']));
        return;
      }
      case 'revealRange':
        await revealInEditor(this.modelUri, msg.range);
        return;
      default:
        assertNever(msg);
    }
  }

  private async sendInspection(result: InspectionResult): Promise<void> {
    await this.post({ type: 'inspection', ...this.names(), version: result.version, inspection: result.inspection });
    this.deps.log.debug(`graph: v${result.version} shown ${result.latencyMs} ms after the change (${result.ms} ms in the inspector)`);
  }

  private async parse(document: vscode.TextDocument): Promise<NonNullable<GraphPanel['parsed']>> {
    if (this.parsed?.version !== document.version) {
      const { parseModelFile } = await modelFileCode();
      const parsed = parseModelFile(this.modelUri.fsPath, document.getText());
      const model = (parsed.value as { model?: { layers?: unknown } } | undefined)?.model;
      const layers = Array.isArray(model?.layers) ? model.layers.length : 0;
      this.parsed = { version: document.version, parsed, layers };
    }
    return this.parsed;
  }

  /** The layer whose entry holds `position`, highlighted in the graph. */
  private async highlightAt(document: vscode.TextDocument, position: vscode.Position): Promise<void> {
    if (!this.ready) return;
    const { parsed, layers } = await this.parse(document);
    let index: number | null = null;
    for (let i = 0; i < layers; i++) {
      if (toVscodeRange(parsed.rangeOf(['model', 'layers', i])).contains(position)) {
        index = i;
        break;
      }
    }
    if (index === this.highlighted) return;
    this.highlighted = index;
    void this.post({ type: 'highlight', index });
  }
}
