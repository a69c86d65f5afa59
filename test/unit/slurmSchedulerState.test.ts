import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { arrayTaskIds, parseSacct, parseScontrol, parseSqueue, slurmState } from '../../src/slurm/schedulerState';

// The fixtures are what Debian's Slurm 22.05 printed on scripts/slurmCluster.sh's cluster
// (squeue -h -r -o '%F|%K|%T|%r|%N', scontrol -o show job ID), not hand-written.
function fixture(name: string): string {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'slurm', name), 'utf8');
}

describe('Slurm scheduler state: parsing what Slurm prints', () => {
  it('squeue: an array pending behind a running job, one line per task, and a single job waiting its turn', () => {
    const reports = parseSqueue(fixture('squeue-pending.txt'));
    assert.deepEqual(reports.get('9_0'), { state: 'PENDING', reason: 'Resources' });
    assert.deepEqual(reports.get('9_5'), { state: 'PENDING', reason: 'Resources' });
    assert.deepEqual(reports.get('10'), { state: 'PENDING', reason: 'Priority' });
    assert.deepEqual(reports.get('8'), { state: 'RUNNING', node: 'localhost' });
    assert.equal(reports.size, 8);
  });

  it('squeue: a throttled array (%1) runs one task while the others wait on JobArrayTaskLimit', () => {
    const reports = parseSqueue(fixture('squeue-array-running.txt'));
    assert.deepEqual(reports.get('17_0'), { state: 'RUNNING', node: 'localhost' });
    for (const task of [1, 2, 3]) assert.deepEqual(reports.get(`17_${task}`), { state: 'PENDING', reason: 'JobArrayTaskLimit' });
  });

  it('squeue: blank lines and lines without a state are skipped', () => {
    assert.equal(parseSqueue('\n\n12\n').size, 0);
  });

  it('scontrol: a pending array record (ArrayTaskId=0-5%2) stands for each task it holds', () => {
    const reports = parseScontrol(fixture('scontrol-array-pending.txt'));
    assert.deepEqual([...reports.keys()], ['9_0', '9_1', '9_2', '9_3', '9_4', '9_5']);
    assert.deepEqual(reports.get('9_3'), { state: 'PENDING', reason: 'Resources' });
  });

  it('scontrol: an array part done, part running, part pending (2-3%1)', () => {
    const reports = parseScontrol(fixture('scontrol-array-mixed.txt'));
    assert.deepEqual(reports.get('17_0'), { state: 'COMPLETED', node: 'localhost' });
    assert.deepEqual(reports.get('17_1'), { state: 'RUNNING', node: 'localhost' });
    assert.deepEqual(reports.get('17_2'), { state: 'PENDING', reason: 'JobArrayTaskLimit' });
    assert.deepEqual(reports.get('17_3'), { state: 'PENDING', reason: 'JobArrayTaskLimit' });
    assert.equal(reports.size, 4);
  });

  it('scontrol: a completed job keeps its node; ReqNodeList/ExcNodeList=(null) are not taken for it', () => {
    assert.deepEqual(parseScontrol(fixture('scontrol-completed.txt')).get('8'), { state: 'COMPLETED', node: 'localhost' });
  });

  it('scontrol: a job cancelled while pending', () => {
    const report = parseScontrol(fixture('scontrol-cancelled.txt')).get('10');
    assert.equal(report?.state, 'CANCELLED');
    assert.equal(report?.node, undefined);
  });

  it('scontrol: a job killed at its time limit says TIMEOUT (TimeLimit)', () => {
    assert.deepEqual(parseScontrol(fixture('scontrol-timeout.txt')).get('11'), {
      state: 'TIMEOUT',
      reason: 'TimeLimit',
      node: 'localhost',
    });
  });

  it('sacct: jobs and array tasks; the step lines (12.batch) are skipped', () => {
    // Hand-written in sacct -n -P -X -o JobID,State,NodeList,Reason's format: the test cluster keeps no accounting.
    const reports = parseSacct(
      ['12|COMPLETED|node3|None', '13_2|CANCELLED by 1000|node4|None', '14|NODE_FAIL|node5|NodeDown', '12.batch|COMPLETED|node3|'].join(
        '\n',
      ),
    );
    assert.deepEqual(reports.get('12'), { state: 'COMPLETED', node: 'node3' });
    assert.deepEqual(reports.get('13_2'), { state: 'CANCELLED', node: 'node4' });
    assert.deepEqual(reports.get('14'), { state: 'NODE_FAIL', reason: 'NodeDown', node: 'node5' });
    assert.equal(reports.size, 3);
  });

  it('slurmState: "CANCELLED by 1000" and "COMPLETED+" are their state; a state newer than the list is UNKNOWN', () => {
    assert.equal(slurmState('CANCELLED by 1000'), 'CANCELLED');
    assert.equal(slurmState('COMPLETED+'), 'COMPLETED');
    assert.equal(slurmState('  OUT_OF_MEMORY '), 'OUT_OF_MEMORY');
    assert.equal(slurmState('SPECIAL_EXIT'), 'UNKNOWN');
    assert.equal(slurmState(''), 'UNKNOWN');
  });

  it('arrayTaskIds: single ids, ranges, lists and the %throttle', () => {
    assert.deepEqual(arrayTaskIds('3'), [3]);
    assert.deepEqual(arrayTaskIds('0-7%2'), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(arrayTaskIds('1,3-5'), [1, 3, 4, 5]);
    assert.deepEqual(arrayTaskIds('2-3%1'), [2, 3]);
    assert.deepEqual(arrayTaskIds('N/A'), []);
    assert.deepEqual(arrayTaskIds(''), []);
  });
});
