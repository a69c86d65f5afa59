import * as vscode from 'vscode';
import type { LayerSummary } from '../../protocol/inspectorMessages';
import { modelFileCode } from '../shared/modelFileCode';
import type { ModelInspections } from '../services/modelInspections';

/** `[null,512]`, as TF.js prints an output shape. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `→ [null,512] · 401,920 params` */
export function layerHintLabel(layer: LayerSummary): string {
  return `→ ${formatShape(layer.outputShape)} · ${formatCount(layer.params)} param${layer.params === 1 ? '' : 's'}`;
}

/**
 * At the end of the first line of each layer entry: its output shape and
 * parameter count, from the inspector (the document's current version
 * only: while an edit is being inspected VS Code keeps the old hints, and
 * a file with errors shows none rather than stale ones).
 */
export class LayerInlayHints implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly inspections: ModelInspections) {
    this.subscription = inspections.onDidInspect(() => this.changed.fire());
  }

  async provideInlayHints(
    document: vscode.TextDocument,
    range: vscode.Range,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlayHint[]> {
    const result = await this.inspections.current(document);
    if (token.isCancellationRequested || result === undefined || result.inspection.kind !== 'ok') return [];
    const { parseModelFile } = await modelFileCode();
    const parsed = parseModelFile(document.uri.fsPath, document.getText());
    const hints: vscode.InlayHint[] = [];
    for (const layer of result.inspection.summary.layers) {
      const line = parsed.rangeOf(['model', 'layers', layer.index]).start.line;
      if (line < range.start.line || line > range.end.line) continue;
      const hint = new vscode.InlayHint(document.lineAt(line).range.end, layerHintLabel(layer));
      hint.paddingLeft = true;
      hint.tooltip = new vscode.MarkdownString(
        `**${layer.name}** (${layer.type})\n\noutput shape \`${formatShape(layer.outputShape)}\` · ` +
          `${formatCount(layer.params)} parameters (${formatCount(layer.trainableParams)} trainable)`,
      );
      hints.push(hint);
    }
    return hints;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
