import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import { formatParamPath, parseParamPath } from '../modelFile/paramPath';
import type { SweepInfo, TrialInfo, TrialParams } from '../protocol/sweepTypes';
import { rankedTrials } from '../sweep/sweepFolder';
import { runSweep } from '../sweep/sweepRunner';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, type Options } from './commandLine';
import { formatMetric, json, stderr } from './output';

// `model-studio sweep`: a sweep's trials as trainer processes (dist/trainer.js next to dist/cli.js), progress per trial.

/** A trial in the result line: what scripts compare (runDir absolute, null before it started). */
export function resultTrial(
  dir: string,
  trial: TrialInfo,
): { params: TrialParams; status: string; metrics: Record<string, number>; runDir: string | null } {
  return {
    params: trial.params,
    status: trial.status,
    metrics: { ...trial.metrics },
    runDir: trial.runDir === undefined ? null : path.join(dir, trial.runDir),
  };
}

/** The sweep's result: every trial in sampling order, and the best (null when no trial reported the metric). */
export function sweepResult(dir: string, sweep: SweepInfo): Record<string, unknown> {
  const best = rankedTrials(sweep)[0];
  const { status: _status, ...bestFields } = best ? resultTrial(dir, best) : { status: '' };
  return {
    type: 'result',
    sweep: { dir, trials: sweep.trials.map((t) => resultTrial(dir, t)) },
    best: best ? bestFields : null,
  };
}

function formatValue(value: TrialParams[string]): string {
  return typeof value === 'number' ? formatMetric(value) : String(value);
}

function formatParams(params: TrialParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${shortKey(key)}=${formatValue(value)}`)
    .join(' ');
}

/** `model.layers[0].units` → `layers[0].units`: the table's columns stay narrow. */
function shortKey(key: string): string {
  const parsed = parseParamPath(key);
  return parsed && parsed.length > 1 && (parsed[0] === 'model' || parsed[0] === 'training') ? formatParamPath(parsed.slice(1)) : key;
}

export function trialLine(sweep: SweepInfo, trial: TrialInfo): string {
  const score = trial.metrics?.[sweep.metric];
  const scored = score === undefined ? '' : ` · ${sweep.metric} ${formatMetric(score)} (epoch ${trial.metrics?.epoch ?? '?'})`;
  const reason = trial.reason === undefined ? '' : ` · ${trial.reason}`;
  return `trial ${trial.index + 1} ${trial.status}: ${formatParams(trial.params)}${scored}${reason}`;
}

/** The final table, best first, then the trials without the metric. */
export function printTable(dir: string, sweep: SweepInfo): void {
  const ranked = rankedTrials(sweep);
  const rest = sweep.trials.filter((t) => !ranked.includes(t));
  stderr(`\n${'#'.padStart(3)}  ${'status'.padEnd(9)}  ${sweep.metric.padStart(12)}  epochs  parameters`);
  for (const trial of [...ranked, ...rest]) {
    const score = trial.metrics?.[sweep.metric];
    stderr(
      `${String(trial.index + 1).padStart(3)}  ${trial.status.padEnd(9)}  ${(score === undefined ? '-' : formatMetric(score)).padStart(12)}  ` +
        `${String(trial.epochsDone ?? 0).padStart(6)}  ${formatParams(trial.params)}`,
    );
  }
  const best = ranked[0];
  stderr(`\nsweep ${sweep.status} (${sweep.goal} ${sweep.metric}) · ${displayPath(dir)}`);
  if (best?.runDir !== undefined) stderr(`best: trial ${best.index + 1} · ${displayPath(path.join(dir, best.runDir))}`);
}

export async function sweepCommand(options: Options): Promise<number> {
  if (options.slurm) return (await import('./clusterSweep')).submitSweepCommand(options, options.slurm);
  const stop = new AbortController();
  const onInterrupt = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      if (!options.json) stderr('stopping the trials after their batch (Ctrl+C again to quit at once; --resume continues the sweep)');
      return;
    }
    // The trainers got this Ctrl+C too and quit; sweep.json says running with a dead pid: --resume continues it.
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onInterrupt);
  const said = new Map<number, string>();
  const warned = new Set<string>();
  let announced = false;
  try {
    const { dir, sweep } = await runSweep(
      {
        modelFile: options.modelFile,
        workspaceRoot: options.workspaceRoot,
        trainerPath: path.join(__dirname, 'trainer.js'),
        ...(options.trials === undefined ? {} : { trials: options.trials }),
        ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
        ...(options.backend === undefined ? {} : { backend: options.backend }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.resume === undefined ? {} : { resumeSweepDir: options.resume }),
      },
      {
        // Runner notes and trainer output: rare (a failing trainer, an edit of the search block that does not validate).
        onLog: (text) => process.stderr.write(text),
        onTrialMessage: (index, message) => {
          // A model-file warning comes from every trial alike: said once.
          if (message.type !== 'log' || message.level === 'info' || warned.has(message.message)) return;
          warned.add(message.message);
          stderr(`trial ${index + 1}: ${message.level}: ${message.message}`);
        },
        onSweep: (sweepDir, info) => {
          if (!announced) {
            announced = true;
            if (options.json) json({ type: 'sweep', dir: sweepDir, metric: info.metric, goal: info.goal });
            else stderr(`sweep ${displayPath(sweepDir)}: ${info.goal} ${info.metric}`);
          }
          for (const trial of info.trials) {
            if (said.get(trial.index) === trial.status) continue;
            said.set(trial.index, trial.status);
            if (options.json)
              json({
                type: 'trial',
                ...resultTrial(sweepDir, trial),
                index: trial.index,
                ...(trial.reason ? { reason: trial.reason } : {}),
              });
            else stderr(trialLine(info, trial));
          }
        },
      },
      stop.signal,
    );
    if (options.json) json(sweepResult(dir, sweep));
    else printTable(dir, sweep);
    return sweep.status === 'completed' ? EXIT_OK : sweep.status === 'stopped' ? EXIT_INTERRUPTED : EXIT_ERROR;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
