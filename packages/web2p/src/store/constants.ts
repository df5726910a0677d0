/** Store naming. Namespaces themselves (per socket and per kind) are chosen by the callers. */

/**
 * Each namespace gets its own IndexedDB database named with this prefix. idb-keyval creates its
 * object store only when the database is first created, so two namespaces cannot share a database;
 * the prefix keeps ours apart from other databases of the same origin.
 */
export const IDB_DATABASE_PREFIX = 'web2p:';

/** The one object store inside each namespace's database. */
export const IDB_OBJECT_STORE = 'kv';

/**
 * How many tabs of one browser profile can each keep their own copy of one namespace
 * (tab-slot-store.ts). A tab past this gets a StoreError saying so; nobody keeps this many tabs of
 * one app open, and each slot costs a lock request while a tab looks for a free one.
 */
export const MAX_TAB_SLOTS = 32;

/**
 * How long a reloaded tab waits for the slot it had before the reload. The old page's lock is
 * released as it unloads, within milliseconds; a tab still holding it after this long is another
 * tab (a duplicated tab copies sessionStorage), so this one takes a free slot instead.
 */
export const TAB_SLOT_RECLAIM_MS = 2_000;

/** Web Locks names and sessionStorage keys of tab slots: this prefix and the namespace. */
export const TAB_SLOT_PREFIX = 'web2p-slot:';
