import { didYouMean } from '../data/suggest';
import { problem, type CheckContext } from './checkContext';
import type { SpecDiagnostic } from './diagnostic';
import type { JsonPath } from './jsonTypes';
import type { SearchParameter } from './modelSpec';
import { formatParamPath, parseParamPath } from './paramPath';
import { modelFileFormat } from './parseModelFile';
import { schemaDiagnostics } from './schemaDiagnostics';

/**
 * What the schema cannot say about a `search` block: each parameter is a
 * place in this model file that takes the values searched (tried by
 * setting them and checking the result against the schema), ranges are
 * ranges, and the metric is one training reports. Each problem sits on
 * the parameter's key (or value) in the search block.
 */

type Value = unknown;

/** `value` with `set` at `path`, or why not (an index past the end of a list, a path through a number). */
function setAt(root: Value, path: JsonPath, set: Value): { value: Value } | { why: string } {
  const copy: Value = structuredClone(root);
  let node = copy as Record<string | number, Value>;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    const where = formatParamPath(path.slice(0, i));
    if (typeof part === 'number') {
      if (!Array.isArray(node)) return { why: `"${where}" is not a list` };
      if (part >= node.length) {
        const item = where === 'model.layers' ? 'layer' : 'item';
        const count =
          node.length === 0
            ? `no ${item}s`
            : node.length === 1
              ? `1 ${item} (index 0)`
              : `${node.length} ${item}s (indices 0–${node.length - 1})`;
        return { why: `"${where}" has ${count}, so there is no [${part}]` };
      }
    } else if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return { why: `"${where}" is not an object with keys` };
    }
    if (last) node[part] = set;
    else {
      if (node[part] === undefined) node[part] = typeof path[i + 1] === 'number' ? [] : {};
      node = node[part] as Record<string | number, Value>;
    }
  }
  return { value: copy };
}

/** The values a parameter can take that are worth trying on the schema: a list's values, a range's ends. */
function probeValues(parameter: SearchParameter): Value[] {
  return 'values' in parameter ? [...parameter.values] : [parameter.min, parameter.max];
}

function startsWith(path: readonly (string | number)[], prefix: JsonPath): boolean {
  return prefix.every((part, i) => path[i] === part);
}

function checkParameter(ctx: CheckContext, key: string, parameter: SearchParameter): SpecDiagnostic[] {
  const at: JsonPath = ['search', 'parameters', key];
  const path = parseParamPath(key);
  if (!path) {
    return [
      problem(
        ctx,
        at,
        'error',
        `"${key}" is not a path in the model file; write it as in "training.learningRate" or "model.layers[0].units"`,
        'key',
      ),
    ];
  }
  if (path[0] === 'search') return [problem(ctx, at, 'error', `"${key}": a sweep cannot search its own search block`, 'key')];
  if (!('values' in parameter)) {
    const range = checkRange(ctx, at, key, parameter);
    if (range.length > 0) return range;
  }
  for (const value of probeValues(parameter)) {
    const set = setAt(ctx.spec, path, value);
    if ('why' in set) return [problem(ctx, at, 'error', `"${key}": ${set.why}`, 'key')];
    const parsed = {
      value: set.value,
      diagnostics: [],
      format: modelFileFormat(ctx.file),
      rangeOf: (p: JsonPath) => ctx.parsed.rangeOf(p),
      keyRangeOf: (p: JsonPath) => ctx.parsed.keyRangeOf(p),
    };
    const rejected = schemaDiagnostics(parsed, ctx.file).find((d) => startsWith(d.path, path) || startsWith(path, d.path));
    if (rejected) {
      return [problem(ctx, at, 'error', `"${key}" = ${JSON.stringify(value)} would not be a valid model file: ${rejected.message}`, 'key')];
    }
  }
  return [];
}

function checkRange(ctx: CheckContext, at: JsonPath, key: string, range: Extract<SearchParameter, { min: number }>): SpecDiagnostic[] {
  if (!(range.min < range.max)) {
    return [problem(ctx, [...at, 'max'], 'error', `"${key}": max (${range.max}) must be greater than min (${range.min})`)];
  }
  if (range.scale === 'log' && range.min <= 0) {
    return [
      problem(ctx, [...at, 'min'], 'error', `"${key}": a log scale needs min > 0 (got ${range.min}); use scale "linear" or a positive min`),
    ];
  }
  if (range.type === 'int' && Math.ceil(range.min) > Math.floor(range.max)) {
    return [problem(ctx, at, 'error', `"${key}": no whole number lies between min ${range.min} and max ${range.max}`, 'key')];
  }
  return [];
}

/**
 * `search.metric` is a name the trials' epoch records carry: `loss` and
 * the metrics as the model file spells them, with `val_` versions when
 * there is a validation split. A warning: the sweep still runs.
 */
function checkMetric(ctx: CheckContext, metric: string): SpecDiagnostic[] {
  const train = ['loss', ...(ctx.spec.training.metrics ?? [])];
  const validation = train.map((name) => `val_${name}`);
  const hasValidation = (ctx.spec.data.validationSplit ?? 0) > 0;
  const at: JsonPath = ['search', 'metric'];
  if (validation.includes(metric) && !hasValidation) {
    const message = `"${metric}" is only reported with a validation split: set "data.validationSplit" (e.g. 0.2) or compare "${metric.slice(4)}"`;
    return [problem(ctx, at, 'warning', message)];
  }
  if (train.includes(metric) || validation.includes(metric)) return [];
  const available = hasValidation ? [...train, ...validation] : train;
  const hint = didYouMean(metric, available) || `; the epochs report: ${available.join(', ')}`;
  return [problem(ctx, at, 'warning', `the epochs do not report "${metric}", so no trial could be compared${hint}`)];
}

/** A pruner that can never act within the trials' epochs. */
function checkPrune(ctx: CheckContext): SpecDiagnostic[] {
  const prune = ctx.spec.search?.prune;
  const epochs = ctx.spec.training.epochs;
  const first = prune?.type === 'median' ? (prune.afterEpochs ?? 3) : prune?.type === 'asha' ? (prune.minEpochs ?? 1) : undefined;
  if (first === undefined || first < epochs || ctx.spec.search?.parameters['training.epochs'] !== undefined) return [];
  const key = prune?.type === 'median' ? 'afterEpochs' : 'minEpochs';
  return [
    problem(
      ctx,
      ['search', 'prune'],
      'warning',
      `trials train ${epochs} epochs, so pruning from epoch ${first} (${key}) never stops one`,
      'key',
    ),
  ];
}

export function checkSearch(ctx: CheckContext): SpecDiagnostic[] {
  const search = ctx.spec.search;
  if (!search) return [];
  return [
    ...Object.entries(search.parameters).flatMap(([key, parameter]) => checkParameter(ctx, key, parameter)),
    ...(search.metric === undefined ? [] : checkMetric(ctx, search.metric)),
    ...checkPrune(ctx),
  ];
}
