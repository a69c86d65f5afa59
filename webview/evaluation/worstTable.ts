import type { Evaluation, ExampleImage, WorstPrediction } from '../../src/protocol/evaluationTypes';
import { make } from '../common/page';
import { paintPixels } from '../common/pixels';
import type { AttentionView } from './attentionView';
import { fixed, percent, shown } from './format';
import { imageRgba } from './heatmap';

/** What a worst-prediction row can do besides showing itself. */
export interface WorstActions {
  /** Enter, Space or a click on the row. */
  open(w: WorstPrediction): void;
  /** The row's Explain button (absent: the rows have none, as a table model's). */
  explain?(index: number): void;
}

function imageCanvas(image: ExampleImage): HTMLCanvasElement {
  const canvas = make('canvas', 'example-image');
  paintPixels(canvas, image.width, image.height, imageRgba(image));
  canvas.setAttribute('role', 'img');
  return canvas;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** `iris.csv:79`, `7/img_12.png`, or `#665` for an IDX example (the file is named in the caption). */
export function sourceName(w: WorstPrediction): string {
  const file = baseName(w.source.file);
  if (w.source.line !== undefined) return `${file}:${w.source.line}`;
  return file.toLowerCase().endsWith('.png') ? file : `#${w.source.index}`;
}

/** Whether row `w` can be explained: an image with its example position, or a text with attention. */
function explainable(w: WorstPrediction): boolean {
  return w.image !== undefined ? w.example !== undefined : w.attention !== undefined;
}

function explainCell(w: WorstPrediction, index: number, explain: (index: number) => void): HTMLTableCellElement {
  const td = make('td', 'explain-cell');
  const button = make('button', 'secondary explain-button', 'Explain');
  button.setAttribute('aria-label', `Explain worst prediction ${index + 1}`);
  if (!explainable(w)) {
    button.disabled = true;
    button.title = w.image
      ? 'Evaluate the run again to explain its examples (this evaluation is older than Explain)'
      : 'Nothing to explain';
  }
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    explain(index);
  });
  // The row opens the example on Enter and Space; the button only explains it.
  button.addEventListener('keydown', (event) => event.stopPropagation());
  td.append(button);
  return td;
}

export function worstTable(evaluation: Evaluation, attention: AttentionView | undefined, actions: WorstActions): HTMLTableElement {
  const classification = evaluation.result.kind === 'classification';
  const images = evaluation.worst.some((w) => w.image !== undefined);
  const texts = evaluation.worst.some((w) => w.text !== undefined);
  const explain = actions.explain;
  const table = make('table', 'worst');
  const idx = evaluation.worst.find((w) => w.source.line === undefined && !w.source.file.toLowerCase().endsWith('.png'));
  table.createCaption().textContent = `The ${evaluation.worst.length} examples with the highest loss${idx ? ` (#: index in ${baseName(idx.source.file)})` : ''}; Enter or a click opens the example${attention ? ', its radio button or Explain shows its attention above' : explain ? ', Explain shows what the model looked at' : ''}`;
  const head = table.createTHead().insertRow();
  // Explain first: a text row is wider than most panels, and the button should not be cut off.
  const columns = [
    ...(explain ? ['explain'] : []),
    ...(attention ? ['attention'] : []),
    ...(images ? ['image'] : []),
    ...(texts ? ['text'] : []),
    'source',
    'actual',
    'predicted',
    ...(classification ? ['confidence', 'p(actual)'] : []),
    classification ? 'loss' : 'squared error',
  ];
  for (const name of columns) head.append(make('th', undefined, name));
  const body = table.createTBody();
  evaluation.worst.forEach((w, i) => {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.className = 'worst-row';
    tr.title =
      w.source.line !== undefined ? `Open ${w.source.file} at line ${w.source.line}` : `${w.source.file}, example ${w.source.index}`;
    if (explain) tr.append(explainCell(w, i, explain));
    if (attention) tr.append(attention.pickerCell(i));
    if (images) {
      const td = make('td', 'image-cell');
      if (w.image) {
        const canvas = imageCanvas(w.image);
        canvas.setAttribute('aria-label', `example ${w.source.index}: actual ${shown(w.actual)}, predicted ${shown(w.predicted)}`);
        td.append(canvas);
      }
      tr.append(td);
    }
    if (texts) {
      // The whole text is in the cell (screen readers read it); the stylesheet cuts it to one line, the tooltip shows it all.
      const td = make('td', 'text-cell', w.text ?? '');
      if (w.text !== undefined) td.title = w.text;
      tr.append(td);
    }
    tr.append(make('td', 'source', sourceName(w)), make('td', undefined, shown(w.actual)), make('td', undefined, shown(w.predicted)));
    if (classification)
      tr.append(
        make('td', 'num', w.confidence === undefined ? '' : percent(w.confidence)),
        make('td', 'num', w.trueClassProbability === undefined ? '' : percent(w.trueClassProbability)),
      );
    tr.append(make('td', 'num', fixed(w.loss)));
    tr.addEventListener('click', () => actions.open(w));
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        actions.open(w);
      }
    });
  });
  return table;
}
