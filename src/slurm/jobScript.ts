import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sbatchOptions, type SlurmOptions } from './slurmOptions';

/**
 * The batch script of a Slurm job (`job.sh`, kept in the folder it trains
 * into so a user can read or resubmit it). It checks on the compute node
 * what a user would otherwise meet as an engine error — Node missing or too
 * old, the workspace not visible — and says so on stderr with the prefix
 * JOB_ERROR_PREFIX, which the editor and the CLI show as the run's error;
 * then it replaces itself with `model-studio train --job <run folder>`, so
 * the signals Slurm sends the batch step (Stop, the time limit) reach the
 * trainer, which saves a checkpoint and ends the run `stopped`.
 */

export const JOB_SCRIPT = 'job.sh';
/** The job's output (the trainer's summary) and errors with its progress (a line per epoch, one every 10 s within one), in the run folder. */
export const JOB_OUTPUT = 'job.out';
export const JOB_ERRORS = 'job.err';
export const JOB_ERROR_PREFIX = 'model-studio: ';
/** The oldest Node the trainer runs on (package.json's engines). */
export const MIN_NODE = [20, 19] as const;

export interface JobScriptInput {
  readonly name: string;
  readonly options: SlurmOptions;
  /** The model-studio CLI (dist/cli.js) that runs on the compute node. */
  readonly cli: string;
  readonly modelFile: string;
  /** The folder trained into; for a job array, one per task (task i trains runDirs[i]). */
  readonly runDirs: readonly string[];
  /** Where Slurm writes the job's output: the run folder, or the sweep folder for an array. */
  readonly outputDir: string;
  readonly array: boolean;
}

/** A word for bash, quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function jobScript(input: JobScriptInput): string {
  const { options, cli, modelFile, runDirs, outputDir, array } = input;
  const q = shellQuote;
  // An array's tasks redirect into their own run folders once they know them (below).
  const [output, errors] = array
    ? [`${outputDir}/slurm-%A_%a.out`, `${outputDir}/slurm-%A_%a.err`]
    : [`${outputDir}/${JOB_OUTPUT}`, `${outputDir}/${JOB_ERRORS}`];
  const sbatch = [
    `--job-name=${input.name.replace(/[^\w.-]+/g, '-')}`,
    `--output=${q(output)}`,
    `--error=${q(errors)}`,
    ...sbatchOptions(options),
  ];
  const node = options.node?.trim() || 'node';
  const fail = (message: string): string => `fail ${message}`;
  return [
    '#!/bin/bash',
    ...sbatch.map((option) => `#SBATCH ${option}`),
    `# Model Studio: trains ${modelFile}`,
    array ? `# one task per sweep trial; task i trains the i-th folder below` : `# into this folder.`,
    '',
    `fail() { echo "${JOB_ERROR_PREFIX}$*" >&2; exit 3; }`,
    ...(array
      ? [
          `run_dirs=(${runDirs.map(q).join(' ')})`,
          'run_dir="${run_dirs[$SLURM_ARRAY_TASK_ID]}"',
          `exec >>"$run_dir/${JOB_OUTPUT}" 2>>"$run_dir/${JOB_ERRORS}" || exit 3`,
        ]
      : [`run_dir=${q(runDirs[0] ?? outputDir)}`]),
    ...(options.setup && options.setup.length > 0 ? ['', '# modelStudio.slurm.setup', ...options.setup, ''] : []),
    `node_bin=${q(node)}`,
    `command -v "$node_bin" >/dev/null 2>&1 || ${fail(
      `"Node.js ($node_bin) was not found on $(hostname): set modelStudio.slurm.node, or load it in modelStudio.slurm.setup (e.g. module load nodejs)"`,
    )}`,
    `"$node_bin" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > ${MIN_NODE[0]} || (a === ${MIN_NODE[0]} && b >= ${MIN_NODE[1]}) ? 0 : 1)' 2>/dev/null || ${fail(
      `"Node.js $("$node_bin" --version 2>/dev/null) on $(hostname) is too old: Model Studio needs ${MIN_NODE.join('.')} or later (modelStudio.slurm.node, modelStudio.slurm.setup)"`,
    )}`,
    `[ -r ${q(modelFile)} ] || ${fail(
      `"the model file ${modelFile.replace(/"/g, '')} cannot be read on $(hostname): the workspace must be on a filesystem the compute nodes share (home or project space)"`,
    )}`,
    `[ -r ${q(cli)} ] || ${fail(`"Model Studio (${cli.replace(/"/g, '')}) cannot be read on $(hostname): it must be on a filesystem the compute nodes share"`)}`,
    `exec "$node_bin" ${q(cli)} train --job "$run_dir"`,
    '',
  ].join('\n');
}

/** Writes the job's script as `<outputDir>/job.sh`, executable, and returns its path. */
export async function writeJobScript(input: JobScriptInput): Promise<string> {
  const script = path.join(input.outputDir, JOB_SCRIPT);
  await fs.writeFile(script, jobScript(input), { mode: 0o755 });
  return script;
}
