// UI suite for runs on a Slurm cluster, in a real VS Code (code-server)
// driven by Playwright with Debian's Chromium, against a real Slurm (the
// cluster $SLURM_CONF names, else one started by scripts/slurmCluster.sh in
// a temporary folder and stopped at the end), on a temporary copy of
// samples/ whose iris model trains 800 epochs without early stopping:
//   1. a blocker job (`sbatch --exclusive`) occupies the cluster, so the
//      run waits in the queue where a person can see it;
//   2. `☁ Train on Slurm` (CodeLens) submits the model file: its folder
//      holds job.json at once, and the Runs view shows the job
//      `queued (…)` with a cloud icon;
//   3. the blocker is cancelled: the job starts, the Runs view says
//      `running on <node>`, the training panel opens and draws curves read
//      from the run folder as the trainer on the node writes them;
//   4. the run ends `completed` in the Runs view and the panel;
//   5. Train on Slurm from the Command Palette submits another run, and
//      Stop on its Runs view item (once it trains) ends it `stopped` at a
//      checkpoint: the trainer got TERM through Slurm and saved;
//   6. Resume Run asks "On this machine" or "On Slurm"; On Slurm resubmits
//      it, and it completes in its own folder.
// Without Slurm's commands (no sbatch on PATH) it prints SKIP and exits 0.
//   node test/e2e/slurm.e2e.mjs     (after `npm run build`)
// Screenshots: test/e2e/screenshots/slurm-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  collectWebviewErrors,
  openFile,
  openWorkbench,
  runFromPalette,
  runUiSuite,
  showRunsView,
  stepLogger,
  waitFor,
} from './helpers.mjs';

const MODEL_FILE = 'iris.model.yaml';
const EPOCHS = 800;
const SUITE_TIMEOUT_MS = 6 * 60_000;
const repo = resolve(import.meta.dirname, '..', '..');
const started = Date.now();
const step = stepLogger(started);

if (spawnSync('sbatch', ['--version']).error) {
  console.log('SKIP slurm.e2e.mjs: Slurm is not installed (no sbatch on PATH); CI installs slurm-wlm and munge to run it');
  process.exit(0);
}

/** The cluster: $SLURM_CONF's when set (only one slurmctld can run on a machine), else one of our own, stopped however the suite ends. */
let ownCluster;
if (!process.env.SLURM_CONF) {
  ownCluster = mkdtempSync(join(tmpdir(), 'modelstudio-e2e-slurm-cluster-'));
  const start = spawnSync('bash', [join(repo, 'scripts', 'slurmCluster.sh'), 'start', ownCluster], { stdio: 'inherit' });
  if (start.status !== 0) {
    console.error('could not start a Slurm cluster with scripts/slurmCluster.sh');
    process.exit(1);
  }
  process.env.SLURM_CONF = join(ownCluster, 'slurm.conf');
  // Also when the suite's timeout ends the process with process.exit.
  process.on('exit', () => {
    spawnSync('bash', [join(repo, 'scripts', 'slurmCluster.sh'), 'stop', ownCluster]);
    rmSync(ownCluster, { recursive: true, force: true, maxRetries: 5 });
  });
}
step(`Slurm cluster: ${process.env.SLURM_CONF}${ownCluster ? ' (started for this suite)' : ''}`);

function slurm(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr || result.error}`);
  return result.stdout.trim();
}

/** The sample training EPOCHS epochs, without early stopping: about 15 s of training to watch. */
function prepare(workspace) {
  const file = join(workspace, MODEL_FILE);
  const text = readFileSync(file, 'utf8');
  const slow = text.replace('epochs: 50', `epochs: ${EPOCHS}`).replace(/ {2}earlyStopping:\n( {4}.*\n)+/, '');
  assert.ok(slow.includes(`epochs: ${EPOCHS}`) && !slow.includes('earlyStopping'));
  writeFileSync(file, slow);
}

/** The first run folder under the workspace's runs folder, once it exists. */
function runFolder(workspace) {
  const runs = join(workspace, '.modelstudio', 'runs');
  const dirs = existsSync(runs) ? readdirSync(runs) : [];
  return dirs.length === 1 ? join(runs, dirs[0]) : undefined;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The Runs view's row of the Slurm job or run, once its accessible label matches `pattern`. */
async function runsViewRow(page, what, pattern, timeoutMs) {
  return waitFor(
    `the Runs view to show ${what}`,
    async () => {
      for (const label of await page
        .locator('.sidebar .monaco-list-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')))) {
        if (label && pattern.test(label)) return label;
      }
      return undefined;
    },
    timeoutMs,
    250,
  );
}

async function run({ page, server, workspace, screenshot }) {
  const webviewErrors = collectWebviewErrors(page, ['training.js']);
  // ---- 1. the cluster is busy.
  const blocker = slurm('sbatch', [
    '--parsable',
    '--exclusive',
    '--job-name=e2e-blocker',
    '--output=/dev/null',
    '--wrap',
    'sleep 600',
  ]).split(';')[0];
  try {
    await openWorkbench(page, server, workspace, MODEL_FILE);
    await openFile(page, MODEL_FILE);
    step(`${MODEL_FILE} is open (${EPOCHS} epochs); blocker job ${blocker} holds the cluster`);

    // ---- 2. ☁ Train on Slurm.
    const lens = page.locator('.codelens-decoration a', { hasText: '☁ Train on Slurm' });
    await lens.waitFor({ timeout: 30_000 });
    await screenshot('codelens', '☁ Train on Slurm beside ▶ Train (sbatch is on PATH)');
    await showRunsView(page);
    await lens.click();
    const clickedAt = Date.now();
    const runDir = await waitFor('the run folder with job.json', async () => {
      const dir = runFolder(workspace);
      return dir && readJson(join(dir, 'job.json'))?.jobId ? dir : undefined;
    });
    const job = readJson(join(runDir, 'job.json'));
    assert.equal(existsSync(join(runDir, 'run.json')), false, 'run.json before the job started');
    step(`submitted as job ${job.jobId} (${Date.now() - clickedAt} ms after the click)`);
    const queued = await runsViewRow(page, 'the job queued', /^Slurm job of iris\.model\.yaml, queued \(\w+\)/, 30_000);
    const queuedAt = Date.now();
    step(`Runs view ${queuedAt - clickedAt} ms after the click: ${queued}`);
    assert.match(slurm('squeue', ['-h', '-j', job.jobId, '-o', '%T']), /PENDING/);
    await screenshot('queued', 'the Runs view: the job queued behind the blocker, with a cloud icon');

    // ---- 3. the cluster frees up: the job starts and its run trains.
    slurm('scancel', [blocker]);
    const releasedAt = Date.now();
    const running = await runsViewRow(page, 'the run running on a node', /^Run .* of iris\.model\.yaml, running, running on \S+/, 120_000);
    step(`Runs view ${Date.now() - releasedAt} ms after the blocker was cancelled: ${running}`);
    const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const chart = webview.locator('#loss-chart');
    await chart.waitFor({ state: 'attached', timeout: 60_000 });
    const points = async () => Number((await chart.getAttribute('data-points')) ?? 0);
    const first = await waitFor(
      'loss points in the training panel',
      async () => ((await points()) > 0 ? points() : undefined),
      60_000,
      250,
    );
    const more = await waitFor(
      'the curve to grow from the run folder',
      async () => {
        const n = await points();
        return n > first ? n : undefined;
      },
      60_000,
      250,
    );
    step(`training panel: ${first} → ${more} loss points while the trainer runs on the node`);
    await screenshot('running', 'the job running on its node: the Runs view says so, the panel draws its curves');

    // ---- 4. the end.
    const completed = await runsViewRow(page, 'the run completed', /^Run .* of iris\.model\.yaml, completed, completed/, 120_000);
    step(`Runs view ${Date.now() - releasedAt} ms after the blocker was cancelled: ${completed}`);
    const runJson = readJson(join(runDir, 'run.json'));
    assert.equal(runJson.status, 'completed');
    assert.equal(runJson.executor?.jobId, job.jobId);
    await waitFor('the panel to say completed', async () =>
      (await webview.locator('body').getAttribute('data-status')) === 'completed' ? true : undefined,
    );
    const final = await points();
    assert.ok(final >= more, `the panel lost points: ${more} → ${final}`);
    await screenshot('completed', 'the run completed: the Runs view and the panel with all its curves');

    // ---- 5. another run from the palette, stopped from the Runs view.
    await page.locator('.tab', { hasText: MODEL_FILE }).first().click();
    await runFromPalette(page, 'Train on Slurm');
    const second = await waitFor(
      'a second run folder',
      async () => {
        const runs = join(workspace, '.modelstudio', 'runs');
        const dir = readdirSync(runs).find((d) => join(runs, d) !== runDir);
        return dir && existsSync(join(runs, dir, 'run.json')) ? join(runs, dir) : undefined;
      },
      120_000,
      250,
    );
    const secondRow = page.locator('.sidebar .monaco-list-row[aria-label*=", running, running on "]').first();
    await secondRow.waitFor({ timeout: 30_000 });
    await secondRow.hover();
    await secondRow.locator('.action-label[aria-label="Stop Training"]').click();
    const stopAt = Date.now();
    const stopped = await runsViewRow(page, 'the second run stopped', /^Run .* of iris\.model\.yaml, stopped, /, 90_000);
    step(`Stop → Runs view ${Date.now() - stopAt} ms: ${stopped}`);
    const stoppedRun = readJson(join(second, 'run.json'));
    assert.equal(stoppedRun.status, 'stopped');
    assert.ok(existsSync(join(second, 'checkpoints', 'last')), 'no checkpoint to resume from');
    // The panel follows the run it shows from the scheduler's polls (every 3 s).
    await waitFor(
      'the panel to say stopped',
      async () => ((await webview.locator('body').getAttribute('data-status')) === 'stopped' ? true : undefined),
      15_000,
      250,
    );
    step(`Stop → the panel says stopped ${Date.now() - stopAt} ms`);
    await screenshot('stopped', 'Stop on the Slurm run: it saved a checkpoint and ended stopped, in the Runs view and the panel');

    // ---- 6. Resume asks where; On Slurm resubmits the run, which continues from its checkpoint to the end.
    await page.locator('.tab', { hasText: MODEL_FILE }).first().click();
    await runFromPalette(page, 'Resume Run');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /On this machine[\s\S]*On Slurm|On Slurm[\s\S]*On this machine/);
    await screenshot('resume-where', 'Resume on a Slurm run asks: on this machine, or on Slurm');
    await dialog.locator('.monaco-button', { hasText: 'On Slurm' }).first().click();
    const resumedAt = Date.now();
    const resumedJob = await waitFor('a new job for the stopped run', async () => {
      const id = readJson(join(second, 'job.json'))?.jobId;
      return id && id !== stoppedRun.executor?.jobId ? id : undefined;
    });
    await waitFor(
      'run.json completed',
      async () => (readJson(join(second, 'run.json'))?.status === 'completed' ? true : undefined),
      180_000,
      500,
    );
    await waitFor(
      'both runs completed in the Runs view',
      async () => {
        const labels = await page
          .locator('.sidebar .monaco-list-row')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
        return labels.filter((label) => /^Run .* of iris\.model\.yaml, completed, completed/.test(label)).length === 2 ? true : undefined;
      },
      30_000,
      250,
    );
    const finalRun = readJson(join(second, 'run.json'));
    assert.equal(finalRun.executor?.jobId, resumedJob);
    assert.equal(finalRun.epochsDone ?? finalRun.epochs, EPOCHS);
    step(`Resume on Slurm: job ${resumedJob} completed the run in ${Date.now() - resumedAt} ms`);
    await screenshot('resumed', 'the stopped run resumed on Slurm and completed in its own folder');
    assert.deepEqual(webviewErrors, []);
    step(`${final} loss points; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  } finally {
    spawnSync('scancel', [blocker]);
  }
}

process.exitCode = await runUiSuite({ prefix: 'slurm', step, timeoutMs: SUITE_TIMEOUT_MS, prepare, run });
