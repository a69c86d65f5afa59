// `npm run package`: model-studio-<version>.vsix for this platform, made by
// vsce (whose `vscode:prepublish` runs the production build), then its size,
// file count and what dominates it.
//
// One VSIX per platform, as rust-analyzer does: the webgpu backend's Dawn
// binary is about 20 MB per platform and everything else is the same
// everywhere, so this platform's binary is added to the allow-list in
// .vscodeignore for this package only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanEnv } from './codeServer.mjs';

const repo = resolve(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
/** vsce's target names are Node's platform-arch (linux-x64, darwin-arm64, win32-x64, …). */
const target = `${process.platform}-${process.arch}`;
const dawnFolder = process.platform === 'darwin' ? 'darwin-universal' : target;
const out = join(repo, `model-studio-${version}.vsix`);

/** The entries of a zip file from its central directory: name, stored and unpacked size. */
function zipEntries(file) {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      compressed: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

const work = mkdtempSync(join(tmpdir(), 'model-studio-package-'));
try {
  const ignoreFile = join(work, 'vscodeignore');
  writeFileSync(ignoreFile, `${readFileSync(join(repo, '.vscodeignore'), 'utf8')}!node_modules/webgpu/dist/${dawnFolder}/**\n`);
  const vsce = join(repo, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out];
  // A clean environment: vsce runs npm itself (`npm list`, the prepublish build).
  const result = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit', env: cleanEnv() });
  if (result.status !== 0) {
    console.error(`vsce package failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const entries = zipEntries(out).filter((e) => !e.name.endsWith('/'));
const unpacked = entries.reduce((sum, e) => sum + e.size, 0);
console.log(`\n${out}: ${mb(statSync(out).size)} for ${target}, ${entries.length} files, ${mb(unpacked)} unpacked`);
console.log('largest files (packed size):');
for (const e of [...entries].sort((a, b) => b.compressed - a.compressed).slice(0, 8)) {
  console.log(`  ${mb(e.compressed).padStart(9)}  ${e.name}`);
}
