import { DataError, displayPath } from '../data/dataError';
import { errorMessage } from '../data/errorMessage';
import { showText } from '../data/showText';
import { BackendUnavailableError } from './backend';
import { ModelBuildError } from './buildModel';
import { isOutOfMemoryError, outOfMemoryMessage } from '../protocol/outOfMemory';

/**
 * One line for a person, without a stack: problems in the user's files name
 * the file and the line or field; memory running out says what to try;
 * engine errors become an internal-error report (see errorMessage);
 * anything else gives its first line. Control characters always escaped.
 */
export function userMessage(error: unknown, modelFile: string): string {
  if (error instanceof DataError || error instanceof BackendUnavailableError) {
    return showText(error.message);
  }
  if (error instanceof ModelBuildError) {
    return showText(`${displayPath(modelFile)}: ${error.message}`);
  }
  if (isOutOfMemoryError(error)) return outOfMemoryMessage({});
  return errorMessage(error);
}
