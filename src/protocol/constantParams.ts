import type { ParamValue, RunRow } from './runRow';

/**
 * The experiments table's rows as the host posts them: the hyperparameters
 * every row has with one value (most of spec.json: the data block, the
 * layers that were not searched) once, and in each row only the others.
 * With 10,000 runs this is the difference between a 15 MB message and a
 * small one; `paramOf` reads a cell the same either way.
 */
export interface SplitRows {
  /** Hyperparameters present in every row with the same value. */
  readonly constants: Readonly<Record<string, ParamValue>>;
  /** The rows, their `hyperparameters` without the constants' keys. */
  readonly rows: readonly RunRow[];
}

/** Takes the hyperparameters that are the same in every row out of the rows (none out of fewer than two rows). */
export function splitConstantParams(rows: readonly RunRow[]): SplitRows {
  if (rows.length < 2) return { constants: {}, rows };
  // Candidates shrink as rows disagree: linear in rows × keys.
  const constants = new Map(Object.entries(rows[0].hyperparameters));
  for (let i = 1; i < rows.length && constants.size > 0; i++) {
    const params = rows[i].hyperparameters;
    for (const [key, value] of constants) if (!Object.hasOwn(params, key) || params[key] !== value) constants.delete(key);
  }
  if (constants.size === 0) return { constants: {}, rows };
  return {
    constants: Object.fromEntries(constants),
    rows: rows.map((row) => {
      const own: Record<string, ParamValue> = {};
      for (const [key, value] of Object.entries(row.hyperparameters)) if (!constants.has(key)) own[key] = value;
      return { ...row, hyperparameters: own };
    }),
  };
}

/** A row's hyperparameter `key`, whether it was kept in the row or among the constants; undefined: the run's spec has none. */
export function paramOf(row: RunRow, constants: Readonly<Record<string, ParamValue>>, key: string): ParamValue | undefined {
  if (Object.hasOwn(row.hyperparameters, key)) return row.hyperparameters[key];
  return Object.hasOwn(constants, key) ? constants[key] : undefined;
}
