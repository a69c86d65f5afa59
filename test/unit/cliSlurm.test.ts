import * as assert from 'node:assert/strict';
import { executorFromEnv } from '../../src/cli/clusterCommands';
import { cliSlurmOptions } from '../../src/cli/clusterSettings';
import { parseCommandLine, UsageError } from '../../src/cli/commandLine';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('CLI: --on slurm', () => {
  let workspace: TempWorkspace;
  let modelFile: string;
  let cwd: string;
  beforeEach(() => {
    workspace = tempWorkspace();
    modelFile = workspace.write('iris.model.yaml', 'name: iris\n');
    cwd = process.cwd();
    process.chdir(workspace.root);
  });
  afterEach(() => {
    process.chdir(cwd);
    workspace.remove();
  });

  it('train FILE --on slurm with --partition, --time, --gpus and --wait', () => {
    const { command, options } = parseCommandLine([
      'train',
      'iris.model.yaml',
      '--on',
      'slurm',
      '--partition',
      'gpu',
      '--time',
      '01:00:00',
      '--gpus',
      '2',
      '--wait',
      '--json',
    ]);
    assert.equal(command, 'train');
    assert.equal(options.modelFile, modelFile);
    assert.deepEqual(options.slurm, { partition: 'gpu', time: '01:00:00', gpus: 2 });
    assert.equal(options.wait, true);
    assert.equal(options.json, true);
  });

  it('--on slurm alone: no flags, no --wait; --on local is a run here', () => {
    assert.deepEqual(parseCommandLine(['train', 'iris.model.yaml', '--on', 'slurm']).options.slurm, {});
    assert.equal(parseCommandLine(['train', 'iris.model.yaml', '--on', 'slurm']).options.wait, false);
    assert.equal(parseCommandLine(['train', 'iris.model.yaml', '--on', 'local']).options.slurm, undefined);
  });

  for (const [args, message] of [
    [['train', 'iris.model.yaml', '--on', 'cloud'], /--on must be slurm or local, got "cloud"/],
    [['train', 'iris.model.yaml', '--wait'], /--wait is an option of --on slurm only/],
    [['train', 'iris.model.yaml', '--partition', 'gpu'], /--partition is an option of --on slurm only/],
    [['train', 'iris.model.yaml', '--on', 'local', '--time', '5'], /--time is an option of --on slurm only/],
    [['train', 'iris.model.yaml', '--on', 'slurm', '--gpus', 'two'], /--gpus must be a whole number, got "two"/],
    [['train', 'iris.model.yaml', '--on', 'slurm', '--gpus=-1'], /--gpus must be a whole number, got "-1"/],
    [['validate', 'iris.model.yaml', '--on', 'slurm'], /--on slurm is an option of train and sweep only/],
    [['train', '--job', 'x', 'y'], /train --job takes the run folder only/],
    [['sweep', '--job', 'x'], /--job is an option of train only/],
  ] as const) {
    it(`${args.join(' ')}: ${String(message)}`, () => {
      assert.throws(
        () => parseCommandLine(args),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    });
  }

  it('train --job RUN: what job.sh runs', () => {
    const { options } = parseCommandLine(['train', '--job', 'runs/r1', '--json']);
    assert.equal(options.job, workspace.file('runs/r1'));
    assert.equal(options.json, true);
  });

  it("executorFromEnv: a job's variables, an array task's, none outside Slurm", () => {
    assert.equal(executorFromEnv({}), undefined);
    assert.deepEqual(executorFromEnv({ SLURM_JOB_ID: '42', SLURMD_NODENAME: 'node7', SLURM_NODELIST: 'node[7-8]' }), {
      type: 'slurm',
      jobId: '42',
      node: 'node7',
    });
    assert.deepEqual(executorFromEnv({ SLURM_JOB_ID: '43', SLURM_ARRAY_JOB_ID: '40', SLURM_ARRAY_TASK_ID: '3', SLURM_NODELIST: 'n1' }), {
      type: 'slurm',
      jobId: '40',
      arrayTaskId: 3,
      node: 'n1',
    });
    assert.deepEqual(executorFromEnv({ SLURM_JOB_ID: '44', SLURM_ARRAY_TASK_ID: 'N/A' }), { type: 'slurm', jobId: '44' });
  });

  describe('cliSlurmOptions: .vscode/settings.json, then the flags over it', () => {
    it('no settings file: the flags only', () => {
      assert.deepEqual(cliSlurmOptions(workspace.root, {}), {});
      assert.deepEqual(cliSlurmOptions(workspace.root, { time: '5', gpus: 1 }), { time: '5', gpus: 1 });
    });

    it('reads every modelStudio.slurm.* setting (JSON with comments) and the flags win', () => {
      workspace.write(
        '.vscode/settings.json',
        `{
          // a user's comment
          "modelStudio.slurm.partition": "cpu",
          "modelStudio.slurm.account": " proj ",
          "modelStudio.slurm.time": "02:00:00",
          "modelStudio.slurm.gpus": 1,
          "modelStudio.slurm.cpusPerTask": 4,
          "modelStudio.slurm.memory": "8G",
          "modelStudio.slurm.extraArgs": ["--qos=short"],
          "modelStudio.slurm.setup": "module load nodejs\\n\\nsource ~/env.sh",
          "modelStudio.slurm.node": "/opt/node/bin/node",
          "editor.tabSize": 2,
        }`,
      );
      assert.deepEqual(cliSlurmOptions(workspace.root, { partition: 'gpu', gpus: 2 }), {
        partition: 'gpu',
        account: 'proj',
        time: '02:00:00',
        gpus: 2,
        cpusPerTask: 4,
        memory: '8G',
        extraArgs: ['--qos=short'],
        setup: ['module load nodejs', 'source ~/env.sh'],
        node: '/opt/node/bin/node',
      });
    });

    it('settings of the wrong type, empty strings and a broken file are ignored', () => {
      workspace.write(
        '.vscode/settings.json',
        '{"modelStudio.slurm.partition": "", "modelStudio.slurm.gpus": "2", "modelStudio.slurm.cpusPerTask": 0, "modelStudio.slurm.extraArgs": [1]}',
      );
      assert.deepEqual(cliSlurmOptions(workspace.root, {}), {});
      workspace.write('.vscode/settings.json', '[');
      assert.deepEqual(cliSlurmOptions(workspace.root, { time: '5' }), { time: '5' });
    });
  });
});
