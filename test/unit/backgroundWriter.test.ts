import * as assert from 'node:assert/strict';
import { BackgroundWriter } from '../../src/trainer/backgroundWriter';

/** A write that finishes when the test says so. */
function controlledWrites(): {
  written: string[];
  started: string[];
  finish: (error?: Error) => void;
  write: (value: string) => Promise<void>;
} {
  const started: string[] = [];
  const written: string[] = [];
  const pending: { value: string; resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    started,
    written,
    write: (value) =>
      new Promise<void>((resolve, reject) => {
        started.push(value);
        pending.push({
          value,
          resolve: () => {
            written.push(value);
            resolve();
          },
          reject,
        });
      }),
    finish: (error) => {
      const next = pending.shift();
      if (next === undefined) throw new Error('no write in progress');
      if (error) next.reject(error);
      else next.resolve();
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BackgroundWriter', () => {
  it('writes the first value at once and, of those saved meanwhile, only the newest', async () => {
    const io = controlledWrites();
    const writer = new BackgroundWriter(io.write);
    writer.save('epoch 1');
    writer.save('epoch 2');
    writer.save('epoch 3');
    assert.deepEqual(io.started, ['epoch 1']);
    io.finish();
    await turn();
    assert.deepEqual(io.started, ['epoch 1', 'epoch 3']);
    io.finish();
    await writer.written();
    assert.deepEqual(io.written, ['epoch 1', 'epoch 3']);
  });

  it('written() waits for the queued value too', async () => {
    const io = controlledWrites();
    const writer = new BackgroundWriter(io.write);
    writer.save('a');
    writer.save('b');
    let done = false;
    const waiting = writer.written().then(() => {
      done = true;
    });
    io.finish();
    await turn();
    assert.equal(done, false, 'b is still being written');
    io.finish();
    await waiting;
    assert.deepEqual(io.written, ['a', 'b']);
  });

  it('starts again after it went idle', async () => {
    const io = controlledWrites();
    const writer = new BackgroundWriter(io.write);
    writer.save('a');
    io.finish();
    await writer.written();
    writer.save('b');
    assert.deepEqual(io.started, ['a', 'b']);
    io.finish();
    await writer.written();
  });

  it('throws a failed write from written() and from every later save, and drops what was queued', async () => {
    const io = controlledWrites();
    const writer = new BackgroundWriter(io.write);
    writer.save('a');
    writer.save('b');
    io.finish(new Error('ENOSPC: no space left on device'));
    await assert.rejects(writer.written(), /ENOSPC/);
    assert.deepEqual(io.started, ['a'], 'b is not written after a failure');
    assert.throws(() => writer.save('c'), /ENOSPC/);
    assert.deepEqual(io.started, ['a']);
  });

  it('written() resolves at once when nothing was saved', async () => {
    await new BackgroundWriter(async () => assert.fail('nothing to write')).written();
  });
});
