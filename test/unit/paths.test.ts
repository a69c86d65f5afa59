import { strict as assert } from 'node:assert';
import { mkdirSync, symlinkSync } from 'node:fs';
import { checkDataPath, isInside } from '../../src/data/paths';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('data paths', () => {
  let workspace: TempWorkspace;
  let outside: TempWorkspace;
  let modelFile: string;
  beforeEach(() => {
    workspace = tempWorkspace({ 'models/m.model.json': '{}', 'data/a.csv': 'x\n1\n' });
    outside = tempWorkspace({ 'b.csv': 'x\n1\n' });
    modelFile = workspace.file('models/m.model.json');
  });
  afterEach(() => {
    workspace.remove();
    outside.remove();
  });

  it('resolves relative to the model file', async () => {
    assert.deepEqual(await checkDataPath('../data/a.csv', modelFile, workspace.root, 'file'), {
      ok: true,
      path: workspace.file('data/a.csv'),
    });
  });

  it('refuses .. escapes and absolute paths outside the workspace', async () => {
    const up = await checkDataPath('../../x.csv', modelFile, workspace.root, 'file');
    assert.equal(up.ok ? 'ok' : up.reason, 'outside');
    const absolute = await checkDataPath(outside.file('b.csv'), modelFile, workspace.root, 'file');
    assert.equal(absolute.ok ? 'ok' : absolute.reason, 'outside');
  });

  it('refuses a symbolic link (to a file or a folder) that leads outside', async () => {
    symlinkSync(outside.file('b.csv'), workspace.file('data/link.csv'));
    symlinkSync(outside.root, workspace.file('data/dir'));
    const file = await checkDataPath('../data/link.csv', modelFile, workspace.root, 'file');
    const viaFolder = await checkDataPath('../data/dir/b.csv', modelFile, workspace.root, 'file');
    assert.equal(file.ok ? 'ok' : file.reason, 'symlinkOutside');
    assert.equal(viaFolder.ok ? 'ok' : viaFolder.reason, 'symlinkOutside');
  });

  it('tells missing files, folders given for files and files given for folders apart', async () => {
    mkdirSync(workspace.file('data/images'));
    const reasons = await Promise.all([
      checkDataPath('../data/none.csv', modelFile, workspace.root, 'file'),
      checkDataPath('../data/images', modelFile, workspace.root, 'file'),
      checkDataPath('../data/a.csv', modelFile, workspace.root, 'folder'),
      checkDataPath('../data/images', modelFile, workspace.root, 'folder'),
    ]);
    assert.deepEqual(
      reasons.map((r) => (r.ok ? 'ok' : r.reason)),
      ['missing', 'notFile', 'notFolder', 'ok'],
    );
  });

  it('isInside does not mistake a sibling with a common prefix for a child', () => {
    assert.ok(isInside('/w/root', '/w/root/a'));
    assert.ok(isInside('/w/root', '/w/root'));
    assert.ok(!isInside('/w/root', '/w/root2/a'));
    assert.ok(!isInside('/w/root', '/w'));
    assert.ok(isInside('/w/root', '/w/root/..hidden'));
  });
});
