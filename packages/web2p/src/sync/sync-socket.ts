/**
 * SyncSocket's API: "a sync socket is a mesh socket with a dict" (py2p). The dict's behaviour lives in
 * the sync service (sync-service.ts), which the mesh hands the store and delta messages.
 */
import type { MeshEvents, MeshSocketOptions } from '../mesh/mesh-socket.js';
import { MeshSocket } from '../mesh/mesh-socket.js';
import type { PersistOption } from '../store/types.js';
import type { Packet } from '../wire/packet.js';
import { Protocol } from '../wire/protocol.js';
import type { Key } from './key-codec.js';
import type { LeaseMeta } from './lease.js';
import type { Mapping } from '../replica/mapping.js';
import { SyncService } from './sync-service.js';

export type { Key } from './key-codec.js';
export type { Mapping } from '../replica/mapping.js';

/** Options of `new SyncSocket(options)`: the mesh's, plus leasing and persistence. */
export interface SyncSocketOptions extends MeshSocketOptions {
  /** Leases on (default; py2p's leasing=True) or last-writer-wins. Part of the protocol id (§6.1). */
  leasing?: boolean;
  /**
   * Keep the dict, with its lease metadata, across reloads: `true` for IndexedDB in browsers and
   * `./.web2p` in Node, `{ dir }` for another directory (Node), or any Store. Await `ready` before use.
   */
  persist?: PersistOption;
  /** With `persist: true`, tells apart sockets of one protocol sharing an origin. */
  name?: string;
  /** Lease length; default LEASE_SECONDS (one hour, as py2p). */
  leaseSeconds?: number;
  /** How long deletes are remembered; default TOMBSTONE_MS (replica/constants.ts) in seconds. */
  tombstoneSeconds?: number;
  /**
   * How far ahead of our clock a peer's record may be dated; later ones are refused (a
   * RecordRefusedError, reason 'future'), and their writer dropped when it sent them itself.
   * Default SYNC_CLOCK_WINDOW_SECONDS (60); peers should agree on it.
   */
  clockWindowSeconds?: number;
  /**
   * Most keys (values and tombstones) one owner may keep here: our own writes past it throw
   * QuotaExceededError; a peer's are refused. Default SYNC_MAX_KEYS_PER_OWNER (10,000).
   */
  maxKeysPerOwner?: number;
  /** Most bytes (keys and encoded values) one owner may keep here. Default SYNC_MAX_BYTES_PER_OWNER (8 MiB). */
  maxBytesPerOwner?: number;
  /**
   * Most keys kept here from all owners together: past it new keys are refused, ours (QuotaExceededError,
   * `what` 'stored-keys') and peers' alike. Default SYNC_MAX_STORED_KEYS (100,000).
   */
  maxStoredKeys?: number;
  /** Most bytes kept here from all owners together. Default SYNC_MAX_STORED_BYTES (128 MiB). */
  maxStoredBytes?: number;
}

/** The events of a SyncSocket: the mesh's, plus `update` and `delete` of keys. */
export type SyncEvents = MeshEvents & {
  /** A key's value changed: set here, by a peer, or restored from the store. `meta`: who wrote it, when. */
  update: (key: Key, value: Packet, meta: LeaseMeta) => void;
  /** A key was deleted, here or by a peer (also when a delete beats a value in a merge). */
  delete: (key: Key, meta: LeaseMeta) => void;
};

/**
 * SyncSocket: py2p's replicated dict on top of the mesh (PROTOCOL.md §6).
 *
 * Every replica keeps one record per key (value or tombstone, owner, second) and merges whatever
 * it hears by one order (merge.ts), so replicas that heard the same things agree. Writes are
 * checked against leases where they are made, applied at once, and broadcast (outbox.ts). New
 * neighbours get an initial sync of every key; a record adopted from such a sync is passed on to
 * the other neighbours, and a record that loses to ours is answered with ours, which is how the two
 * sides of a healed partition converge although only the nodes that reconnect exchange syncs.
 *
 * @example
 * ```ts
 * import { SyncSocket } from 'web2p';
 *
 * const dict = new SyncSocket({ persist: true });  // IndexedDB: survives reloads
 * await dict.ready;
 * await dict.connect('ws://127.0.0.1:8787/dict');
 * dict.set(`cursor:${dict.id}`, { x: 1, y: 2 });    // a key of one's own: nobody else may change it for an hour
 * dict.on('update', (key, value, meta) => console.log(key, value, meta.owner));
 * ```
 */
export class SyncSocket extends MeshSocket<SyncEvents> {
  /** The protocol of sockets made without one (py2p's `sync.default_protocol`). */
  static override defaultProtocol = new Protocol('sync', 'Plaintext');

  /** Whether the first writer of a key holds a lease on it (else the last writer wins). */
  readonly leasing: boolean;
  /**
   * Resolves once the records in the store (with `persist`) are restored. Until then reads and
   * writes throw, and new neighbours' initial syncs wait. Rejects, after an 'error' event, with the
   * StoreError if the store could not be read; the socket then carries on without the old records.
   * With `persist` (and no `identity` option) the node's identity is kept in the same store, and
   * `id` is known once this resolves.
   */
  declare readonly ready: Promise<void>;
  readonly #dict: SyncService;

  constructor(options: SyncSocketOptions = {}) {
    const dict = new SyncService(options);
    super(options, [dict]);
    this.#dict = dict;
    this.leasing = dict.leasing;
    this.ready = this.ready.then(() => dict.ready); // the service starts once the identity is known
  }

  /** The value at `key`, or `fallback` when absent. Falsy values (0, '', false) are values. */
  get(key: Key): Packet | undefined;
  get<F>(key: Key, fallback: F): Packet | F;
  get<F>(key: Key, fallback?: F): Packet | F | undefined {
    return this.#dict.get(key) ?? fallback;
  }

  /** py2p's `sock[key]`: the value, or a KeyError when the key is absent. */
  getItem(key: Key): Packet {
    return this.#dict.getItem(key);
  }

  /** Whether `key` holds a value. */
  has(key: Key): boolean {
    return this.get(key) !== undefined;
  }

  /** Keys as strings when their bytes are UTF-8 (nearly always), otherwise as Uint8Array copies. */
  keys(): IterableIterator<Key> {
    return this.#dict.keys();
  }

  /** The values of every key, in the order of `keys()`. */
  values(): IterableIterator<Packet> {
    return this.#dict.values();
  }

  /** `[key, value]` for every key, keys as in `keys()`. */
  entries(): IterableIterator<[Key, Packet]> {
    return this.#dict.entries();
  }

  /** How many keys hold a value. */
  get size(): number {
    return this.#dict.size;
  }

  /**
   * Sets `key` for everyone. Throws a LeaseError (named 'KeyError', as py2p raises) when another
   * node holds the key, before anything is sent. `null` deletes, as py2p's None does. The value is
   * stored as the peers will decode it (a copy, through msgpack); treat what `get` returns as
   * read-only. Throws MessageTooLargeError, and keeps nothing, when the key and value would not fit
   * in one frame as a sync (maxFrameBytes less SYNC_MESSAGE_ENVELOPE_BYTES): no peer could get it.
   */
  set(key: Key, value: Packet): this {
    this.#dict.set(key, value);
    return this;
  }

  /** Deletes `key` for everyone, giving up its lease; false when it was not set. Needs the lease. */
  delete(key: Key): boolean {
    return this.#dict.delete(key);
  }

  /** `set` for each pair; when any key is leased to another node, or too large, throws before writing any. */
  update(entries: Record<string, Packet> | Map<Key, Packet>): void {
    this.#dict.update(entries);
  }

  /**
   * §6.4: merges `mapping` into the mapping at `key` (shallow, like py2p's dict.update), creating
   * it if absent, and broadcasts just the delta. TypeError when the value there is not a mapping;
   * MessageTooLargeError, before anything changes, when the merged value would be too large to send.
   */
  applyDelta(key: Key, mapping: Mapping): void {
    this.#dict.applyDelta(key, mapping);
  }

  /**
   * Resolves once every write so far (local or from peers) is durable in the Store; rejects with
   * the StoreError when one is not (the data stays in memory and is tried again on the next write
   * or flush). Without `persist` it resolves at once.
   */
  flush(): Promise<void> {
    return this.#dict.flush();
  }
}
