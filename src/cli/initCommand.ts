import { statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { displayPath } from '../data/dataError';
import type { Task } from '../modelFile/modelSpec';
import { NewModelError } from '../modelFile/newModelFile';
import { errorMessage } from '../data/errorMessage';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError, workspaceRootFor } from './commandLine';
import { USAGE } from './usage';
import { json, stderr, stdout } from './output';

// `model-studio init DATA`: a baseline model file for a data file or image folder (New Model from Data… without the editor).

export interface InitOptions {
  readonly data: string;
  readonly labels?: string;
  readonly label?: string;
  readonly task?: Task;
  readonly out?: string;
  readonly json: boolean;
}

/** `init`'s words, checked. Throws UsageError. */
export function parseInitArgs(args: readonly string[]): InitOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        label: { type: 'string' },
        labels: { type: 'string' },
        task: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [data, ...extra] = positionals;
  if (data === undefined) throw new UsageError('init needs a data file (CSV, JSON, JSON Lines, IDX images) or an image folder');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const exists = (p: string): boolean => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  };
  if (!exists(data)) throw new UsageError(`no such data file or folder: ${data}`);
  if (values.labels !== undefined && !exists(values.labels)) throw new UsageError(`no such labels file: ${values.labels}`);
  const task = values.task;
  if (task !== undefined && task !== 'classification' && task !== 'regression') {
    throw new UsageError(`--task must be classification or regression, got "${task}"`);
  }
  if (values.out !== undefined && !/\.model\.(yaml|yml)$/.test(values.out)) {
    throw new UsageError(`--out must name a *.model.yaml file, got "${values.out}"`);
  }
  if (values.out !== undefined && exists(values.out)) {
    throw new UsageError(`${values.out} exists already: init does not overwrite; choose another --out or delete it`);
  }
  return {
    data: path.resolve(data),
    json: values.json === true,
    ...(values.labels === undefined ? {} : { labels: path.resolve(values.labels) }),
    ...(values.label === undefined ? {} : { label: values.label }),
    ...(task === undefined ? {} : { task }),
    ...(values.out === undefined ? {} : { out: path.resolve(values.out) }),
  };
}

export async function initCommand(options: InitOptions): Promise<number> {
  const [{ readDataSample }, { inferData }, { freeModelFile, modelNameFor, writeNewModelFile }] = await Promise.all([
    import('../data/dataSample'),
    import('../data/dataInference'),
    import('../modelFile/newModelFile'),
  ]);
  const sample = await readDataSample(options.data, options.labels);
  const choices = {
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(options.task === undefined ? {} : { task: options.task }),
  };
  let inference = inferData(sample, choices);
  const notes: string[] = [];
  if (!inference.labelObvious && inference.label !== undefined) {
    notes.push(`the label column is not obvious: took the last column "${inference.label}" (name another with --label COLUMN)`);
    inference = inferData(sample, { ...choices, label: inference.label });
  }
  if (!inference.taskObvious) {
    notes.push(
      `"${inference.label}" holds few whole numbers: took them as ${inference.classes?.length} classes (use --task regression to predict the number)`,
    );
  }
  if (!inference.complete) notes.push(`inferred from the first ${inference.rows} rows`);
  const folder = sample.kind === 'images' ? path.dirname(sample.folder) : path.dirname(options.data);
  const modelFile = options.out ?? (await freeModelFile(folder, modelNameFor(sample)));
  const written = await writeNewModelFile({ sample, inference, modelFile, workspaceRoot: workspaceRootFor(modelFile) });
  const classes = inference.classes?.length ?? null;
  if (options.json) {
    for (const message of notes) json({ type: 'note', message });
    json({
      type: 'result',
      modelFile: written.modelFile,
      task: inference.task,
      label: inference.label ?? null,
      classes,
      features: inference.features,
    });
  } else {
    for (const message of notes) stderr(`note: ${message}`);
    const what = inference.task === 'classification' ? `${classes} classes` : 'regression';
    stderr(
      `${inference.label === undefined ? '' : `label "${inference.label}", `}${what}, ${inference.features} feature${inference.features === 1 ? '' : 's'}`,
    );
    stdout(displayPath(written.modelFile));
  }
  return EXIT_OK;
}

/** `init` from its words to its exit status: 2 for bad usage, 1 for data it cannot model (one line naming the file and line). */
export async function runInit(args: readonly string[]): Promise<number> {
  let options: InitOptions;
  try {
    options = parseInitArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`model-studio: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await initCommand(options);
  } catch (error) {
    // The validator's lines, all of them, when the baseline did not validate.
    const message = error instanceof NewModelError ? error.message : errorMessage(error);
    if (options.json) json({ type: 'result', status: 'error', message });
    else stderr(`error: ${message}`);
    return EXIT_ERROR;
  }
}
