import { isTributaryError, type TributaryError } from '../../src/engine/errors.js';

/** The TributaryError a call is refused with; fails the test if it succeeds or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<TributaryError> {
  try {
    await promise;
  } catch (e) {
    if (isTributaryError(e)) return e;
    throw e;
  }
  throw new Error('expected a TributaryError, the call succeeded');
}
