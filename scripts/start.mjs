// `npm start`: Model Studio in a real VS Code on samples/ (or the folder
// given), with this checkout's extension loaded as a development extension
// (build first: npm run build). With the desktop `code` on PATH it opens
// there; otherwise it starts code-server (VS Code in your browser), which it
// installs into ~/.cache/model-studio on first use (about 2.5 min), and prints
// the URL. MODEL_STUDIO_BROWSER=1 takes code-server even where `code` is;
// PORT=8080 picks its port; Ctrl+C stops it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanEnv, InstallError, startCodeServer, workbenchUrl } from './codeServer.mjs';

const extensionDir = resolve(import.meta.dirname, '..');
if (!existsSync(join(extensionDir, 'dist', 'extension.js'))) {
  console.error('dist/extension.js is missing: run `npm run build` first.');
  process.exit(1);
}
const folder = resolve(process.argv[2] ?? join(extensionDir, 'samples'));

const desktop = !process.env.MODEL_STUDIO_BROWSER && spawnSync('code', ['--version'], { stdio: 'ignore', env: cleanEnv() }).status === 0;
if (desktop) {
  console.log(`Opening ${folder} in VS Code with the extension from ${extensionDir}`);
  const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${extensionDir}`, folder], {
    stdio: 'inherit',
    env: cleanEnv(),
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  // One state folder reused across starts, so they do not pile up in /tmp.
  const stateDir = join(tmpdir(), 'model-studio-start');
  let server;
  try {
    server = await startCodeServer({ stateDir, ...(process.env.PORT ? { port: Number(process.env.PORT) } : {}) });
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  console.log(
    `Model Studio on ${folder}:\n  ${workbenchUrl(server, { folder, extensionDir })}\n(code-server log: ${server.logFile}; Ctrl+C stops)`,
  );
  const shutdown = () => {
    server.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Keep running until a signal: code-server lives in its own process group.
  setInterval(() => {}, 1 << 30);
}
