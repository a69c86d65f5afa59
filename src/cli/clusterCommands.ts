import * as path from 'node:path';
import type { MetricRecord } from '../protocol/runTypes';
import type { SlurmExecutor } from '../protocol/slurmTypes';
import type { TrainRequest } from '../protocol/trainerMessages';
import { readMetrics, readRun, runsDirFor } from '../runFolder/readRunFolder';
import { whyNotResumable } from '../runFolder/resume';
import { followJobs } from '../slurm/followJobs';
import { readJob, writeJob, type JobFolder } from '../slurm/jobFolder';
import { resubmitRun, submitRun } from '../slurm/submit';
import { cliSlurmOptions } from './clusterSettings';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, type Options, type SlurmFlags } from './commandLine';
import { formatMetrics, json, printSummary, stderr, stdout } from './output';
import { trainHere } from './trainCommand';

// `train --on slurm` (submit, and with --wait follow) and `train --job` (what the job runs on the compute node).

/** This CLI's own file: the job runs the same build on the compute node. */
function thisCli(): string {
  return path.resolve(process.argv[1] ?? 'dist/cli.js');
}

/** The model's name, from a model file that validates (its first problem otherwise, as `validate` prints it). */
async function validatedName(options: Options): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { formatDiagnostic, validateModelFile } = await import('../modelFile/validateModelFile');
  const text = await readFile(options.modelFile, 'utf8');
  const { spec, diagnostics } = await validateModelFile(options.modelFile, text, { workspaceRoot: options.workspaceRoot });
  const first = diagnostics.find((d) => d.severity === 'error');
  if (!spec || first) throw new Error(first ? formatDiagnostic(first) : `${options.modelFile} is not a valid model file`);
  return spec.name;
}

export async function submitTrainCommand(options: Options, flags: SlurmFlags): Promise<number> {
  const target = { options: cliSlurmOptions(options.workspaceRoot, flags), cli: thisCli() };
  const folder =
    options.resume !== undefined
      ? await resubmitRun(options.resume, target)
      : await submitRun(
          {
            modelFile: options.modelFile,
            workspaceRoot: options.workspaceRoot,
            runsDir: options.out ?? runsDirFor(options.modelFile),
            ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
            ...(options.backend === undefined ? {} : { backend: options.backend }),
          },
          await validatedName(options),
          target,
        );
  const jobId = folder.job.jobId ?? '';
  if (!options.wait) {
    if (options.json) json({ type: 'result', status: 'submitted', jobId, runDir: folder.runDir });
    else stdout(`submitted Slurm job ${jobId}: ${folder.runDir}`);
    return EXIT_OK;
  }
  if (options.json) json({ type: 'submitted', jobId, runDir: folder.runDir });
  else stdout(`submitted Slurm job ${jobId}: ${folder.runDir}`);
  return waitForRun(folder.runDir, options);
}

/** Follows one Slurm run to its end: its states and epochs as they come, then train's summary or result line. */
async function waitForRun(runDir: string, options: Options): Promise<number> {
  let printed = 0;
  let records: MetricRecord[] = [];
  const [ended] = await followJobs([runDir], {
    onChange: (_folder, label) => (options.json ? json({ type: 'slurm', state: label }) : stdout(`slurm: ${label}`)),
    onPoll: async ([folder]) => {
      if (!folder?.run) return;
      records = await readMetrics(runDir).catch(() => records);
      const epochs = records.filter((r) => r.batch === null);
      for (const record of epochs.slice(printed)) {
        if (options.json) json(record);
        else stdout(`epoch ${record.epoch}: ${formatMetrics(record)}`);
      }
      printed = epochs.length;
    },
  });
  return endOf(ended, records, options);
}

function endOf(folder: JobFolder | undefined, records: readonly MetricRecord[], options: Options): number {
  const run = folder?.run;
  if (!folder || !run) {
    const message = folder?.job.message ?? 'the Slurm job ended before the trainer started';
    if (options.json) json({ type: 'result', status: 'error', message, ...(folder ? { runDir: folder.runDir } : {}) });
    else stderr(`error: ${message}`);
    return EXIT_ERROR;
  }
  if (options.json) json({ type: 'result', status: run.status, runDir: folder.runDir, run });
  else {
    if (run.error) stderr(`error: ${run.error.message}`);
    printSummary(folder.runDir, run, records);
  }
  return run.status === 'completed' ? EXIT_OK : run.status === 'stopped' ? EXIT_INTERRUPTED : EXIT_ERROR;
}

/** run.json's `executor` from the variables Slurm sets in a job's environment. */
export function executorFromEnv(env: NodeJS.ProcessEnv): SlurmExecutor | undefined {
  const jobId = env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID;
  if (!jobId) return undefined;
  const task = env.SLURM_ARRAY_TASK_ID;
  const node = env.SLURMD_NODENAME ?? env.SLURM_NODELIST;
  return {
    type: 'slurm',
    jobId,
    ...(task !== undefined && /^\d+$/.test(task) ? { arrayTaskId: Number(task) } : {}),
    ...(node ? { node } : {}),
  };
}

/**
 * `train --job <run-dir>`: trains the folder's job.json request here (on
 * the compute node). A job Slurm requeued (preemption with --requeue)
 * finds its run stopped and resumes it from the last checkpoint.
 */
export async function jobCommand(options: Options, runDir: string): Promise<number> {
  const job = await readJob(runDir);
  if (!job) {
    stderr(`error: ${runDir} holds no job.json written by Model Studio`);
    return EXIT_ERROR;
  }
  const executor = executorFromEnv(process.env);
  let request: TrainRequest = { ...job.request, runDir, ...(executor ? { executor } : {}) };
  const existing = await readRun(runDir).catch(() => undefined);
  if (existing && request.resumeRunDir === undefined) {
    if (existing.status === 'completed') {
      stdout(`${runDir}: the run completed already`);
      return EXIT_OK;
    }
    const why = whyNotResumable(existing);
    if (why) {
      stderr(`error: ${runDir}: cannot continue run ${existing.id}: ${why}`);
      return EXIT_ERROR;
    }
    const { epochs: _planned, ...rest } = request;
    request = { ...rest, resumeRunDir: runDir };
  }
  const workspaceOptions: Options = { ...options, modelFile: request.modelFile, workspaceRoot: request.workspaceRoot };
  // The job's own words for what stopped it before training: the follower shows them as the run's error.
  const code = await trainHere(request, workspaceOptions, (message) => writeJob(runDir, { ...job, message }));
  // Stopped on TERM with its checkpoint saved is a clean end for the job: Slurm would call exit 130 FAILED,
  // and the follower would take the user's Stop for a failure. A time limit stays TIMEOUT whatever the exit.
  return code === EXIT_INTERRUPTED ? EXIT_OK : code;
}
