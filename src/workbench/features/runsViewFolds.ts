import { listFolds } from '../../runFolder/crossValidation';
import { readIndexedRun, type IndexedRun } from '../../runFolder/runIndex';
import { bestOfSummary } from '../../runFolder/runSummary';
import type { RunNode } from './runsViewNodes';

/** The Runs view's nodes of cross-validated runs' folds; a finished run's are read once. */
export class FoldNodes {
  private readonly cache = new Map<string, { readonly key: string; readonly folds: readonly RunNode[] }>();

  /** The folds of `parent` in fold order; `parentStatus`: what the view shows for the parent (a fold says `running` while it does). */
  async of(modelFile: string, parent: IndexedRun, parentStatus: RunNode['status']): Promise<RunNode[]> {
    const key = parent.run.status === 'running' ? undefined : `${parent.run.status}:${parent.run.endedAt}`;
    const cached = this.cache.get(parent.runDir);
    if (key !== undefined && cached?.key === key) return [...cached.folds];
    const folds = await listFolds(parent.runDir, parent.run.crossValidation?.foldCount ?? 0);
    const nodes = await Promise.all(
      folds.map(async (fold) => ({
        kind: 'run' as const,
        modelFile,
        runDir: fold.runDir,
        run: fold.run,
        // The parent's status says whether its trainer lives.
        status: fold.run.status === 'running' ? parentStatus : fold.run.status,
        best: await readIndexedRun(fold.runDir).then(
          (read) => bestOfSummary(read.epochs),
          () => undefined,
        ),
        fold: fold.fold,
      })),
    );
    if (key !== undefined) this.cache.set(parent.runDir, { key, folds: nodes });
    return nodes;
  }

  /** Forgets the runs no longer listed. */
  keepOnly(live: ReadonlySet<string>): void {
    for (const runDir of this.cache.keys()) if (!live.has(runDir)) this.cache.delete(runDir);
  }
}
