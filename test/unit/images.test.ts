import { strict as assert } from 'node:assert';
import { listImageFolder, readImageFolder } from '../../src/data/images';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('image folders', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  it('reads one sub-folder per class, greyscale as one channel', async () => {
    workspace.write('img/dog/b.png', buildPng(3, 2, { gray: true, value: () => 200 }));
    workspace.write('img/cat/a.png', buildPng(3, 2, { gray: true, value: (x, y) => x + 10 * y }));
    workspace.write('img/cat/.DS_Store', 'junk');
    const data = await readImageFolder(workspace.file('img'));
    assert.equal(data.count, 2);
    assert.deepEqual(data.imageShape, [2, 3, 1]);
    assert.deepEqual(data.labels, ['cat', 'dog']);
    assert.deepEqual(Array.from(data.pixels.subarray(0, 6)), [0, 1, 2, 10, 11, 12]);
    assert.deepEqual(Array.from(data.pixels.subarray(6)), [200, 200, 200, 200, 200, 200]);
  });

  it('keeps three channels when any image has colour', async () => {
    workspace.write('img/a/1.png', buildPng(1, 1, { gray: true, value: () => 5 }));
    workspace.write('img/b/1.png', buildPng(1, 1, { value: () => 7 }));
    const data = await readImageFolder(workspace.file('img'));
    assert.deepEqual(data.imageShape, [1, 1, 3]);
    assert.deepEqual(Array.from(data.pixels), [5, 5, 5, 7, 8, 9]);
  });

  it('rejects images of different sizes, naming the file', async () => {
    workspace.write('img/a/1.png', buildPng(2, 2));
    workspace.write('img/a/2.png', buildPng(3, 2));
    await assert.rejects(
      readImageFolder(workspace.file('img')),
      /2\.png: is 3×2 pixels, but .*1\.png is 2×2: all images must have the same size/,
    );
  });

  it('says that JPEG is not supported yet', async () => {
    workspace.write('img/a/1.jpg', 'not really a jpeg');
    await assert.rejects(listImageFolder(workspace.file('img')), /1\.jpg: JPG images are not supported yet: convert them to PNG/);
  });

  it('needs class sub-folders', async () => {
    workspace.write('img/1.png', buildPng(1, 1));
    await assert.rejects(listImageFolder(workspace.file('img')), /holds no sub-folders/);
  });
});
