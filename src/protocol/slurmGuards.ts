import { isTrainRequest } from './guards';
import { isNumber, isObject, isOneOf, isOptional, isString } from './primitiveGuards';
import { SLURM_STATES, type SlurmJob } from './slurmTypes';

/** job.json is read from a shared filesystem other processes write: checked like any message. */
export function isSlurmJob(x: unknown): x is SlurmJob {
  return (
    isObject(x) &&
    x.version === 1 &&
    isTrainRequest(x.request) &&
    isOptional(x.jobId, isString) &&
    isOptional(x.arrayTaskId, (n) => isNumber(n) && Number.isInteger(n) && n >= 0) &&
    isString(x.submittedAt) &&
    isOneOf(SLURM_STATES)(x.state) &&
    isOptional(x.reason, isString) &&
    isOptional(x.node, isString) &&
    isOptional(x.checkedAt, isString) &&
    isOptional(x.message, isString)
  );
}
