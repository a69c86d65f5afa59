import { Mulberry32 } from '../data/random';
import type { SearchParameter, SearchSpec } from '../modelFile/modelSpec';
import type { ParamValue, TrialParams } from '../protocol/sweepTypes';

/**
 * Which values each trial of a sweep tries (docs/decisions.md "Sweeps"):
 * grid (every combination, in a fixed order) or random (seeded). Trial i's
 * values depend only on the search block, the seed and i, so a sweep whose
 * search block is edited while it runs samples its new trials from the
 * new block and keeps the trials it has.
 */

/** Trials of a random search without `trials`. */
export const DEFAULT_TRIALS = 10;
/** Points a range gets in a grid: its ends and evenly spaced points between (log-spaced for a log range; whole numbers for int, repeats dropped). */
export const GRID_POINTS_PER_RANGE = 5;

type RangeParameter = Extract<SearchParameter, { min: number }>;

function isRange(parameter: SearchParameter): parameter is RangeParameter {
  return !('values' in parameter);
}

function scaled(min: number, max: number, log: boolean, u: number): number {
  return log && min > 0 ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
}

/**
 * A value within the range from a uniform u in [0, 1): log-uniform for
 * `scale: log`. For `type: int`, u spans the whole numbers' half-open
 * cells [n − ½, n + ½), so each whole number in the range gets its share
 * (the ends too), in the range's scale.
 */
export function rangeValue(parameter: RangeParameter, u: number): number {
  const log = parameter.scale === 'log';
  if (parameter.type !== 'int') return Math.min(parameter.max, Math.max(parameter.min, scaled(parameter.min, parameter.max, log, u)));
  const low = Math.ceil(parameter.min);
  const high = Math.floor(parameter.max);
  return Math.min(high, Math.max(low, Math.round(scaled(low - 0.5, high + 0.5, log, u))));
}

/** The values a parameter takes in a grid. */
export function gridValues(parameter: SearchParameter): ParamValue[] {
  if (!isRange(parameter)) return [...parameter.values];
  const points: number[] = [];
  for (let i = 0; i < GRID_POINTS_PER_RANGE; i++) {
    const value = rangeValue(parameter, i / (GRID_POINTS_PER_RANGE - 1));
    if (!points.includes(value)) points.push(value);
  }
  return points;
}

/** Every combination of the parameters' grid values: the first parameter varies slowest, in the order the file lists them. */
export function gridTrials(search: SearchSpec): TrialParams[] {
  let combinations: Record<string, ParamValue>[] = [{}];
  for (const [key, parameter] of Object.entries(search.parameters)) {
    const values = gridValues(parameter);
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [key]: value })));
  }
  return combinations;
}

/** 32-bit FNV-1a: a parameter's own stream of random numbers follows its key. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Trial `index` of a random search: each parameter drawn from its own
 * generator seeded by (seed, index, key), so adding a parameter or
 * changing one range leaves the other parameters' values as they were.
 * `values` lists are drawn uniformly; ranges uniformly or log-uniformly.
 */
export function randomTrial(search: SearchSpec, seed: number, index: number): TrialParams {
  const params: Record<string, ParamValue> = {};
  for (const [key, parameter] of Object.entries(search.parameters)) {
    const random = new Mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b) ^ hashKey(key)) >>> 0);
    random.next(); // the first draw of nearby seeds is correlated; skip it
    const u = random.next();
    params[key] = isRange(parameter)
      ? rangeValue(parameter, u)
      : parameter.values[Math.min(parameter.values.length - 1, Math.floor(u * parameter.values.length))];
  }
  return params;
}

/** How many trials the search block asks for: `trials` (default DEFAULT_TRIALS), for a grid at most its combinations (default all). */
export function plannedTrials(search: SearchSpec): number {
  if (search.method === 'grid') {
    const combinations = gridTrials(search).length;
    return Math.min(combinations, search.trials ?? combinations);
  }
  return search.trials ?? DEFAULT_TRIALS;
}

/** Trial `index`'s values (index < plannedTrials(search)). */
export function sampleTrial(search: SearchSpec, seed: number, index: number): TrialParams {
  return search.method === 'grid' ? gridTrials(search)[index] : randomTrial(search, seed, index);
}
