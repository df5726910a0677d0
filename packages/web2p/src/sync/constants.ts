/** Sync limits (PROTOCOL.md §6). Every one can be overridden through options. */
import { ID_BYTES } from '../wire/constants.js';

/**
 * How long a write holds its key against other writers: one hour from the owner's last write, as
 * py2p and js2p hard-code (PROTOCOL.md §6.3 clause 4). Peers must agree on it, or they would accept
 * different stores for the same key and the replicas would diverge.
 */
export const LEASE_SECONDS = 3600;

/** Store namespace of `persist: true`: this prefix, the protocol id, and the optional `name`. */
export const SYNC_STORE_PREFIX = 'sync:';

/**
 * How far ahead of our clock a record's timestamp may be (seconds). A later record wins a key, so a
 * timestamp far in the future would hold the key against every honest write until that time (and
 * one of 2^53 - 1 for ever). A minute covers honest clock skew between peers (NTP keeps them within
 * a second or two) while keeping what a bad clock can do to a minute. Peers should agree on it.
 */
export const SYNC_CLOCK_WINDOW_SECONDS = 60;

/**
 * How many keys (values and tombstones) one owner may keep on each replica. Every replica holds
 * every key, so without it one peer writing 100,000 keys fills every node's memory and store
 * (issue 16); ten thousand is far more than a presence, cursor or settings dict needs.
 */
export const SYNC_MAX_KEYS_PER_OWNER = 10_000;

/**
 * How many bytes (keys plus msgpack-encoded values) one owner may keep on each replica: 8 MiB, so
 * that a few hundred owners at their quota still fit a tab's memory, while one owner can still keep
 * thousands of small values or a few large ones.
 */
export const SYNC_MAX_BYTES_PER_OWNER = 8 * 1024 * 1024;

/**
 * How many keys one replica keeps from all owners together. Owner quotas alone do not bound a
 * replica: a peer can sign records as any number of identities it makes (and under trust 'legacy'
 * name any owner unsigned), each with its own quota. 100,000 is ten owners at their key quota, far
 * more than a room's shared dict holds, and about 100 MB of memory (a record with its signature
 * took 963 bytes of heap, measured with 50,000 small keys); past it new keys are refused, everyone's
 * alike.
 */
export const SYNC_MAX_STORED_KEYS = 100_000;

/**
 * How many bytes one replica keeps from all owners together, for the same reason: 128 MiB, sixteen
 * owners at their byte quota; with the keys' own cost, a full replica stays near a quarter of a
 * gigabyte, which a tab can hold (and again in IndexedDB).
 */
export const SYNC_MAX_STORED_BYTES = 128 * 1024 * 1024;

/**
 * A peer writing a key another node holds is dropped only when the holder's record has been here
 * at least this long (seconds): before that the two writers may simply not have heard of each
 * other yet (a race, which leases settle without blaming anyone). Several propagation delays.
 */
export const SYNC_RACE_SECONDS = 5;

/**
 * The most a sync store whisper adds to its key and msgpack value (what a record's entry counts):
 * array header 1, flag 1, the key's bin header 5, the owner id 130 (ids are at most 128 characters),
 * the time 9 and the proof [ts, 32-byte key, 64-byte signature] 110. Charged with the entry's size
 * against a peer's answer budget, so an answer is never charged less than it costs, without
 * encoding a record (up to a frame of 16 MiB) only to measure it.
 */
export const SYNC_RECORD_ENVELOPE_BYTES = 256;

/**
 * The most a sync store whisper's frame body adds to its key and msgpack value: the message id 32,
 * the type 1, the sender 130 (any node passes records on, and ids are at most 128 characters), the
 * time 9, and the record's envelope above. A write whose record would not fit maxFrameBytes with it
 * is refused (MessageTooLargeError) before it is applied: no peer could be sent it.
 */
export const SYNC_MESSAGE_ENVELOPE_BYTES = ID_BYTES + 1 + 130 + 9 + SYNC_RECORD_ENVELOPE_BYTES;
