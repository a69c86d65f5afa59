import { displayPath } from '../data/dataError';
import { readRunRows } from '../runFolder/runIndex';
import { EXIT_OK, type Options } from './commandLine';
import { json, stderr, stdout } from './output';
import { runsTable } from './runsTable';

/**
 * `model-studio runs [FOLDER] [--json]`: every run under the folder, as the
 * Runs view finds them (each model file's runs and its sweeps' trials),
 * newest first, read through the runs index.
 */
export async function runsCommand(options: Options): Promise<number> {
  const rows = await readRunRows(options.modelFile);
  if (options.json) {
    // One write for thousands of lines, rather than a write per run.
    if (rows.length > 0) stdout(rows.map((row) => `{"type":"run",${JSON.stringify(row).slice(1)}`).join('\n'));
    json({ type: 'result', count: rows.length });
    return EXIT_OK;
  }
  if (rows.length === 0) {
    stderr(`no runs under ${displayPath(options.modelFile)}`);
    return EXIT_OK;
  }
  const { lines, hiddenParams } = runsTable(rows);
  for (const line of lines) stdout(line);
  const more = hiddenParams > 0 ? `; ${hiddenParams} more differing hyperparameters in --json` : '';
  stderr(`${rows.length} run${rows.length === 1 ? '' : 's'}${more}`);
  return EXIT_OK;
}
