import * as vscode from 'vscode';
import type { SpecDiagnostic, SpecFix } from '../../modelFile/diagnostic';
import { isModelFile, workspaceRootFor } from '../shared/modelFiles';
import { Owner } from '../shared/dispose';
import { modelFileCode } from '../shared/modelFileCode';
import type { ModelInspections } from '../services/modelInspections';

const DEBOUNCE_MS = 200;
export const DIAGNOSTIC_SOURCE = 'Model Studio';

/** What a validation of one model file found. */
export interface Validation {
  readonly errors: number;
  readonly diagnostics: readonly SpecDiagnostic[];
}

/**
 * Live diagnostics for open model files (JSON and YAML): validated on open
 * and, debounced, on every change. A model file's diagnostics may point into
 * the data files it names; those are replaced with the model file's.
 */
export class ModelDiagnostics extends Owner {
  private readonly collection = vscode.languages.createDiagnosticCollection('modelStudio');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Other files (data files) each model file put diagnostics on. */
  private readonly related = new Map<string, vscode.Uri[]>();
  /** What was published on each model file, fixes included: code actions get copies of the vscode.Diagnostics, without them. */
  private readonly shown = new Map<string, readonly SpecDiagnostic[]>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly inspections: ModelInspections,
  ) {
    super();
    this.register(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  /** Validates `document` now, publishes the result and returns it. */
  async validate(document: vscode.TextDocument): Promise<Validation> {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const version = document.version;
    const file = document.uri.fsPath;
    // Loaded on the first validation, not at activation: the schema, ajv, YAML
    // and the data readers are most of the extension's bundle.
    const { validateModelFile } = await modelFileCode();
    const validation = await validateModelFile(file, document.getText(), {
      workspaceRoot: workspaceRootFor(document.uri),
    });
    // A newer edit has been (or will be) validated: do not show stale ranges.
    const current = (): boolean => !document.isClosed && document.version === version;
    if (current()) this.publish(document.uri, shownInEditor(file, validation.diagnostics));
    const valid = !validation.diagnostics.some((d) => d.severity === 'error');
    // A file the schema and the checks accept may still hold a layer TF.js refuses:
    // the inspector builds the model, so that no problems means the model builds.
    const built = valid ? await this.buildDiagnostics(document) : [];
    const diagnostics = [...validation.diagnostics, ...built];
    if (built.length > 0 && current()) this.publish(document.uri, shownInEditor(file, diagnostics));
    return { errors: diagnostics.filter((d) => d.severity === 'error').length, diagnostics };
  }

  /** The inspector's errors for the document as it is (none when it could not answer or the document moved on). */
  private async buildDiagnostics(document: vscode.TextDocument): Promise<readonly SpecDiagnostic[]> {
    const result = await this.inspections.current(document);
    return result?.inspection.kind === 'invalid' ? result.inspection.diagnostics : [];
  }

  /** The quick fixes of a diagnostic shown on a model file (matched by place and message). */
  fixesFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): readonly SpecFix[] {
    const { start, end } = diagnostic.range;
    const same = (d: SpecDiagnostic): boolean =>
      d.message === diagnostic.message &&
      d.range.start.line === start.line &&
      d.range.start.character === start.character &&
      d.range.end.line === end.line &&
      d.range.end.character === end.character;
    return this.shown.get(uri.toString())?.find(same)?.fixes ?? [];
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (!isModelFile(document.uri)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.validate(document).catch((error: unknown) => {
          this.log.error(`validating ${document.uri.fsPath}: ${String(error)}`);
        });
      }, delayMs),
    );
  }

  private publish(modelUri: vscode.Uri, diagnostics: readonly SpecDiagnostic[]): void {
    const byFile = new Map<string, vscode.Diagnostic[]>([[modelUri.fsPath, []]]);
    for (const d of diagnostics) {
      const list = byFile.get(d.file) ?? [];
      list.push(toVscode(d));
      byFile.set(d.file, list);
    }
    this.shown.set(
      modelUri.toString(),
      diagnostics.filter((d) => d.file === modelUri.fsPath && d.fixes !== undefined),
    );
    for (const uri of this.related.get(modelUri.toString()) ?? []) this.collection.delete(uri);
    const related: vscode.Uri[] = [];
    for (const [file, list] of byFile) {
      const uri = file === modelUri.fsPath ? modelUri : vscode.Uri.file(file);
      this.collection.set(uri, list);
      if (uri !== modelUri) related.push(uri);
    }
    this.related.set(modelUri.toString(), related);
  }

  private clear(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(uri);
    this.shown.delete(key);
    for (const other of this.related.get(key) ?? []) this.collection.delete(other);
    this.related.delete(key);
  }

  override dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    super.dispose();
  }
}

/**
 * In a `.model.json` editor VS Code's JSON service already reports syntax
 * errors (it parses the file for completion): ours would repeat them. The
 * schema problems are ours alone, since the schema it gets asserts nothing
 * (src/modelFile/editorSchema.ts). They still count when Train checks the file.
 */
function shownInEditor(file: string, diagnostics: readonly SpecDiagnostic[]): readonly SpecDiagnostic[] {
  return /\.ya?ml$/i.test(file) ? diagnostics : diagnostics.filter((d) => !d.syntax);
}

function toVscode(d: SpecDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
  const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(range, d.message, severity);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  return diagnostic;
}
