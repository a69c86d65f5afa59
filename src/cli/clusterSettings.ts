import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import type { SlurmOptions } from '../slurm/slurmOptions';
import type { SlurmFlags } from './commandLine';

/**
 * The CLI's Slurm settings: the workspace's `.vscode/settings.json`
 * (`modelStudio.slurm.*`, as the editor reads them), then the flags over
 * them, so `train --on slurm` in a terminal submits what ▶ Train on Slurm would.
 */

const PREFIX = 'modelStudio.slurm.';

function settingsOf(workspaceRoot: string): Record<string, unknown> {
  try {
    const value: unknown = parse(readFileSync(path.join(workspaceRoot, '.vscode', 'settings.json'), 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split('\n').filter((line) => line.trim() !== '');
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export function cliSlurmOptions(workspaceRoot: string, flags: SlurmFlags): SlurmOptions {
  const settings = settingsOf(workspaceRoot);
  const text = (key: string): string | undefined => {
    const value = settings[PREFIX + key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const count = (key: string): number | undefined => {
    const value = settings[PREFIX + key];
    return typeof value === 'number' && value > 0 ? value : undefined;
  };
  const options: SlurmOptions = {
    partition: flags.partition ?? text('partition'),
    account: text('account'),
    time: flags.time ?? text('time'),
    gpus: flags.gpus ?? count('gpus'),
    cpusPerTask: count('cpusPerTask'),
    memory: text('memory'),
    extraArgs: stringList(settings[PREFIX + 'extraArgs']),
    setup: stringList(settings[PREFIX + 'setup']),
    node: text('node'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SlurmOptions;
}
