/** How the evaluation panel writes numbers. */

/** 4 decimals; values too small to show that way (a near-perfect regression's errors) in exponent form. */
export function fixed(value: number | null, digits = 4): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return value !== 0 && Math.abs(value) < 10 ** -(digits - 1) ? value.toExponential(2) : value.toFixed(digits);
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

/** A class name as it is, a regression value to 5 significant digits. */
export function shown(value: string | number): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(5))) : value;
}
