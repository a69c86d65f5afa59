/**
 * Class names ↔ class indices for classification. The rule, applied to the
 * labels of train and test together so both use the same indices:
 *
 * * labels that are exactly the integers 0 … k-1 keep their value as index
 *   (MNIST digits stay digits), and the class names are "0" … "k-1";
 * * anything else (names, or integers with gaps such as 1, 2, 3) is mapped
 *   to the index of its name in sorted order — numbers by value, then text
 *   by code unit, so the order does not depend on the machine's locale.
 */
export interface ClassMap {
  /** Class names; the position is the class index. */
  readonly classes: readonly string[];
  /** The class index of a label (a name or a numeric label), or -1 if unknown. */
  indexOf(label: string | number): number;
}

type Labels = ArrayLike<number> | readonly string[];

/** What to do about labels that hold one class only (validation and loading say the same). */
export const SINGLE_CLASS_FIX =
  'classification needs at least 2 classes — check that the label column is the right one, or use "task": "regression" to predict a number';

export function buildClassMap(...labelSets: readonly Labels[]): ClassMap {
  const names = new Set<string>();
  for (const labels of labelSets) {
    if (typeof labels[0] === 'number') {
      // Numeric labels (IDX bytes): few distinct values, so dedupe as numbers first.
      const seen = new Set<number>();
      for (let i = 0; i < labels.length; i++) seen.add(labels[i] as number);
      for (const value of seen) names.add(String(value));
    } else {
      for (let i = 0; i < labels.length; i++) names.add(labels[i] as string);
    }
  }
  const classes = [...names].sort(compareClassNames);
  const isRange = classes.every((name, index) => name === String(index));
  if (isRange) {
    return {
      classes,
      indexOf: (label) => {
        const value = typeof label === 'number' ? label : Number(label);
        return Number.isInteger(value) && value >= 0 && value < classes.length && String(value) === String(label) ? value : -1;
      },
    };
  }
  const index = new Map(classes.map((name, i) => [name, i]));
  return { classes, indexOf: (label) => index.get(String(label)) ?? -1 };
}

/** Numbers by value first, then other names by code unit. */
export function compareClassNames(a: string, b: string): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined && x !== y) return x - y;
  if (x !== undefined && y === undefined) return -1;
  if (x === undefined && y !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function asNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Class indices of `labels` as float32 (what the trainer feeds to TF.js). */
export function toClassIndices(labels: Labels, map: ClassMap): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const index = map.indexOf(labels[i]);
    if (index < 0) throw new RangeError(`label ${JSON.stringify(labels[i])} is not among the classes`);
    out[i] = index;
  }
  return out;
}
