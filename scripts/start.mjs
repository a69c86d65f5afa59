// `npm start`: Model Studio in a real VS Code in your browser, on samples/
// (or the folder given), with this checkout's extension loaded (build
// first: npm run build). Installs code-server into ~/.cache/model-studio on
// first use (about 3.5 min). PORT=8080 npm start picks the port; Ctrl+C stops.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCodeServer, workbenchUrl } from './codeServer.mjs';

const extensionDir = resolve(import.meta.dirname, '..');
if (!existsSync(join(extensionDir, 'dist', 'extension.js'))) {
  console.error('dist/extension.js is missing: run `npm run build` first.');
  process.exit(1);
}
const folder = resolve(process.argv[2] ?? join(extensionDir, 'samples'));
// One state folder reused across starts, so they do not pile up in /tmp.
const stateDir = join(tmpdir(), 'model-studio-start');
const server = await startCodeServer({ stateDir, ...(process.env.PORT ? { port: Number(process.env.PORT) } : {}) });
console.log(`Model Studio on ${folder}:\n  ${workbenchUrl(server, { folder, extensionDir })}\n(code-server log: ${server.logFile}; Ctrl+C stops)`);
const shutdown = () => {
  server.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// Keep running until a signal: code-server lives in its own process group.
setInterval(() => {}, 1 << 30);
