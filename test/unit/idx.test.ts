import { strict as assert } from 'node:assert';
import { DataError } from '../../src/data/dataError';
import { parseIdx, readIdx, readIdxDims, readIdxPair } from '../../src/data/idx';
import { buildIdx, buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('idx', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  for (const gzip of [false, true]) {
    it(`reads ${gzip ? 'gzipped' : 'raw'} images and labels`, async () => {
      const images = workspace.write('i', buildIdxImages(3, 2, 2, { gzip }));
      const labels = workspace.write('l', buildIdxLabels([7, 0, 9], { gzip }));
      const pair = await readIdxPair(images, labels);
      assert.equal(pair.count, 3);
      assert.deepEqual(pair.imageShape, [2, 2]);
      // Pixel (i, p) = i * 10 + p.
      assert.deepEqual(Array.from(pair.pixels), [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
      assert.deepEqual(Array.from(pair.labels), [7, 0, 9]);
    });
  }

  it('recognises gzip by its magic bytes, not the file name', async () => {
    const file = workspace.write('plain-name.idx', buildIdxLabels([1, 2], { gzip: true }));
    assert.deepEqual(Array.from((await readIdx(file)).data), [1, 2]);
  });

  it('reads the dimensions from the first bytes of a gzipped file', async () => {
    const file = workspace.write('big.gz', buildIdxImages(500, 28, 28, { gzip: true, pixel: (i, p) => (i * 7 + p * 13) % 256 }));
    assert.deepEqual(await readIdxDims(file), [500, 28, 28]);
  });

  it('rejects images and labels whose counts differ', async () => {
    const images = workspace.write('i', buildIdxImages(3, 2, 2));
    const labels = workspace.write('l', buildIdxLabels([1, 2]));
    await assert.rejects(
      readIdxPair(images, labels),
      (e: DataError) => e.file === labels && /holds 2 labels but the images file holds 3 images/.test(e.message),
    );
  });

  it('notices swapped images and labels', async () => {
    const images = workspace.write('i', buildIdxImages(2, 2, 2));
    const labels = workspace.write('l', buildIdxLabels([1, 2]));
    await assert.rejects(readIdxPair(labels, images), /are "images" and "labels" swapped\?/);
  });

  it('rejects bad magic numbers, other data types and short files', () => {
    assert.throws(() => parseIdx(Buffer.from('PK\x03\x04rest'), 'f'), /not an IDX file/);
    const floats = buildIdx([1], [0]);
    floats[2] = 0x0d;
    assert.throws(() => parseIdx(floats, 'f'), /IDX data type float32 is not supported/);
    const short = buildIdx([2, 2, 2], [1, 2, 3, 4, 5]);
    assert.throws(() => parseIdx(short, 'f'), /cut short: the header announces 2 × 2 × 2 = 8 values, the file holds 5/);
  });

  it('loads 8,000 MNIST-sized gzipped images whole, every pixel and label in place', async () => {
    // Its speed is not asserted (a wall-clock bound flakes on a shared machine); bench/ measures speed.
    const count = 8000;
    const images = workspace.write('i.gz', buildIdxImages(count, 28, 28, { gzip: true, pixel: (i, p) => (i + p) % 256 }));
    const labels = workspace.write(
      'l.gz',
      buildIdxLabels(
        Array.from({ length: count }, (_, i) => i % 10),
        { gzip: true },
      ),
    );
    const pair = await readIdxPair(images, labels);
    assert.equal(pair.pixels.length, count * 784);
    for (const i of [0, 1, 4321, count - 1]) {
      assert.equal(pair.pixels[i * 784 + 100], (i + 100) % 256, `image ${i}, pixel 100`);
    }
    assert.deepEqual(Array.from(pair.labels.slice(-3)), [7, 8, 9]);
  });
});
