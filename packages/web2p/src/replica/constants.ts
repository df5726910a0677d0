/** Rules shared by the replicated dicts (sync and chord). */

/**
 * How long a deleted key's tombstone (who deleted it, and when) is kept, in milliseconds of the
 * injected clock like every other duration here. A tombstone is what stops an older copy of the
 * value, held by a replica that was cut off when the delete went out (a laptop shut overnight, a
 * tab in the background, a node restarted from its store), from coming back when that replica
 * returns; a replica away for longer than this may bring deleted keys back. A day covers the usual
 * overnight absence, and a tombstone costs only a key and a timestamp. Only local: peers need not
 * agree on it.
 */
export const TOMBSTONE_MS = 24 * 3_600_000;

/** How often tombstones older than their lifetime are dropped from memory and the store. */
export const TOMBSTONE_PRUNE_MS = 3_600_000;

/**
 * How many verified signatures are remembered, so that the copies of one record arriving from
 * several neighbours (and, in the simulator, at every node of the process) cost one Ed25519
 * verification, not one each. An entry is its signature and signed bytes (about 250 bytes), so the
 * cache stays under about 1 MiB; it only saves work, never decides anything.
 */
export const VERIFIED_SIGNATURES_CACHED = 4096;

/**
 * How often a neighbour's records refused without blaming it (passed on, not written by it) are
 * reported: once a minute says what is happening without an 'error' event per record.
 */
export const PASSED_ON_REPORT_MS = 60_000;
