import { strict as assert } from 'node:assert';
import { utimesSync } from 'node:fs';
import { summarizeSource } from '../../src/data/sourceSummary';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

describe('source summaries (what validation reads)', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  it('a table: columns, example shape and distinct class names', async () => {
    const file = workspace.write('t.csv', 'a,b,kind\n1,2,x\n3,4,y\n5,6,x\n');
    const summary = await summarizeSource({ path: 't.csv', label: 'kind' }, { path: file }, 'classification');
    assert.deepEqual(summary, { columns: ['a', 'b', 'kind'], exampleShape: [2], distinctLabels: ['x', 'y'], count: 3 });
  });

  it('IDX: dimensions from the header and the label values', async () => {
    const images = workspace.write('i.gz', buildIdxImages(3, 4, 5, { gzip: true }));
    const labels = workspace.write('l', buildIdxLabels([2, 0, 2]));
    const summary = await summarizeSource({ images: 'i.gz', labels: 'l' }, { images, labels }, 'classification');
    assert.deepEqual(summary, {
      exampleShape: [4, 5],
      idx: { imageDims: [3, 4, 5], labelDims: [3] },
      distinctLabels: ['2', '0'],
      count: 3,
    });
  });

  it('an image folder: class folders and the first image size', async () => {
    workspace.write('img/b/1.png', buildPng(4, 3, { gray: true }));
    workspace.write('img/a/1.png', buildPng(4, 3, { gray: true }));
    const summary = await summarizeSource({ path: 'img', format: 'images' }, { path: workspace.file('img') }, 'classification');
    assert.deepEqual(summary, { exampleShape: [3, 4, 1], distinctLabels: ['a', 'b'], count: 2 });
  });

  it('re-reads a file that changed since the last summary', async () => {
    const file = workspace.write('t.csv', 'a,kind\n1,x\n');
    const source = { path: 't.csv', label: 'kind' };
    assert.deepEqual((await summarizeSource(source, { path: file }, 'classification')).columns, ['a', 'kind']);
    workspace.write('t.csv', 'a,b,kind\n1,2,x\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual((await summarizeSource(source, { path: file }, 'classification')).columns, ['a', 'b', 'kind']);
  });
});
