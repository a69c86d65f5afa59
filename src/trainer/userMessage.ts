import { DataError, displayPath } from '../data/dataError';
import { BackendUnavailableError } from './backend';
import { ModelBuildError } from './buildModel';

/**
 * One line for a person, without a stack: problems in the user's files name
 * the file and the line or field; anything else gives its first line.
 */
export function userMessage(error: unknown, modelFile: string): string {
  if (error instanceof DataError || error instanceof BackendUnavailableError) {
    return error.message;
  }
  if (error instanceof ModelBuildError) {
    return `${displayPath(modelFile)}: ${error.message}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
