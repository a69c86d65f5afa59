import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readJobFolder, type JobFolder } from '../../src/slurm/jobFolder';
import { isPending, refreshJobFolders } from '../../src/slurm/jobStatus';
import { slurmCommand } from '../../src/slurm/slurmCommands';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

// What the Slurm suite shares: the real CLI (dist/cli.js) run as a user runs it, and a
// workspace with the iris sample, small and quick, or slow (one example a batch) where a
// test needs the trainer caught mid-run.

export const repo = path.resolve(__dirname, '..', '..');
export const cliPath = path.join(repo, 'dist', 'cli.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's JSON lines. */
  readonly lines: Record<string, unknown>[];
  /** The last line: {"type":"result",...}. */
  readonly result: Record<string, unknown>;
}

/** Every job the suite's CLI runs submitted, so that a failed test leaves none running on a shared cluster. */
const submitted = new Set<string>();

export async function cancelSubmitted(): Promise<void> {
  for (const jobId of submitted) await slurmCommand('scancel', [jobId]).catch(() => undefined);
}

export function cli(
  workspace: TempWorkspace,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: workspace.root, env });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // As they come: a --wait still following its job has printed its id already.
      for (const [, jobId] of stdout.matchAll(/"jobId":"(\d+)"/g)) submitted.add(jobId as string);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ status, stdout, stderr, lines, result: lines.at(-1) ?? {} });
    });
  });
}

/**
 * The iris sample in a fresh workspace as iris.model.yaml (quick: a second or two of training),
 * and as slow.model.yaml: one example a batch and no early stopping, 0.08–0.3 s an epoch.
 */
export function irisWorkspace(settings?: Record<string, unknown>): TempWorkspace {
  const workspace = tempWorkspace();
  const sample = readFileSync(path.join(repo, 'samples', 'iris.model.yaml'), 'utf8');
  workspace.write('iris.model.yaml', sample);
  const slow = sample.replace('batchSize: 16', 'batchSize: 1').replace(/ {2}earlyStopping:\n(?: {4}.*\n)+/, '');
  if (slow === sample || slow.includes('earlyStopping')) throw new Error('samples/iris.model.yaml changed: update irisWorkspace');
  workspace.write('slow.model.yaml', slow);
  workspace.write('data/iris.csv', readFileSync(path.join(repo, 'samples', 'data', 'iris.csv')));
  if (settings) workspace.write('.vscode/settings.json', JSON.stringify(settings, null, 2));
  return workspace;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value (not undefined), or fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** The folder as the editor sees it after asking the scheduler (refreshJobFolders writes it down). */
export async function refreshed(runDir: string): Promise<JobFolder> {
  const folder = await readJobFolder(runDir);
  if (!folder) throw new Error(`${runDir} holds no job.json`);
  const [now] = await refreshJobFolders([folder]);
  return now ?? folder;
}

/** Follows the folder until its job ended and its run.json is final. */
export function settled(runDir: string, timeoutMs = 120_000): Promise<JobFolder> {
  return waitFor(
    `${runDir} to settle`,
    async () => {
      const folder = await refreshed(runDir);
      return isPending(folder) ? undefined : folder;
    },
    timeoutMs,
  );
}

/** Full epochs in the run's metrics.jsonl so far. */
export function epochRecords(runDir: string): number {
  try {
    return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"batch":null')).length;
  } catch {
    return 0;
  }
}

export async function scontrol(...args: string[]): Promise<void> {
  await slurmCommand('scontrol', args);
}
