import { StoreError } from '../errors.js';

/** What every call on a closed store rejects with: the caller is holding a stale handle. */
export function closedStoreError(description: string): StoreError {
  return new StoreError(`${description} is closed; open the namespace again to keep using it`);
}
