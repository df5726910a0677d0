/** Sync limits (protocol.md §6). Every one can be overridden through options. */

/**
 * How long a write holds its key against other writers: one hour from the owner's last write, as
 * py2p and js2p hard-code (protocol.md §6.3 clause 4). Peers must agree on it, or they would accept
 * different stores for the same key and the replicas would diverge.
 */
export const LEASE_SECONDS = 3600;

/**
 * How long a deleted key's tombstone (who deleted it, and when) is kept. A tombstone is what stops
 * an older copy of the value, held by a replica that was cut off when the delete went out, from
 * coming back when that replica reconnects. A replica away for longer than this may bring deleted
 * keys back. Only local: peers need not agree on it.
 */
export const TOMBSTONE_SECONDS = 24 * 3600;

/** How often tombstones older than TOMBSTONE_SECONDS are dropped from memory and the store. */
export const TOMBSTONE_PRUNE_MS = 3600_000;

/** Store namespace of `persist: true`: this prefix, the protocol id, and the optional `name`. */
export const SYNC_STORE_PREFIX = 'sync:';
