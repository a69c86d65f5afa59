#!/usr/bin/env node
/**
 * Headless entry point (docs/architecture.md "Processes"): the same trainer as the editor,
 * in-process. Commands load TF.js only when they need it, so `validate`
 * answers quickly.
 *
 * Exit status: 0 success, 1 training or data error (one line naming the
 * file and line or field), 2 bad usage, 130 training stopped with Ctrl+C.
 */
import { assertNever } from '../protocol/assertNever';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError, parseCommandLine } from './commandLine';
import { USAGE } from './usage';
import { runInit } from './initCommand';
import { infoCommand, validateCommand } from './modelCommands';
import { evaluateCommand, exportCommand, predictCommand } from './runCommands';
import { explainCommand } from './explainCommand';
import { runsCommand } from './runsCommand';
import { sweepCommand } from './sweepCommand';
import { trainCommand } from './trainCommand';
import { json, stderr, stdout } from './output';

async function main(args: readonly string[]): Promise<number> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    (args.length === 0 ? stderr : stdout)(USAGE);
    return args.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  // init takes a data file, not a model file: its own words.
  if (args[0] === 'init') return runInit(args.slice(1));
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`model-studio: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { command, options } = parsed;
  try {
    switch (command) {
      case 'train':
        return await trainCommand(options);
      case 'info':
        return await infoCommand(options);
      case 'validate':
        return await validateCommand(options);
      case 'evaluate':
        return await evaluateCommand(options);
      case 'predict':
        return await predictCommand(options);
      case 'export':
        return await exportCommand(options);
      case 'sweep':
        return await sweepCommand(options);
      case 'runs':
        return await runsCommand(options);
      case 'explain':
        return await explainCommand(options);
      default:
        return assertNever(command);
    }
  } catch (error) {
    const { userMessage } = await import('../trainer/userMessage');
    const message = userMessage(error, options.modelFile);
    if (options.json) json({ type: 'result', status: 'error', message });
    else stderr(`error: ${message}`);
    return EXIT_ERROR;
  }
}

void main(process.argv.slice(2)).then((code) => {
  // exitCode rather than exit(): piped stdout must drain first.
  process.exitCode = code;
});
