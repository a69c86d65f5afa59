export type MonitorMode = 'min' | 'max';

/**
 * Keras's rule: metrics that measure hits (accuracy, precision, recall,
 * AUC) should grow; the rest shrink. The trainer's best checkpoint and
 * early stopping, and a sweep's default goal, follow it.
 */
export function monitorMode(metric: string): MonitorMode {
  return /acc|precision|recall|auc/i.test(metric) ? 'max' : 'min';
}
