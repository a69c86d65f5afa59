// What a Slurm job costs over a run here: the same small model trained with
// `train FILE --json` and with `train FILE --on slurm --wait --json`, taking
// turns, several times. Not a test: it prints figures.
//
//   npm run build && node bench/slurm.mjs [--repeats 5] [--epochs 20] [--summary]
//
// Times from starting the CLI: to the submission (sbatch answered; Slurm
// only), to the first epoch record in the run folder's metrics.jsonl (the
// trainer wrote it; read every 20 ms), to the first epoch record on the
// CLI's stdout (what a user sees: --wait reads the run folder every 2 s), and
// to the result line. The cluster is SLURM_CONF's, else a one-node cluster
// started by scripts/slurmCluster.sh for the bench and stopped after it;
// without Slurm it says "skipped" and why, and exits 0. --summary prints one
// line (for bench/all.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    epochs: { type: 'string', default: '20' },
    summary: { type: 'boolean', default: false },
  },
});
const repeats = Number(values.repeats);

function log(line) {
  process.stderr.write(`${line}\n`);
}

function onPath(tool) {
  return spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** SLURM_CONF's cluster, or one started here (its folder, to stop), or why there is none. */
function cluster(env) {
  if (env.SLURM_CONF) return onPath('sbatch') ? {} : { skip: `SLURM_CONF is set but sbatch is not on PATH` };
  const missing = ['slurmctld', 'slurmd', 'munged', 'sbatch'].filter((tool) => !onPath(tool));
  if (missing.length > 0) return { skip: `${missing.join(', ')} not found (Debian's slurm-wlm and munge)` };
  if (spawnSync('pgrep', ['-x', 'slurmctld'], { stdio: 'ignore' }).status === 0) {
    return { skip: 'a slurmctld runs already and only one can: set SLURM_CONF to its slurm.conf' };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'model-studio-bench-slurm-'));
  if (
    spawnSync('bash', [path.join(repoRoot, 'scripts', 'slurmCluster.sh'), 'start', dir], { stdio: ['ignore', 'ignore', 'inherit'] })
      .status !== 0
  ) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: 'the cluster did not start (scripts/slurmCluster.sh)' };
  }
  env.SLURM_CONF = path.join(dir, 'slurm.conf');
  return { dir };
}

function firstEpochInFile(runDir) {
  try {
    return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').includes('"batch":null');
  } catch {
    return false;
  }
}

/** One CLI run; seconds from its start to each mark. */
function timedRun(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    const marks = {};
    let runDir;
    const watch = setInterval(() => {
      if (runDir && marks.fileEpoch === undefined && firstEpochInFile(runDir)) marks.fileEpoch = since();
    }, 20);
    const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    let last;
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const record = JSON.parse(line);
        last = record;
        if (record.type === 'submitted') {
          marks.submitted = since();
          runDir = record.runDir;
        }
        if (record.batch === null && marks.stdoutEpoch === undefined) {
          marks.stdoutEpoch = since();
          // Here the record reaches stdout as the trainer writes it to metrics.jsonl.
          marks.fileEpoch ??= marks.stdoutEpoch;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      marks.result = since();
      if (code !== 0 || last?.type !== 'result' || last.status !== 'completed') {
        reject(new Error(`${args.join(' ')} exited ${code}: ${JSON.stringify(last)}`));
      } else resolve(marks);
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function cell(xs) {
  if (xs.some((x) => x === undefined)) return '–';
  return `${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
}

async function main() {
  const env = { ...process.env };
  const found = cluster(env);
  if (found.skip) {
    console.log(`skipped: ${found.skip}`);
    return;
  }
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'modelstudio-bench-slurm-ws-'));
  try {
    mkdirSync(path.join(workspace, 'data'));
    copyFileSync(path.join(repoRoot, 'samples', 'data', 'iris.csv'), path.join(workspace, 'data', 'iris.csv'));
    writeFileSync(path.join(workspace, 'iris.model.yaml'), readFileSync(path.join(repoRoot, 'samples', 'iris.model.yaml'), 'utf8'));
    const train = ['train', 'iris.model.yaml', '--epochs', values.epochs, '--json'];
    const load = [os.loadavg()[0]];
    const local = [];
    const slurm = [];
    for (let i = 0; i < repeats; i++) {
      log(`round ${i + 1}/${repeats}: here, then on Slurm…`);
      local.push(await timedRun(train, workspace, env));
      slurm.push(await timedRun([...train, '--on', 'slurm', '--wait'], workspace, env));
    }
    load.push(os.loadavg()[0]);
    const column = (runs, mark) => runs.map((r) => r[mark]);
    const overhead = (mark) => (median(column(slurm, mark)) - median(column(local, mark))).toFixed(2);
    if (values.summary) {
      console.log(
        `Slurm (bench/slurm.mjs, iris ${values.epochs} epochs, ${found.dir ? 'a one-node cluster started for it' : "SLURM_CONF's cluster"}, median of ${repeats}): first epoch here ` +
          `${median(column(local, 'fileEpoch')).toFixed(2)} s, on Slurm ${median(column(slurm, 'fileEpoch')).toFixed(2)} s (+${overhead('fileEpoch')} s); ` +
          `result here ${median(column(local, 'result')).toFixed(2)} s, on Slurm ${median(column(slurm, 'result')).toFixed(2)} s (+${overhead('result')} s)`,
      );
      return;
    }
    const sinfo = spawnSync('sinfo', ['-h', '-o', '%P %D %c'], { env, encoding: 'utf8' }).stdout.trim();
    const header = [
      'from the CLI’s start to',
      'here (`train --json`)',
      'on Slurm (`--on slurm --wait --json`)',
      'Slurm’s overhead (medians)',
    ];
    const rows = [
      ['sbatch answered', '–', cell(column(slurm, 'submitted')), '–'],
      [
        'first epoch record in metrics.jsonl',
        cell(column(local, 'fileEpoch')),
        cell(column(slurm, 'fileEpoch')),
        `+${overhead('fileEpoch')} s`,
      ],
      [
        'first epoch record on stdout',
        cell(column(local, 'stdoutEpoch')),
        cell(column(slurm, 'stdoutEpoch')),
        `+${overhead('stdoutEpoch')} s`,
      ],
      ['result line', cell(column(local, 'result')), cell(column(slurm, 'result')), `+${overhead('result')} s`],
    ];
    console.log(
      [
        `iris sample, ${values.epochs} epochs, ${repeats} rounds taking turns (median (min–max)); Slurm: ${sinfo} (partition, nodes, CPUs), ` +
          `${found.dir ? 'started for the bench' : `SLURM_CONF=${env.SLURM_CONF}`}; ${os.cpus().length} cores, Node ${process.version}; ` +
          `load average ${load[0].toFixed(1)} → ${load[1].toFixed(1)}.`,
        '',
        `| ${header.join(' | ')} |`,
        `|---|${header
          .slice(1)
          .map(() => '---:')
          .join('|')}|`,
        ...rows.map((row) => `| ${row.join(' | ')} |`),
      ].join('\n'),
    );
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    if (found.dir) {
      spawnSync('bash', [path.join(repoRoot, 'scripts', 'slurmCluster.sh'), 'stop', found.dir], { stdio: 'ignore' });
      rmSync(found.dir, { recursive: true, force: true });
    }
  }
}

await main();
