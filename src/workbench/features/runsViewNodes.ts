import type { RunStatus } from '../../protocol/runTypes';
import type { TrialInfo } from '../../protocol/sweepTypes';
import type { RunEntry } from '../../runFolder/readRunFolder';
import { FLAT_RUNS, groupByDay, page } from '../../runFolder/runGroups';
import type { BestMetric } from '../../runFolder/runSummary';
import type { JobFolder } from '../../slurm/jobFolder';
import type { JobNode } from './slurmNodes';
import type { SweepNode } from './sweepNodes';

/**
 * A node of the Runs view: a model file, one of its sweeps, a Slurm job not
 * started yet, or a run (of the file, or a sweep's trial). A file with many
 * runs lists them by day, each day a page at a time with a "show more" node.
 */
export type RunsNode = ModelNode | SweepNode | JobNode | RunNode | DayNode | MoreNode;

export interface ModelNode {
  readonly kind: 'model';
  readonly modelFile: string;
  readonly runs: readonly RunNode[];
  /** The runs by day when there are more than FLAT_RUNS. */
  readonly days?: readonly DayNode[];
  readonly sweeps: readonly SweepNode[];
  readonly jobs: readonly JobNode[];
}

export interface DayNode {
  readonly kind: 'day';
  readonly modelFile: string;
  readonly day: string;
  readonly label: string;
  readonly runs: readonly RunNode[];
  /** The newest day opens expanded. */
  readonly newest: boolean;
}

export interface MoreNode {
  readonly kind: 'more';
  readonly modelFile: string;
  readonly day: string;
  readonly hidden: number;
}

export interface RunNode {
  readonly kind: 'run';
  readonly modelFile: string;
  readonly runDir: string;
  readonly run: RunEntry['run'];
  /** What the view shows: `running` only while a trainer process is alive. */
  readonly status: RunStatus | 'interrupted';
  readonly best: BestMetric | undefined;
  /** A cross-validated run's folds (children in the view); a fold's 1-based index. */
  readonly folds?: readonly RunNode[];
  readonly fold?: number;
  /** The sweep trial this run is. */
  readonly trial?: TrialInfo;
  /** The Slurm job that trains it. */
  readonly slurm?: JobFolder;
}

export function isRunNode(value: unknown): value is RunNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'run' &&
    typeof (value as { runDir?: unknown }).runDir === 'string'
  );
}

/** A model file's node: its sweeps, its Slurm jobs not started yet, and its runs (newest first), by day when there are many. */
export function modelNode(
  modelFile: string,
  runs: readonly RunNode[],
  sweeps: readonly SweepNode[],
  jobs: readonly JobNode[],
  now: number,
): ModelNode {
  const days =
    runs.length <= FLAT_RUNS
      ? undefined
      : groupByDay(runs, (run) => run.run.startedAt, now).map((group, i): DayNode => ({
          kind: 'day',
          modelFile,
          day: group.day,
          label: group.label,
          runs: group.runs,
          newest: i === 0,
        }));
  return {
    kind: 'model',
    modelFile,
    runs,
    ...(days ? { days } : {}),
    sweeps: sweeps.filter((s) => s.modelFile === modelFile).sort((a, b) => b.sweep.startedAt.localeCompare(a.sweep.startedAt)),
    jobs: jobs.filter((j) => j.modelFile === modelFile),
  };
}

/** A day's key among the view's pages: its model file and date. */
export function dayKey(node: DayNode): string {
  return `${node.modelFile}\n${node.day}`;
}

/** A day's first `shown` runs, then "show more" if there are others. */
export function dayChildren(node: DayNode, shown: number): (RunNode | MoreNode)[] {
  const first = page(node.runs, shown);
  const more: MoreNode[] = first.hidden > 0 ? [{ kind: 'more', modelFile: node.modelFile, day: node.day, hidden: first.hidden }] : [];
  return [...first.runs, ...more];
}
