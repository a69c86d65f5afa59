// The Slurm suite (test/slurm/*.test.ts): the CLI and the Slurm core against
// a real scheduler, nothing mocked.
//   npm run test:slurm
// The cluster is the one SLURM_CONF names when set; else this starts one with
// scripts/slurmCluster.sh in a temp folder and stops it at the end, whatever
// happened. Only one slurmctld can run on a machine (port 6817), so with one
// running already set SLURM_CONF to its slurm.conf. Without Slurm installed
// (Debian's slurm-wlm and munge; CI installs them) the suite says SKIP and why,
// and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function onPath(tool) {
  return spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

function skip(why) {
  console.log(`SKIP test:slurm: ${why}`);
  process.exit(0);
}

const env = { ...process.env };
let clusterDir;
if (env.SLURM_CONF) {
  if (!onPath('sbatch')) skip(`SLURM_CONF is set (${env.SLURM_CONF}) but sbatch is not on PATH`);
  console.log(`test:slurm: the cluster of SLURM_CONF=${env.SLURM_CONF}`);
} else {
  const missing = ['slurmctld', 'slurmd', 'munged', 'sbatch'].filter((tool) => !onPath(tool));
  if (missing.length > 0) skip(`${missing.join(', ')} not found (install Debian's slurm-wlm and munge to run it)`);
  if (spawnSync('pgrep', ['-x', '-r', 'R,S,D', 'slurmctld'], { stdio: 'ignore' }).status === 0) {
    console.error('test:slurm: a slurmctld runs already and only one can: set SLURM_CONF to its slurm.conf');
    process.exit(1);
  }
  clusterDir = mkdtempSync(path.join(os.tmpdir(), 'model-studio-slurm-'));
  const started = spawnSync('bash', [path.join(repo, 'scripts', 'slurmCluster.sh'), 'start', clusterDir], { stdio: 'inherit' });
  if (started.status !== 0) {
    rmSync(clusterDir, { recursive: true, force: true, maxRetries: 5 });
    console.error('test:slurm: the cluster did not start');
    process.exit(1);
  }
  env.SLURM_CONF = path.join(clusterDir, 'slurm.conf');
}

// The jobs run dist/cli.js: build it as it is now.
if (spawnSync(process.execPath, [path.join(repo, 'esbuild.mjs')], { cwd: repo, stdio: 'inherit' }).status !== 0) {
  stopCluster();
  process.exit(1);
}

function stopCluster() {
  if (!clusterDir) return;
  spawnSync('scancel', ['--user', os.userInfo().username], { env, stdio: 'ignore' });
  spawnSync('bash', [path.join(repo, 'scripts', 'slurmCluster.sh'), 'stop', clusterDir], { stdio: 'inherit' });
  rmSync(clusterDir, { recursive: true, force: true, maxRetries: 5 });
  clusterDir = undefined;
}

const mocha = spawn(
  process.execPath,
  [
    path.join(repo, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--no-config',
    '--node-option',
    'import=tsx',
    '--timeout',
    '240000',
    '--reporter',
    'spec',
    'test/slurm/*.test.ts',
    // e.g. npm run test:slurm -- --grep Stop
    ...process.argv.slice(2),
  ],
  { cwd: repo, env, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    mocha.kill(signal);
  });
}
mocha.on('exit', (code, signal) => {
  stopCluster();
  process.exit(code ?? (signal ? 1 : 0));
});
