/**
 * What a Store can hold: the values IndexedDB keeps natively through structured cloning, which
 * covers every msgpack Packet (wire/packet.ts) plus objects wrapping one, such as a sync value with
 * its lease metadata. A `type` alias (not an `interface`) for such a record is assignable here.
 */
export type StoreValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly StoreValue[]
  | { readonly [key: string]: StoreValue };

/**
 * Async key/value persistence for sync leases and chord shards. One Store is one namespace: sync
 * and chord each open their own, named per socket, so their keys never meet.
 *
 * Durability: once a write (`set`, `setMany`, `delete`, `deleteMany`, `clear`) resolves, it
 * survives closing the store and reopening the same namespace (for the IndexedDB store: a reload
 * or a tab crash; against power loss it is as strong as the browser's IndexedDB commit). Every
 * failure rejects with a StoreError, and a failed write changes nothing.
 *
 * Values are copies both ways: mutating a value after `set`, or one returned by `get`, never
 * changes what is stored.
 */
export interface Store {
  /** The value under `key`, or undefined when there is none. */
  get(key: string): Promise<StoreValue | undefined>;
  /** Writes `value` at `key`; resolves once stored (durably, for a persistent store). */
  set(key: string, value: StoreValue): Promise<void>;
  /** All pairs in one transaction: readers see all of them or none, and a failure writes none. */
  setMany(entries: readonly (readonly [string, StoreValue])[]): Promise<void>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** All keys in one transaction, like setMany. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Every pair in the namespace, in no particular order. */
  entries(): Promise<[string, StoreValue][]>;
  /** Empties the namespace. */
  clear(): Promise<void>;
  /** Releases the backend. Idempotent; any later call rejects with a StoreError. */
  close(): Promise<void>;
}

/** Where `persist: { dir }` keeps a node's stores on disk (Node; browsers use IndexedDB). */
export type PersistLocation = { readonly dir: string };

/**
 * A socket's `persist` option: false for none; true for the platform's persistent store (IndexedDB
 * in browsers, `./.web2p` in Node); `{ dir }` for a directory (Node); or any Store of the caller's.
 */
export type PersistOption = boolean | Store | PersistLocation;
