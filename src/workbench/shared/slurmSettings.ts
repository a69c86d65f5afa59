import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import type { SlurmOptions } from '../../slurm/slurmOptions';

/**
 * The `modelStudio.slurm.*` settings as SlurmOptions, and whether Slurm is
 * at hand at all (what decides the `☁ Train on Slurm` CodeLens). Pure but
 * for the PATH lookup: the vscode side passes the settings' reader in.
 */

export const SLURM_SECTION = 'modelStudio.slurm';

/** The settings' names under SLURM_SECTION, one per SlurmOptions field. */
export const SLURM_SETTINGS = ['partition', 'account', 'time', 'gpus', 'cpusPerTask', 'memory', 'extraArgs', 'setup', 'node'] as const;

type Setting = (typeof SLURM_SETTINGS)[number];

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A count the user set; 0 (the settings' "unset") and non-numbers leave Slurm's default. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && value !== 0 ? value : undefined;
}

function lines(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const kept = value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  return kept.length > 0 ? kept : undefined;
}

/**
 * SlurmOptions from the settings' values (`get('partition')`…): only what
 * is set, so the cluster's defaults apply to the rest. Values of the wrong
 * type are left out; values Slurm would refuse are kept for
 * slurmOptionsProblem to name.
 */
export function slurmOptionsFrom(get: (setting: Setting) => unknown): SlurmOptions {
  const options: SlurmOptions = {
    partition: text(get('partition')),
    account: text(get('account')),
    time: text(get('time')),
    gpus: count(get('gpus')),
    cpusPerTask: count(get('cpusPerTask')),
    memory: text(get('memory')),
    extraArgs: lines(get('extraArgs')),
    setup: lines(get('setup')),
    node: text(get('node')),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SlurmOptions;
}

/** Whether an executable `command` is in one of PATH's folders (`pathVariable`, as process.env.PATH). */
export function onPath(command: string, pathVariable: string | undefined): boolean {
  const names = process.platform === 'win32' ? [`${command}.exe`, `${command}.cmd`] : [command];
  return (pathVariable ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) =>
      names.some((name) => {
        try {
          accessSync(path.join(dir, name), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
    );
}

/** `☁ Train on Slurm` is offered where the user named a partition or Slurm's sbatch is on PATH. */
export function offersSlurm(partition: unknown, sbatchOnPath: boolean): boolean {
  return text(partition) !== undefined || sbatchOnPath;
}
