import type { TextAttention, WorstPrediction } from '../../src/protocol/evaluationTypes';
import { make } from '../common/page';
import { attendedLine, headWeights, relativeWeights, shade, tokenLabel, weightPercent, type HeadChoice } from './attentionWeights';

/*
 * The attention view of an evaluation's worst text predictions: the tokens
 * the model read as chips, shaded by the attention each receives from the
 * chosen encoder layer and head (or the mean over heads). A radio button in
 * each worst-prediction row picks the example; the first one with attention
 * is shown at first.
 */

let views = 0;

export class AttentionView {
  /** The view's section content: pickers, the example it shows, the summary line and the chips. */
  readonly element = make('div', 'attention');
  private readonly layerPicker = make('select');
  private readonly headPicker = make('select');
  private readonly caption = make('p', 'attention-example');
  private readonly summary = make('p', 'attention-summary');
  private readonly chips = make('p', 'attention-tokens');
  /** Radio buttons of one view share a name; two columns (compare) have a view each. */
  private readonly group = `attention-example-${++views}`;
  private readonly radios = new Map<number, HTMLInputElement>();
  private example: number;
  private layer = 0;
  private head: HeadChoice = 'average';

  constructor(private readonly worst: readonly WorstPrediction[]) {
    this.example = worst.findIndex((w) => w.attention !== undefined);
    const pickers = make('div', 'attention-pickers');
    const layerLabel = make('label', undefined, 'Layer ');
    layerLabel.append(this.layerPicker);
    const headLabel = make('label', undefined, 'Heads ');
    headLabel.append(this.headPicker);
    pickers.append(layerLabel, headLabel);
    this.layerPicker.addEventListener('change', () => {
      this.layer = Number(this.layerPicker.value);
      this.head = 'average';
      this.draw();
    });
    this.headPicker.addEventListener('change', () => {
      this.head = this.headPicker.value === 'average' ? 'average' : Number(this.headPicker.value);
      this.draw();
    });
    this.summary.setAttribute('aria-live', 'polite');
    this.chips.setAttribute('role', 'list');
    this.chips.setAttribute('aria-label', 'Tokens the model read, with the attention each receives');
    this.element.append(pickers, this.caption, this.summary, this.chips);
    this.draw();
  }

  /** The worst table's cell for row `index`: a radio that shows its attention, empty when the example has none. */
  pickerCell(index: number): HTMLTableCellElement {
    const td = make('td', 'attention-pick');
    const w = this.worst[index];
    if (!w.attention) return td;
    const radio = make('input');
    radio.type = 'radio';
    radio.name = this.group;
    radio.checked = index === this.example;
    radio.setAttribute('aria-label', `Show the attention of worst prediction ${index + 1}`);
    radio.addEventListener('change', () => {
      if (radio.checked) this.show(index);
    });
    // The row opens the example on click, Enter and Space; the radio only picks it.
    radio.addEventListener('click', (event) => event.stopPropagation());
    radio.addEventListener('keydown', (event) => event.stopPropagation());
    this.radios.set(index, radio);
    td.append(radio);
    return td;
  }

  show(index: number): void {
    if (!this.worst[index]?.attention) return;
    this.example = index;
    const radio = this.radios.get(index);
    if (radio) radio.checked = true;
    // The same layer and head stay chosen while the next example has them.
    const now = this.worst[index].attention as TextAttention;
    if (this.layer >= now.layers.length) this.layer = 0;
    if (typeof this.head === 'number' && this.head >= (now.layers[this.layer]?.heads.length ?? 0)) this.head = 'average';
    this.draw();
  }

  private draw(): void {
    const w = this.worst[this.example];
    const attention = w?.attention;
    if (!attention) return;
    this.fillPickers(attention);
    this.caption.textContent = `Worst prediction ${this.example + 1}: actual ${String(w.actual)}, predicted ${String(w.predicted)} · ${attention.tokens.length} token${attention.tokens.length === 1 ? '' : 's'} read`;
    const weights = headWeights(attention, this.layer, this.head);
    const relative = relativeWeights(weights);
    this.summary.textContent = attendedLine(attention.tokens, weights);
    this.chips.replaceChildren(
      ...attention.tokens.map((token, t) => {
        const chip = make('span', 'token', tokenLabel(token));
        chip.setAttribute('role', 'listitem');
        chip.style.setProperty('--weight', String(shade(relative[t])));
        if (relative[t] > 0.6) chip.classList.add('strong');
        chip.title = `${token}: ${weightPercent(weights[t])} of the attention`;
        chip.setAttribute('aria-label', chip.title);
        return chip;
      }),
    );
  }

  private fillPickers(attention: TextAttention): void {
    this.layerPicker.replaceChildren(
      ...attention.layers.map((layer, i) => {
        const option = make('option', undefined, `${i + 1}: ${layer.name}`);
        option.value = String(i);
        return option;
      }),
    );
    this.layerPicker.value = String(this.layer);
    // One encoder layer: nothing to choose.
    (this.layerPicker.parentElement as HTMLElement).hidden = attention.layers.length < 2;
    const heads = attention.layers[this.layer]?.heads.length ?? 0;
    const average = make('option', undefined, `Average of ${heads} head${heads === 1 ? '' : 's'}`);
    average.value = 'average';
    this.headPicker.replaceChildren(
      average,
      ...Array.from({ length: heads }, (_, h) => {
        const option = make('option', undefined, `Head ${h + 1}`);
        option.value = String(h);
        return option;
      }),
    );
    this.headPicker.value = String(this.head);
  }
}

/** The view for an evaluation whose worst predictions carry attention (a text model with encoder layers), else undefined. */
export function attentionViewFor(worst: readonly WorstPrediction[]): AttentionView | undefined {
  return worst.some((w) => w.attention !== undefined) ? new AttentionView(worst) : undefined;
}
