import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isRunInfo } from '../protocol/guards';
import { isSweepInfo } from '../protocol/sweepGuards';
import { SWEEP_FILE } from '../sweep/sweepFolder';
import type { BackendChoice } from '../protocol/runTypes';
import type { Quantization } from '../protocol/exportTypes';
import type { ExplainMethod } from '../protocol/explainTypes';
import { UsageError } from './usageError';
import { methodOption, rowsOption } from './explainOptions';
import { backendOption, countOption, quantizeOption, threadsOption } from './optionValues';
import { modelFileOfRun } from '../runFolder/runSummary';
import { RUN_FILES } from '../runFolder/runFiles';

// The command line's words: exit codes and options, parsed and checked (the help text is usage.ts).

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export { UsageError } from './usageError';

const COMMANDS = ['train', 'info', 'validate', 'evaluate', 'predict', 'export', 'sweep', 'runs', 'explain'] as const;
export type Command = (typeof COMMANDS)[number];

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

export interface Options {
  /** The model file; predict: the run folder; runs: the folder to list. */
  readonly modelFile: string;
  readonly workspaceRoot: string;
  readonly json: boolean;
  readonly epochs?: number;
  readonly backend?: BackendChoice;
  /** train, sweep: `--threads N`, each trainer's wasm threads; absent: automatic (protocol/threads.ts). */
  readonly threads?: number;
  readonly out?: string;
  /** export: store the weights quantized. */
  readonly quantize?: Quantization;
  /** explain: the method and the examples (0-based positions among the evaluated ones). */
  readonly method?: ExplainMethod;
  readonly rows?: readonly number[];
  /** evaluate, explain: another data file; predict: the examples to predict. */
  readonly data?: string;
  readonly input?: string;
  /** train --resume: the stopped run folder to continue; sweep --resume: the sweep folder. */
  readonly resume?: string;
  /** train --continue: the finished or stopped run a new run starts from (Continue with Changes). */
  readonly continueFrom?: string;
  /** sweep: trials and trainer processes at once, instead of the search block's. */
  readonly trials?: number;
  readonly parallel?: number;
  /** --on slurm: submit instead of training here, with these settings over the workspace's. */
  readonly slurm?: SlurmFlags;
  /** --on slurm --wait: follow the jobs to their end. */
  readonly wait?: boolean;
  /** train --job <run-dir>: what a Slurm job runs: train the run folder prepared at submission (its job.json). */
  readonly job?: string;
}

export interface SlurmFlags {
  readonly partition?: string;
  readonly time?: string;
  readonly gpus?: number;
}

/** The workspace is the working directory when the model file is inside it, else the model file's folder. */
export function workspaceRootFor(modelFile: string): string {
  const cwd = process.cwd();
  const relative = path.relative(cwd, modelFile);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? cwd : path.dirname(modelFile);
}

/** `sweep --resume <sweep-dir>`: the model file is the sweep's. */
function parseSweepResume(
  positional: string | undefined,
  values: {
    resume?: string;
    backend?: string;
    threads?: string;
    json?: boolean;
    parallel?: string;
    trials?: string;
    epochs?: string;
    out?: string;
    data?: string;
    input?: string;
    quantize?: string;
    method?: string;
    rows?: string;
  },
): { command: Command; options: Options } {
  if (positional !== undefined) throw new UsageError(`sweep --resume takes the sweep folder only, not "${positional}"`);
  const extra = (['epochs', 'out', 'data', 'input', 'quantize', 'method', 'rows'] as const).find((name) => values[name] !== undefined);
  if (extra) throw new UsageError(`--${extra} is not an option of sweep`);
  const sweepDir = path.resolve(values.resume ?? '');
  let sweep: unknown;
  try {
    sweep = JSON.parse(readFileSync(path.join(sweepDir, SWEEP_FILE), 'utf8'));
  } catch {
    throw new UsageError(`no sweep folder (with a sweep.json) at ${values.resume}`);
  }
  if (!isSweepInfo(sweep)) throw new UsageError(`${path.join(sweepDir, SWEEP_FILE)} is not a sweep.json written by Model Studio`);
  const backend = backendOption(values.backend);
  const threads = threadsOption(values.threads);
  const trials = countOption('trials', values.trials);
  const parallel = countOption('parallel', values.parallel);
  return {
    command: 'sweep',
    options: {
      modelFile: sweep.modelFile,
      workspaceRoot: workspaceRootFor(sweep.modelFile),
      json: values.json === true,
      resume: sweepDir,
      ...(backend === undefined ? {} : { backend }),
      ...(threads === undefined ? {} : { threads }),
      ...(trials === undefined ? {} : { trials }),
      ...(parallel === undefined ? {} : { parallel }),
    },
  };
}

/**
 * `train --resume <run-dir>`: the model file is the run's (where its data
 * paths resolve from); the spec is its snapshot, the epochs its plan.
 */
function parseResume(
  command: Command,
  positional: string | undefined,
  values: {
    resume?: string;
    epochs?: string;
    out?: string;
    backend?: string;
    threads?: string;
    json?: boolean;
    data?: string;
    input?: string;
    quantize?: string;
    method?: string;
    rows?: string;
  },
): { command: Command; options: Options } {
  if (command !== 'train') throw new UsageError('--resume is an option of train and sweep only');
  if (positional !== undefined)
    throw new UsageError(`train --resume takes the run folder only, not "${positional}" (the model file is the run's)`);
  const extra = (['epochs', 'out', 'data', 'input', 'quantize', 'method', 'rows'] as const).find((name) => values[name] !== undefined);
  if (extra) throw new UsageError(`--${extra} cannot be combined with --resume: a resumed run keeps its folder and its planned epochs`);
  const runDir = path.resolve(values.resume ?? '');
  let run: unknown;
  try {
    run = JSON.parse(readFileSync(path.join(runDir, RUN_FILES.run), 'utf8'));
  } catch {
    throw new UsageError(`no run folder (with a run.json) at ${values.resume}`);
  }
  if (!isRunInfo(run)) throw new UsageError(`${path.join(runDir, RUN_FILES.run)} is not a run.json written by Model Studio`);
  const backend = backendOption(values.backend);
  const threads = threadsOption(values.threads);
  const modelFile = modelFileOfRun({ runDir, run });
  return {
    command,
    options: {
      modelFile,
      workspaceRoot: workspaceRootFor(modelFile),
      json: values.json === true,
      resume: runDir,
      ...(backend === undefined ? {} : { backend }),
      ...(threads === undefined ? {} : { threads }),
    },
  };
}

export function parseCommandLine(args: readonly string[]): { command: Command; options: Options } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        epochs: { type: 'string' },
        backend: { type: 'string' },
        threads: { type: 'string' },
        out: { type: 'string' },
        quantize: { type: 'string' },
        data: { type: 'string' },
        input: { type: 'string' },
        resume: { type: 'string' },
        continue: { type: 'string' },
        trials: { type: 'string' },
        parallel: { type: 'string' },
        on: { type: 'string' },
        partition: { type: 'string' },
        time: { type: 'string' },
        gpus: { type: 'string' },
        wait: { type: 'boolean', default: false },
        job: { type: 'string' },
        json: { type: 'boolean', default: false },
        method: { type: 'string' },
        rows: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, file, ...extra] = positionals;
  if (command === undefined) {
    throw new UsageError('no command given');
  }
  if (!isCommand(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  const slurm = slurmFlags(command, values);
  if (slurm && values.threads !== undefined)
    throw new UsageError('--threads cannot be combined with --on slurm: a job trains with the cores Slurm gives it (cpusPerTask)');
  if (values.job !== undefined) return parseJob(command, file ?? extra[0], values);
  if (values.resume !== undefined && command === 'sweep') {
    const resume = parseSweepResume(file ?? extra[0], values);
    return slurm ? { ...resume, options: { ...resume.options, slurm, wait: values.wait === true } } : resume;
  }
  if (values.continue !== undefined && (command !== 'train' || values.resume !== undefined || values.out !== undefined || slurm)) {
    throw new UsageError(
      command !== 'train'
        ? '--continue is an option of train only'
        : '--continue cannot be combined with --resume, --out or --on slurm: the new run goes next to the run it continues',
    );
  }
  if (values.resume !== undefined) {
    const resume = parseResume(command, file ?? extra[0], values);
    return slurm ? { ...resume, options: { ...resume.options, slurm, wait: values.wait === true } } : resume;
  }
  if (command === 'runs') return parseRuns(file, extra, values);
  if (file === undefined) {
    throw new UsageError(
      `${command} needs ${command === 'predict' ? 'a run folder' : command === 'evaluate' || command === 'export' || command === 'explain' ? 'a model file or a run folder' : 'a model file'}`,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  const allowed: Readonly<Record<Command, readonly string[]>> = {
    train: ['epochs', 'backend', 'threads', 'out'],
    info: [],
    validate: [],
    evaluate: ['data', 'backend'],
    predict: ['input', 'backend'],
    export: ['out', 'backend', 'quantize'],
    sweep: ['trials', 'parallel', 'backend', 'threads'],
    runs: [],
    explain: ['method', 'rows', 'data', 'backend'],
  };
  const misplaced = (
    ['epochs', 'backend', 'threads', 'out', 'quantize', 'data', 'input', 'trials', 'parallel', 'method', 'rows'] as const
  ).find((name) => values[name] !== undefined && !allowed[command].includes(name));
  if (misplaced) {
    const owners = COMMANDS.filter((c) => allowed[c].includes(misplaced));
    throw new UsageError(`--${misplaced} is an option of ${owners.join(' and ')} only`);
  }
  if (command === 'predict' && values.input === undefined) throw new UsageError('predict needs --input FILE');
  if (command === 'export' && values.out === undefined) throw new UsageError('export needs --out DIR');
  const modelFile = path.resolve(file);
  let kind: 'file' | 'folder' | undefined;
  try {
    const stat = statSync(modelFile);
    kind = stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : undefined;
  } catch {
    // reported below
  }
  const takesRunDir = command === 'evaluate' || command === 'predict' || command === 'export' || command === 'explain';
  const takesModelFile = command !== 'predict';
  if (!(kind === 'file' && takesModelFile) && !(kind === 'folder' && takesRunDir)) {
    throw new UsageError(
      command === 'predict'
        ? `no such run folder: ${file}`
        : takesRunDir
          ? `no such model file or run folder: ${file}`
          : `no such model file: ${file}`,
    );
  }

  const epochs = countOption('epochs', values.epochs);
  const backend = backendOption(values.backend);
  const threads = threadsOption(values.threads);
  const quantize = quantizeOption(values.quantize);
  const trials = countOption('trials', values.trials);
  const parallel = countOption('parallel', values.parallel);
  const method = methodOption(values.method);
  const rows = rowsOption(values.rows);
  return {
    command,
    options: {
      modelFile,
      workspaceRoot: workspaceRootFor(modelFile),
      json: values.json === true,
      ...(epochs === undefined ? {} : { epochs }),
      ...(trials === undefined ? {} : { trials }),
      ...(parallel === undefined ? {} : { parallel }),
      ...(backend === undefined ? {} : { backend }),
      ...(threads === undefined ? {} : { threads }),
      ...(values.out === undefined ? {} : { out: path.resolve(values.out) }),
      ...(quantize === undefined ? {} : { quantize }),
      ...(values.continue === undefined ? {} : { continueFrom: continueDir(values.continue) }),
      ...(values.data === undefined ? {} : { data: path.resolve(values.data) }),
      ...(values.input === undefined ? {} : { input: path.resolve(values.input) }),
      ...(method === undefined ? {} : { method }),
      ...(rows === undefined ? {} : { rows }),
      ...(slurm ? { slurm, wait: values.wait === true } : {}),
    },
  };
}

/** `runs [FOLDER]`: the folder (default the working directory) and --json only. */
function parseRuns(
  folder: string | undefined,
  extra: readonly string[],
  values: Readonly<Record<string, string | boolean | undefined>>,
): { command: Command; options: Options } {
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const other = Object.keys(values).find((name) => name !== 'json' && values[name] !== undefined && values[name] !== false);
  if (other) throw new UsageError(`--${other} is not an option of runs`);
  const dir = path.resolve(folder ?? '.');
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) throw new UsageError(`no such folder: ${folder}`);
  return { command: 'runs', options: { modelFile: dir, workspaceRoot: dir, json: values.json === true } };
}

/** `--continue DIR`: a folder with a run.json (the trainer says why a run cannot be continued). */
function continueDir(value: string): string {
  const runDir = path.resolve(value);
  try {
    statSync(path.join(runDir, RUN_FILES.run));
  } catch {
    throw new UsageError(`no run folder (with a run.json) at ${value}`);
  }
  return runDir;
}

/** `--on slurm` and its flags, checked: undefined for a run on this machine. */
function slurmFlags(
  command: Command,
  values: { on?: string; partition?: string; time?: string; gpus?: string; wait?: boolean },
): SlurmFlags | undefined {
  if (values.on !== undefined && values.on !== 'slurm' && values.on !== 'local') {
    throw new UsageError(`--on must be slurm or local, got "${values.on}"`);
  }
  const onSlurm = values.on === 'slurm';
  const flag = (['partition', 'time', 'gpus', 'wait'] as const).find((name) => values[name] !== undefined && values[name] !== false);
  if (!onSlurm) {
    if (flag) throw new UsageError(`--${flag} is an option of --on slurm only`);
    return undefined;
  }
  if (command !== 'train' && command !== 'sweep') throw new UsageError('--on slurm is an option of train and sweep only');
  let gpus: number | undefined;
  if (values.gpus !== undefined) {
    gpus = Number(values.gpus);
    if (!Number.isInteger(gpus) || gpus < 0) throw new UsageError(`--gpus must be a whole number, got "${values.gpus}"`);
  }
  return {
    ...(values.partition === undefined ? {} : { partition: values.partition }),
    ...(values.time === undefined ? {} : { time: values.time }),
    ...(gpus === undefined ? {} : { gpus }),
  };
}

/** `train --job <run-dir>`: the run folder a Slurm job trains, prepared by `--on slurm`. */
function parseJob(
  command: Command,
  positional: string | undefined,
  values: { job?: string; json?: boolean; threads?: string },
): { command: Command; options: Options } {
  if (command !== 'train') throw new UsageError('--job is an option of train only');
  if (positional !== undefined) throw new UsageError(`train --job takes the run folder only, not "${positional}"`);
  const runDir = path.resolve(values.job ?? '');
  const threads = threadsOption(values.threads);
  return {
    command,
    options: {
      modelFile: '',
      workspaceRoot: runDir,
      json: values.json === true,
      job: runDir,
      ...(threads === undefined ? {} : { threads }),
    },
  };
}
