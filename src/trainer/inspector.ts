/**
 * The inspector process (dist/inspector.js): forked once by the extension
 * host and kept while model files are open. Loads TF.js on the cpu backend,
 * says `ready`, then answers each `inspect` with the layer table of that
 * text (or its diagnostics), one request at a time. A waiting request
 * overtaken by a newer one for the same file is answered `failed` without
 * being built, so a burst of edits costs one build, not one per keystroke.
 */
import * as path from 'node:path';
import { isHostToInspector, type InspectRequest, type InspectorToHost } from '../protocol/inspectorMessages';
import { loadBackend } from './backend';
import { inspectModelFile } from './inspect';

function send(message: InspectorToHost): void {
  if (process.connected && process.send) process.send(message);
}

/** Waiting requests, at most one per model file (the newest). */
const waiting = new Map<string, InspectRequest>();
let busy = false;
let ready = false;

async function drain(): Promise<void> {
  if (busy || !ready) return;
  busy = true;
  try {
    for (let next = waiting.values().next(); !next.done; next = waiting.values().next()) {
      const request = next.value;
      waiting.delete(request.modelFile);
      const started = performance.now();
      try {
        const inspection = await inspectModelFile(path.resolve(request.modelFile), request.text, request.workspaceRoot);
        send({ type: 'inspected', id: request.id, inspection, ms: Math.round((performance.now() - started) * 10) / 10 });
      } catch (error) {
        send({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    busy = false;
  }
}

process.on('message', (message: unknown) => {
  if (!isHostToInspector(message)) {
    process.stderr.write(`inspector: dropped a message that does not fit the protocol: ${JSON.stringify(message)?.slice(0, 200)}\n`);
    return;
  }
  const overtaken = waiting.get(message.request.modelFile);
  if (overtaken !== undefined) send({ type: 'failed', id: overtaken.id, message: 'overtaken by a newer request' });
  waiting.set(message.request.modelFile, message.request);
  void drain();
});

// The host going away (window closed, extension host crashed) ends the inspector too.
process.on('disconnect', () => process.exit(0));

void loadBackend('cpu').then(
  () => {
    ready = true;
    send({ type: 'ready' });
    void drain();
  },
  (error: unknown) => {
    process.stderr.write(`inspector: cannot load TF.js: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
