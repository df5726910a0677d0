/** Store naming. Namespaces themselves (per socket and per kind) are chosen by the callers. */

/**
 * Each namespace gets its own IndexedDB database named with this prefix. idb-keyval creates its
 * object store only when the database is first created, so two namespaces cannot share a database;
 * the prefix keeps ours apart from other databases of the same origin.
 */
export const IDB_DATABASE_PREFIX = 'web2p:';

/** The one object store inside each namespace's database. */
export const IDB_OBJECT_STORE = 'kv';
