import { didYouMean } from '../data/suggest';
import { problem, type CheckContext } from './checkContext';
import type { SpecDiagnostic } from './diagnostic';
import { reportedMetrics } from './specChecks';

/**
 * A learning-rate schedule that would silently do nothing: plateau watching
 * a value training does not report (the rate would never drop), and a
 * cosine warm-up as long as the run (the rate would never anneal).
 */
export function checkLearningRateSchedule(ctx: CheckContext): SpecDiagnostic[] {
  const schedule = ctx.spec.training.learningRateSchedule;
  const path = ['training', 'learningRateSchedule'];
  if (schedule?.type === 'cosine' && (schedule.warmupEpochs ?? 0) >= ctx.spec.training.epochs && ctx.spec.training.epochs > 0) {
    return [
      problem(
        ctx,
        [...path, 'warmupEpochs'],
        'warning',
        `the warm-up lasts all ${ctx.spec.training.epochs} epochs, so the rate never anneals: use fewer warmupEpochs than epochs`,
        'value',
      ),
    ];
  }
  if (schedule?.type !== 'plateau' || schedule.monitor === undefined) return [];
  const monitor = schedule.monitor;
  const { train, validation } = reportedMetrics(ctx.spec);
  const hasValidation = (ctx.spec.data.validationSplit ?? 0) > 0;
  if (validation.includes(monitor) && !hasValidation) {
    const message = `"${monitor}" is only reported with a validation split: set "data.validationSplit" (e.g. 0.1) or monitor "${monitor.slice(4)}"`;
    return [problem(ctx, [...path, 'monitor'], 'warning', message, 'value')];
  }
  if (!train.includes(monitor) && !validation.includes(monitor)) {
    const available = hasValidation ? [...train, ...validation] : train;
    const hint = didYouMean(monitor, available) || `; use one of: ${available.join(', ')}`;
    const message = `training does not report "${monitor}", so the learning rate would never be reduced${hint}`;
    return [problem(ctx, [...path, 'monitor'], 'error', message, 'value')];
  }
  return [];
}
