/** Sync limits (PROTOCOL.md §6). Every one can be overridden through options. */

/**
 * How long a write holds its key against other writers: one hour from the owner's last write, as
 * py2p and js2p hard-code (PROTOCOL.md §6.3 clause 4). Peers must agree on it, or they would accept
 * different stores for the same key and the replicas would diverge.
 */
export const LEASE_SECONDS = 3600;

/** Store namespace of `persist: true`: this prefix, the protocol id, and the optional `name`. */
export const SYNC_STORE_PREFIX = 'sync:';
