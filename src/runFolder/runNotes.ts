import * as path from 'node:path';
import type { RunEdit } from '../protocol/experimentsMessages';
import type { RunInfo } from '../protocol/runTypes';
import { writeJsonAtomic } from './atomicFile';
import { detectDeadRun, processAlive } from './deadRuns';
import { RUN_FILES } from './runFiles';
import { readRun } from './readRunFolder';

/**
 * What a person adds to a run (its name, notes and tags: run.json's `label`,
 * `notes`, `tags`), kept when the run is resumed or continued.
 */
export function personalFields(run: RunInfo): Pick<RunInfo, 'label' | 'notes' | 'tags'> {
  return {
    ...(run.label !== undefined ? { label: run.label } : {}),
    ...(run.notes !== undefined ? { notes: run.notes } : {}),
    ...(run.tags !== undefined ? { tags: run.tags } : {}),
  };
}

/** run.json with the edit made: an empty name or notes, or no tags, removes the field (the folder's name shows again). */
export function withEdit(run: RunInfo, edit: RunEdit): RunInfo {
  const rest: { -readonly [K in keyof RunInfo]: RunInfo[K] } = { ...run };
  delete rest[edit.field];
  if (edit.field === 'tags') {
    const tags = [...new Set(edit.value.map((t) => t.trim()).filter((t) => t !== ''))];
    return tags.length === 0 ? rest : { ...rest, tags };
  }
  const text = edit.value.trim();
  return text === '' ? rest : { ...rest, [edit.field]: text };
}

/**
 * Writes a person's edits into a run's run.json (one read, one atomic write: edits must not race) and returns the
 * new contents. A run still training is refused: its trainer rewrites
 * run.json from memory every few seconds and would undo the edit
 * (docs/decisions.md "Notes are written only into runs that are not training").
 * A run whose trainer died is not training.
 */
export async function editRun(runDir: string, edits: readonly RunEdit[], now = Date.now(), isAlive = processAlive): Promise<RunInfo> {
  const run = await readRun(runDir);
  if (run.status === 'running' && detectDeadRun(run, now, isAlive) === undefined) {
    throw new Error(`${path.basename(runDir)} is training: its name, notes and tags can be edited once it ends.`);
  }
  const edited = edits.reduce(withEdit, run);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.run), edited);
  return edited;
}
