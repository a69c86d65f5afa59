import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { jobScript, shellQuote, type JobScriptInput } from '../../src/slurm/jobScript';
import { slurmMessage } from '../../src/slurm/slurmCommands';
import { sbatchOptions, slurmOptionsProblem } from '../../src/slurm/slurmOptions';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** Runs a job.sh with bash as slurmd would, with the job's variables set but without Slurm. */
function runScript(script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [script], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', SLURM_JOB_ID: '42', SLURMD_NODENAME: 'node1', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('Slurm job script, options and messages', () => {
  let workspace: TempWorkspace;
  // A path a shell would split or end a quote at.
  const awkward = "it's a run";
  beforeEach(() => {
    workspace = tempWorkspace();
  });
  afterEach(() => workspace.remove());

  function input(overrides: Partial<JobScriptInput> = {}): JobScriptInput {
    const runDir = workspace.file(path.join(awkward, 'run 1'));
    return {
      name: 'iris model',
      options: {},
      cli: workspace.write(path.join(awkward, 'cli.js'), 'console.log(JSON.stringify(process.argv.slice(2)));\n'),
      modelFile: workspace.write(path.join(awkward, 'iris.model.yaml'), 'name: iris\n'),
      runDirs: [runDir],
      outputDir: runDir,
      array: false,
      ...overrides,
    };
  }

  function writeScript(overrides: Partial<JobScriptInput> = {}): string {
    return workspace.write('job.sh', jobScript(input(overrides)));
  }

  it('shellQuote leaves plain words and quotes the rest so bash reads them back unchanged', () => {
    assert.equal(shellQuote('/a/b-c_d.e'), '/a/b-c_d.e');
    for (const word of [awkward, 'a"b', '$(rm -rf ~)', 'back\\slash', '']) {
      const echoed = spawnSync('bash', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }).stdout;
      assert.equal(echoed, word);
    }
  });

  it('with a space and a quote in every path, the script execs the CLI on the run folder', () => {
    const result = runScript(writeScript());
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['train', '--job', workspace.file(path.join(awkward, 'run 1'))]);
  });

  it('#SBATCH lines: job name, output in the run folder (quoted), the set options only', () => {
    const text = jobScript(input({ options: { partition: 'gpu', time: '02:00:00', gpus: 2, memory: '16G' } }));
    const lines = text.split('\n').filter((line) => line.startsWith('#SBATCH '));
    assert.deepEqual(lines, [
      '#SBATCH --job-name=iris-model',
      `#SBATCH --output='${workspace.file(path.join("it'\\''s a run", 'run 1', 'job.out'))}'`,
      `#SBATCH --error='${workspace.file(path.join("it'\\''s a run", 'run 1', 'job.err'))}'`,
      '#SBATCH --partition=gpu',
      '#SBATCH --time=02:00:00',
      '#SBATCH --gres=gpu:2',
      '#SBATCH --mem=16G',
    ]);
  });

  it('Node missing on the node: exits 3 with the model-studio: message naming the binary and the host', () => {
    const result = runScript(writeScript({ options: { node: '/opt/no such/node' } }));
    assert.equal(result.status, 3);
    assert.match(result.stderr, /^model-studio: Node\.js \(\/opt\/no such\/node\) was not found on \S+: set modelStudio\.slurm\.node/);
    assert.equal(result.stdout, '');
  });

  it('Node too old: says its version', () => {
    const old = workspace.write('old-node', '#!/bin/bash\n[ "$1" = --version ] && echo v18.20.0; exit 1\n');
    spawnSync('chmod', ['+x', old]);
    const result = runScript(writeScript({ options: { node: old } }));
    assert.equal(result.status, 3);
    assert.match(result.stderr, /^model-studio: Node\.js v18\.20\.0 on \S+ is too old: Model Studio needs 20\.19 or later/);
  });

  it('the model file not readable on the node: the message about the shared filesystem', () => {
    const script = writeScript();
    const modelFile = input().modelFile;
    writeFileSync(modelFile, '');
    spawnSync('rm', [modelFile]);
    const result = runScript(script);
    assert.equal(result.status, 3);
    assert.match(
      result.stderr,
      /^model-studio: the model file .* cannot be read on \S+: the workspace must be on a filesystem the compute nodes share/,
    );
  });

  it('setup lines run before Node is looked for (module load …)', () => {
    const bin = workspace.file('bin');
    const script = writeScript({
      options: { node: 'mynode', setup: [`mkdir -p '${bin}'`, `ln -s '${process.execPath}' '${bin}/mynode'`, `PATH="${bin}:$PATH"`] },
    });
    const result = runScript(script);
    assert.equal(result.status, 0, result.stderr);
  });

  it('an array: task i trains the i-th folder, its output appended to that folder', () => {
    const dirs = [workspace.file('trial 0'), workspace.file("trial '1'")];
    for (const dir of dirs) workspace.write(path.join(path.basename(dir), '.keep'), '');
    const script = writeScript({ runDirs: dirs, outputDir: workspace.root, array: true });
    assert.match(jobScript(input({ runDirs: dirs, outputDir: workspace.root, array: true })), /#SBATCH --output=\S+slurm-%A_%a\.out/);
    const result = runScript(script, { SLURM_ARRAY_JOB_ID: '42', SLURM_ARRAY_TASK_ID: '1' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
  });

  it('slurmOptionsProblem: bad time, gpus, cpus and characters Slurm does not take; good ones pass', () => {
    assert.equal(
      slurmOptionsProblem({ partition: 'gpu', account: 'proj-1', time: '1-00:00:00', gpus: 0, cpusPerTask: 4, memory: '16G' }),
      undefined,
    );
    for (const time of ['30', '30:00', '02:00:00', '1-00', '1-00:00', '1-00:00:00'])
      assert.equal(slurmOptionsProblem({ time }), undefined, time);
    assert.match(slurmOptionsProblem({ time: '2h' }) ?? '', /time "2h" is not a Slurm time limit/);
    assert.match(slurmOptionsProblem({ gpus: 1.5 }) ?? '', /gpus must be a whole number/);
    assert.match(slurmOptionsProblem({ cpusPerTask: 0 }) ?? '', /cpusPerTask must be a positive whole number/);
    assert.match(
      slurmOptionsProblem({ partition: 'gpu; rm -rf /' }) ?? '',
      /partition "gpu; rm -rf \/" has characters Slurm does not accept/,
    );
  });

  it('sbatchOptions: only what is set, so the cluster defaults apply to the rest', () => {
    assert.deepEqual(sbatchOptions({}), []);
    assert.deepEqual(sbatchOptions({ account: 'a', cpusPerTask: 8, gpus: 0, extraArgs: ['--qos=x'], node: 'n' }), [
      '--account=a',
      '--cpus-per-task=8',
    ]);
  });

  it("slurmMessage: Slurm's error lines without their prefixes, as one line", () => {
    assert.equal(
      slurmMessage(
        'sbatch',
        'sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
      ),
      'invalid partition specified: nope; Batch job submission failed: Invalid partition name specified',
    );
    assert.equal(
      slurmMessage('scancel', 'scancel: error: Kill job error on job id 5: Invalid job id specified'),
      'Kill job error on job id 5: Invalid job id specified',
    );
    assert.equal(slurmMessage('squeue', '\n  \n'), '');
  });
});
