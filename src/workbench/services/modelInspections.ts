import * as vscode from 'vscode';
import type { Inspection } from '../../protocol/inspectorMessages';
import { InspectionCancelled, InspectorProcess } from '../../host/inspectorProcess';
import { isModelFile, workspaceRootFor } from '../shared/modelFiles';
import { Owner } from '../shared/dispose';

/** Edits arriving within this window are inspected once. */
const DEBOUNCE_MS = 100;

/** An inspection of one version of a model document. */
export interface InspectionResult {
  readonly uri: vscode.Uri;
  readonly version: number;
  readonly inspection: Inspection;
  /** Time the inspector spent. */
  readonly ms: number;
  /** From the document change (or the first request) to the answer, in the extension host. */
  readonly latencyMs: number;
}

interface Entry {
  latest?: InspectionResult;
  /** The request in flight, by document version. */
  inflight?: { readonly version: number; readonly promise: Promise<InspectionResult | undefined> };
  timer?: NodeJS.Timeout;
  /** When the first change not yet inspected happened. */
  changedAt?: number;
}

/**
 * Layer tables of open model documents, computed in the inspector process
 * (never in the extension host, which must not load TF.js): on request, and
 * again, debounced, whenever a document someone asked about changes.
 * Answers for a version the document has left are dropped, never shown.
 */
export class ModelInspections extends Owner {
  private readonly inspector: InspectorProcess;
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<InspectionResult>();
  private readonly failed = new vscode.EventEmitter<{ readonly uri: vscode.Uri; readonly message: string }>();
  /** A new inspection of a document's current version. */
  readonly onDidInspect = this.changed.event;
  /** The inspector could not answer for a document. */
  readonly onDidFail = this.failed.event;

  constructor(
    inspectorPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.inspector = new InspectorProcess({ inspectorPath, onLog: (text) => log.info(`inspector: ${text.trimEnd()}`) });
    this.register(
      this.changed,
      this.failed,
      vscode.workspace.onDidChangeTextDocument((e) => {
        const entry = this.entries.get(e.document.uri.toString());
        if (entry === undefined || e.contentChanges.length === 0) return;
        entry.changedAt ??= Date.now();
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => void this.request(e.document), DEBOUNCE_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    );
  }

  /** The latest inspection, maybe of an older version (check `version`). */
  latest(uri: vscode.Uri): InspectionResult | undefined {
    return this.entries.get(uri.toString())?.latest;
  }

  /**
   * The inspection of the document as it is now, requested if needed;
   * undefined when the document changed meanwhile or the inspector failed.
   * From now on the document's changes are inspected too.
   */
  async current(document: vscode.TextDocument): Promise<InspectionResult | undefined> {
    if (!isModelFile(document.uri)) return undefined;
    const entry = this.entry(document.uri);
    if (entry.latest?.version === document.version) return entry.latest;
    if (entry.inflight?.version === document.version) return entry.inflight.promise;
    clearTimeout(entry.timer);
    return this.request(document);
  }

  private entry(uri: vscode.Uri): Entry {
    const key = uri.toString();
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {};
      this.entries.set(key, entry);
    }
    return entry;
  }

  private request(document: vscode.TextDocument): Promise<InspectionResult | undefined> {
    const entry = this.entry(document.uri);
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const version = document.version;
    const since = entry.changedAt ?? Date.now();
    entry.changedAt = undefined;
    const promise = this.inspector
      .inspect({ modelFile: document.uri.fsPath, text: document.getText(), workspaceRoot: workspaceRootFor(document.uri) })
      .then(
        ({ inspection, ms }): InspectionResult | undefined => {
          if (document.isClosed || document.version !== version) return undefined;
          const result = { uri: document.uri, version, inspection, ms, latencyMs: Date.now() - since };
          entry.latest = result;
          this.log.debug(
            `inspected ${document.uri.fsPath} v${version}: ${result.latencyMs} ms after the change (${ms} ms in the inspector)`,
          );
          this.changed.fire(result);
          return result;
        },
        (error: unknown) => {
          if (error instanceof InspectionCancelled && /overtaken/.test(error.message)) return undefined;
          const message = error instanceof Error ? error.message : String(error);
          this.log.warn(`inspecting ${document.uri.fsPath}: ${message}`);
          this.failed.fire({ uri: document.uri, message });
          return undefined;
        },
      )
      .finally(() => {
        if (entry.inflight?.promise === promise) entry.inflight = undefined;
      });
    entry.inflight = { version, promise };
    return promise;
  }

  private forget(uri: vscode.Uri): void {
    const entry = this.entries.get(uri.toString());
    if (entry !== undefined) clearTimeout(entry.timer);
    this.entries.delete(uri.toString());
  }

  override dispose(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    super.dispose();
    this.inspector.dispose();
  }
}
