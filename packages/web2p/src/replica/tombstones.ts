import { TOMBSTONE_MS } from './constants.js';

/**
 * The one tombstone rule of sync and chord: a deletion made at `deletedAtMs` (the writer's clock)
 * is forgotten once it is older than `lifetimeMs` on our clock.
 */
export function tombstoneExpired(deletedAtMs: number, nowMs: number, lifetimeMs: number = TOMBSTONE_MS): boolean {
  return deletedAtMs < nowMs - lifetimeMs;
}
