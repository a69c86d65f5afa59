import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import type { SweepInfo } from '../protocol/sweepTypes';
import { refreshSlurmSweep } from '../slurm/slurmSweep';
import { resubmitSweep, submitSweep } from '../slurm/submitSweep';
import { readSweep } from '../sweep/sweepFolder';
import { POLL_MS } from '../slurm/followJobs';
import { readSearchSpec } from '../sweep/searchSpec';
import { cliSlurmOptions } from './clusterSettings';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, type Options, type SlurmFlags } from './commandLine';
import { json, stderr, stdout } from './output';
import { printTable, resultTrial, sweepResult, trialLine } from './sweepCommand';

// `sweep FILE --on slurm [--wait]`: the trials as one Slurm job array; with --wait, followed (and pruned) from here.

/** A new sweep as a job array, or (`--resume`) a stopped one's unfinished trials as a new array. */
async function submitted(options: Options, flags: SlurmFlags): Promise<{ dir: string; sweep: SweepInfo }> {
  const target = { options: cliSlurmOptions(options.workspaceRoot, flags), cli: path.resolve(process.argv[1] ?? 'dist/cli.js') };
  if (options.resume !== undefined) {
    const dir = options.resume;
    return { dir, sweep: await resubmitSweep(dir, await refreshSlurmSweep(dir, await readSweep(dir)), target, options.parallel) };
  }
  const spec = await readSearchSpec(options.modelFile, options.workspaceRoot);
  return submitSweep(
    {
      modelFile: options.modelFile,
      workspaceRoot: options.workspaceRoot,
      ...(options.trials === undefined ? {} : { trials: options.trials }),
      ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    },
    spec,
    target,
  );
}

export async function submitSweepCommand(options: Options, flags: SlurmFlags): Promise<number> {
  const { dir, sweep } = await submitted(options, flags);
  const jobId = sweep.executor?.jobId ?? '';
  const runDirs = sweep.trials.map((t) => (t.runDir === undefined ? null : path.join(dir, t.runDir)));
  if (options.json) json({ type: options.wait ? 'submitted' : 'result', status: 'submitted', jobId, dir, runDirs });
  else stdout(`submitted Slurm job array ${jobId} (${sweep.trials.length} trials): ${displayPath(dir)}`);
  if (!options.wait) return EXIT_OK;

  const said = new Map<number, string>();
  const decided = new Set<string>();
  let now: SweepInfo = sweep;
  for (;;) {
    now = await refreshSlurmSweep(dir, now, decided);
    for (const trial of now.trials) {
      const said_ = `${trial.status}:${trial.reason ?? ''}`;
      if (said.get(trial.index) === said_) continue;
      said.set(trial.index, said_);
      if (options.json)
        json({ type: 'trial', ...resultTrial(dir, trial), index: trial.index, ...(trial.reason ? { reason: trial.reason } : {}) });
      else stderr(trialLine(now, trial));
    }
    if (now.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (options.json) json(sweepResult(dir, now));
  else printTable(dir, now);
  return now.status === 'completed' ? EXIT_OK : now.status === 'stopped' ? EXIT_INTERRUPTED : EXIT_ERROR;
}
