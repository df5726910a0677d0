/**
 * The sync service: py2p's replicated dict (PROTOCOL.md §6) as a mesh service; SyncSocket is its public face.
 *
 * Every replica keeps one record per key (value or tombstone, owner, second) and merges whatever
 * it hears by one order (merge.ts), so replicas that heard the same things agree. Writes are
 * checked against leases where they are made, applied at once, and broadcast (outbox.ts). New
 * neighbours get an initial sync of every key; a record adopted from such a sync is passed on to
 * the other neighbours, and a record that loses to ours is answered with ours, which is how the two
 * sides of a healed partition converge although only the nodes that reconnect exchange syncs.
 */
import { KeyError, LeaseError, SocketClosedError, Web2pError, type StoreError } from '../errors.js';
import type { Connection } from '../mesh/connection.js';
import type { Message } from '../mesh/message.js';
import type { MeshContext, Service } from '../mesh/service.js';
import { every } from '../runtime/clock.js';
import type { PersistOption } from '../store/types.js';
import { flags } from '../wire/flags.js';
import { decode, encode } from '../wire/msgpack.js';
import type { Packet } from '../wire/packet.js';
import type { Protocol } from '../wire/protocol.js';
import { TOMBSTONE_MS, TOMBSTONE_PRUNE_MS } from '../replica/constants.js';
import { describeKey, publicKey } from '../replica/keys.js';
import { isMapping, mergeMapping, type Mapping } from '../replica/mapping.js';
import { tombstoneExpired } from '../replica/tombstones.js';
import { LEASE_SECONDS, SYNC_STORE_PREFIX } from './constants.js';
import { keyBytes, keyFromId, keyId, type Key } from './key-codec.js';
import { checkLease, type LeaseMeta } from './lease.js';
import { compareRecords, deltaApplies, firstWinningSecond, isOwnersNextWrite, laterMeta, type SyncRecord } from './merge.js';
import { deltaPayload, parseDelta, parseStore, storePayload, syncPayload, takesRecord } from './messages.js';
import { Outbox, type PendingWrite } from './outbox.js';
import { openPersistence, type SyncPersistence } from './persistence.js';
import type { SyncSocketOptions } from './sync-socket.js';

interface Entry {
  readonly key: Uint8Array;
  record: SyncRecord;
  /** The link the record came by, for isOwnersNextWrite. */
  via?: Connection | undefined;
}

/** The sync dict as a mesh service: SyncSocket's behaviour, registered for the store and delta sub-flags. */
export class SyncService implements Service {
  readonly name = 'sync';
  readonly subFlags = [flags.store, flags.delta];
  readonly leasing: boolean;
  /** See SyncSocket.ready; set when the service starts. */
  ready!: Promise<void>;
  private readonly leaseSeconds: number;
  private readonly tombstoneMs: number;
  private readonly persist: PersistOption | undefined;
  private readonly storeName: string | undefined;
  private readonly records = new Map<string, Entry>();
  private liveCount = 0;
  /** Ids this node wrote under before a reload; their leases are still ours (see restore). */
  private readonly formerIds = new Set<string>();
  private mesh!: MeshContext;
  private outbox!: Outbox;
  private persistence: SyncPersistence | undefined;
  private restored = false;
  private readonly syncsAwaitingRestore = new Set<Connection>();
  private stopPruning: (() => void) | undefined;

  constructor(options: SyncSocketOptions) {
    this.leasing = options.leasing ?? true;
    this.leaseSeconds = options.leaseSeconds ?? LEASE_SECONDS;
    this.tombstoneMs = options.tombstoneSeconds === undefined ? TOMBSTONE_MS : options.tombstoneSeconds * 1000;
    this.persist = options.persist;
    this.storeName = options.name;
  }

  /** §6.1: the subnet gets '1' with leasing and '0' without, so the two kinds never connect. */
  protocol(protocol: Protocol): Protocol {
    return protocol.withSubnet(protocol.subnet + (this.leasing ? '1' : '0'));
  }

  start(mesh: MeshContext): void {
    this.mesh = mesh;
    this.outbox = new Outbox({ clock: mesh.clock, transmit: (id, write, sent) => this.transmit(id, write, sent) });
    const namespace = SYNC_STORE_PREFIX + mesh.protocol.id + (this.storeName ? `:${this.storeName}` : '');
    this.persistence = openPersistence(this.persist, namespace, (error) => this.reportStoreError(error));
    this.ready = this.restore();
    this.ready.catch(() => {}); // reported as an 'error' event; awaiting it is optional
    this.stopPruning = every(mesh.clock, TOMBSTONE_PRUNE_MS, () => this.pruneTombstones());
  }

  handle(msg: Message, conn: Connection): void {
    if (msg.wire.payload[0] === flags.store) this.handleStore(msg, conn);
    else this.handleDelta(msg, conn);
  }

  stop(): void {
    this.stopPruning?.();
    this.outbox.close();
  }

  async closed(): Promise<void> {
    await this.persistence?.close();
  }

  // ---------------------------------------------------------------- reading

  /** The value at `key`; undefined when absent. */
  get(key: Key): Packet | undefined {
    return this.liveValue(keyBytes(key));
  }

  /** py2p's `sock[key]`: the value, or a KeyError when the key is absent. */
  getItem(key: Key): Packet {
    const bytes = keyBytes(key);
    const value = this.liveValue(bytes);
    if (value === undefined) {
      throw new KeyError(`key ${JSON.stringify(describeKey(bytes))} is not set; use get(key, fallback) for a key that may be absent`);
    }
    return value;
  }

  /** Keys as strings when their bytes are UTF-8 (nearly always), otherwise as Uint8Array copies. */
  *keys(): IterableIterator<Key> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<Packet> {
    for (const [, value] of this.entries()) yield value;
  }

  *entries(): IterableIterator<[Key, Packet]> {
    this.assertRestored();
    for (const { key, record } of this.records.values()) {
      if (record.value !== null) yield [publicKey(key), record.value];
    }
  }

  get size(): number {
    this.assertRestored();
    return this.liveCount;
  }

  // ---------------------------------------------------------------- writing

  /** SyncSocket.set: the value as peers will decode it; null deletes. */
  set(key: Key, value: Packet): void {
    if (value === null) this.delete(key);
    else this.write(ownKey(key), normalised(value), { kind: 'store' });
  }

  /** Deletes `key` for everyone, giving up its lease; false when it was not set. Needs the lease. */
  delete(key: Key): boolean {
    const bytes = keyBytes(key);
    if (this.liveValue(bytes) === undefined) return false;
    this.write(bytes, null, { kind: 'store' });
    return true;
  }

  /** `set` for each pair; when any key is leased to another node, throws before writing any. */
  update(entries: Record<string, Packet> | Map<Key, Packet>): void {
    const pairs = (entries instanceof Map ? [...entries] : Object.entries(entries)).map(
      ([key, value]) => [ownKey(key), value === null ? null : normalised(value)] as const,
    );
    for (const [bytes] of pairs) this.checkWrite(bytes, this.records.get(keyId(bytes))?.record, false);
    for (const [bytes, value] of pairs) {
      if (value !== null) this.write(bytes, value, { kind: 'store' });
      else if (this.liveValue(bytes) !== undefined) this.write(bytes, null, { kind: 'store' });
    }
  }

  /**
   * §6.4: merges `mapping` into the mapping at `key` (shallow, like py2p's dict.update), creating
   * it if absent, and broadcasts just the delta. TypeError when the value there is not a mapping.
   */
  applyDelta(key: Key, mapping: Mapping): void {
    if (!isMapping(mapping)) throw new TypeError('applyDelta needs a mapping: a plain object of sub-keys to values');
    const bytes = ownKey(key);
    const current = this.liveValue(bytes);
    if (current !== undefined && !isMapping(current)) {
      throw new TypeError(`the value at ${JSON.stringify(describeKey(bytes))} is not a mapping, so a delta cannot merge into it`);
    }
    const delta = normalised(mapping) as Mapping;
    this.write(bytes, mergeMapping(current, delta), { kind: 'delta', mapping: delta });
  }

  /**
   * Resolves once every write so far (local or from peers) is durable in the Store; rejects with
   * the StoreError when one is not (the data stays in memory and is tried again on the next write
   * or flush). Without `persist` it resolves at once.
   */
  async flush(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.persistence?.flush();
  }

  /** Applies a write of ours locally and queues its broadcast. */
  private write(bytes: Uint8Array, value: Packet | null, pending: PendingWrite): void {
    const id = keyId(bytes);
    const current = this.records.get(id)?.record;
    this.checkWrite(bytes, current, pending.kind === 'delta');
    const second = this.outbox.plannedSecond(id) ?? firstWinningSecond(current, this.mesh.id, this.mesh.nowSeconds());
    this.setRecord(id, bytes, { value, owner: this.mesh.id, ts: second });
    this.outbox.add(id, pending, second);
  }

  /**
   * Throws unless we may write `current`'s key now: the socket must be open and restored, and with
   * leasing on nobody else may hold the key (§6.3; a tombstone holds no lease, and leases taken
   * under our ids before a reload are ours). With leasing off any write may go; one that would
   * rank below a record dated in our future waits for its second (outbox.ts).
   */
  private checkWrite(bytes: Uint8Array, current: SyncRecord | undefined, isDelta: boolean): void {
    if (this.mesh.closed) throw new SocketClosedError();
    this.assertRestored();
    if (!this.leasing || current === undefined || current.value === null) return;
    const owner = this.formerIds.has(current.owner) ? this.mesh.id : current.owner;
    const now = this.mesh.nowSeconds();
    const verdict = checkLease({
      current: { owner, ts: current.ts },
      incoming: { owner: this.mesh.id, ts: now },
      isDelta,
      leasing: true,
      nowSeconds: now,
      leaseSeconds: this.leaseSeconds,
    });
    if (!verdict.allowed) throw new LeaseError(describeKey(bytes), verdict.owner, verdict.expiresAt);
  }

  /** The outbox's send: the key's record (or the delta) as it is now, timestamped when it leaves. */
  private transmit(id: string, pending: PendingWrite, sent: (second: number) => void): void {
    // Present: a key with a write in the outbox is never pruned.
    const { key, record } = this.records.get(id)!;
    const payload = pending.kind === 'delta' ? deltaPayload(key, pending.mapping) : storePayload(key, record.value);
    this.mesh.debug.print(4, () => `sync: broadcasting ${pending.kind} of ${describeKey(key)}`);
    this.mesh.sendPayload(flags.broadcast, payload, (wire) => {
      sent(wire.time);
      this.afterSend(id, key, pending, record.value, wire.time);
    });
  }

  /**
   * Our record carries the second its broadcast left at, which the mesh can make later than
   * planned. If a record from elsewhere replaced ours while it waited, what we sent still competes
   * on every other replica, so it competes here too, the same way.
   */
  private afterSend(id: string, key: Uint8Array, pending: PendingWrite, value: Packet | null, second: number): void {
    const entry = this.records.get(id);
    if (entry?.record.owner === this.mesh.id) {
      const ts = this.outbox.plannedSecond(id) ?? second;
      if (entry.record.ts < ts) this.setRecord(id, key, { ...entry.record, ts }, { quiet: true });
    } else if (pending.kind === 'delta') {
      this.mergeDelta(key, pending.mapping, { owner: this.mesh.id, ts: second });
    } else {
      this.mergeRecord(key, { value, owner: this.mesh.id, ts: second });
    }
  }

  // ---------------------------------------------------------------- from peers

  /** `[store, key, value]` broadcasts and `[store, key, value, owner, ts]` syncs (§6.2). */
  private handleStore(msg: Message, conn: Connection): void {
    const payload = msg.wire.payload;
    const { key, record, carriesMeta } = parseStore(payload, msg.wire.sender, msg.wire.time, msg.wire.senderIsBin);
    // §6.4 ignores a sync for a key we hold a truthy value for; that would keep the two sides of
    // a healed partition apart for good, so syncs merge by the same order as everything else.
    this.mergeRecord(key, record, conn, carriesMeta);
  }

  private handleDelta(msg: Message, conn: Connection): void {
    const { key, mapping } = parseDelta(msg.wire.payload);
    this.mergeDelta(key, mapping, { owner: msg.wire.sender, ts: msg.wire.time }, conn);
  }

  /**
   * Keeps the larger of `incoming` and our record (merge.ts). A record that loses is answered
   * with ours, so its sender learns what beat it; a sync record that wins is passed on to the
   * other neighbours, since syncs, unlike broadcasts, are not relayed by the mesh.
   */
  private mergeRecord(key: Uint8Array, incoming: SyncRecord, from?: Connection, forward = false): void {
    const id = keyId(key);
    const entry = this.records.get(id);
    const current = entry?.record;
    const sameLink = from !== undefined && entry?.via === from;
    const order = current === undefined || isOwnersNextWrite(current, incoming, sameLink) ? 1 : compareRecords(incoming, current);
    if (order <= 0) {
      if (order < 0) this.refused(key, incoming, current!, from);
      return;
    }
    if (incoming.owner !== this.mesh.id) this.outbox.cancel(id);
    this.setRecord(id, key, incoming, { via: from });
    if (!forward) return;
    for (const conn of this.mesh.routingTable.values()) if (conn !== from) this.sendRecord(conn, key, incoming);
  }

  /** A five-item store to one neighbour, unless it is one that cannot take it (takesRecord). */
  private sendRecord(conn: Connection, key: Uint8Array, record: SyncRecord): void {
    if (takesRecord(conn.dialect, record)) conn.send(flags.whisper, ...syncPayload(key, record));
  }

  /** §6.4 step 4: a delta merges if deltaApplies; the record keeps the later metadata of the two. */
  private mergeDelta(key: Uint8Array, mapping: Mapping, meta: LeaseMeta, from?: Connection): void {
    const id = keyId(key);
    const current = this.records.get(id)?.record;
    if (!deltaApplies(current, meta, this.leasing)) {
      this.refused(key, { value: mapping, ...meta }, current!, from);
      return;
    }
    const { owner, ts } = current === undefined ? meta : laterMeta(current, meta);
    this.setRecord(id, key, { value: mergeMapping(current?.value, mapping), owner, ts });
  }

  private refused(key: Uint8Array, incoming: SyncRecord, current: SyncRecord, from: Connection | undefined): void {
    this.mesh.debug.print(2, () => `sync: ${describeKey(key)} from ${incoming.owner} at ${incoming.ts} loses to ${current.owner} at ${current.ts}`);
    // Answers are bounded per peer and per second: stale records cost the asker a few bytes each.
    if (from && this.mesh.mayAnswer(from, encode(syncPayload(key, current)).length)) this.sendRecord(from, key, current);
  }

  /** Sets a key's record, keeping the count, the store and the listeners up to date. */
  private setRecord(id: string, key: Uint8Array, record: SyncRecord, options: { quiet?: boolean; persist?: boolean; via?: Connection } = {}): void {
    const entry = this.records.get(id);
    const wasLive = entry !== undefined && entry.record.value !== null;
    if (entry) Object.assign(entry, { record, via: options.via });
    else this.records.set(id, { key, record, via: options.via });
    this.liveCount += Number(record.value !== null) - Number(wasLive);
    if (options.persist !== false) this.persistence?.saveRecord(id, record);
    if (options.quiet) return;
    const meta = { owner: record.owner, ts: record.ts };
    if (record.value !== null) this.mesh.emit('update', publicKey(key), record.value, meta);
    else if (wasLive) this.mesh.emit('delete', publicKey(key), meta);
  }

  /** An 'update' for a restored key that is still live (a listener may have changed it since). */
  private announce(key: Uint8Array): void {
    const record = this.records.get(keyId(key))?.record;
    if (record?.value != null) this.mesh.emit('update', publicKey(key), record.value, { owner: record.owner, ts: record.ts });
  }

  // ---------------------------------------------------------------- neighbours, store, upkeep

  /** §6.4: after the peers message, one five-item store per key we hold a value for. */
  peerUp(conn: Connection): void {
    if (!this.restored) {
      this.syncsAwaitingRestore.add(conn);
      return;
    }
    // Tombstones stay home: py2p and js2p fail on a nil store for a key they lack (§11). A
    // neighbour that still has the value offers it in its own sync, and is answered with ours.
    for (const { key, record } of this.records.values()) {
      if (record.value !== null) this.sendRecord(conn, key, record);
    }
  }

  /**
   * Merges the stored records into whatever arrived meanwhile. A reload makes a new node id, so the
   * ids this store wrote under are kept too, and leases they hold stay ours (checkWrite): other
   * nodes still see those leases and refuse to write, and our next write renews the key under the
   * new id. Then the neighbours that connected meanwhile get their initial sync.
   */
  private async restore(): Promise<void> {
    const persistence = this.persistence;
    if (!persistence) {
      this.restored = true;
      return;
    }
    // Restored records are announced only once all of them are in and reads work (announce()).
    const restoredKeys: Uint8Array[] = [];
    try {
      const found = await persistence.restore();
      let skipped = found.skipped;
      for (const [id, record] of found.records) {
        try {
          const key = keyFromId(id);
          if (compareRecords(record, this.records.get(id)?.record ?? record) < 0) continue;
          this.setRecord(id, key, record, { persist: false, quiet: true });
          restoredKeys.push(key);
        } catch {
          skipped++;
        }
      }
      if (skipped > 0) this.mesh.debug.print(1, () => `sync: ignored ${skipped} entries in the store that are not sync records`);
      const owners = new Set<string>();
      for (const { record } of this.records.values()) if (record.value !== null) owners.add(record.owner);
      for (const id of found.formerIds) if (owners.has(id)) this.formerIds.add(id);
    } catch (error) {
      this.reportStoreError(error as StoreError);
      throw error;
    } finally {
      this.restored = true;
      for (const key of restoredKeys) this.announce(key);
      persistence.saveIds([...this.formerIds, this.mesh.id]);
      this.pruneTombstones();
      for (const conn of this.syncsAwaitingRestore) this.peerUp(conn);
      this.syncsAwaitingRestore.clear();
    }
  }

  private reportStoreError(error: StoreError): void {
    this.mesh.reportError(error, 'sync');
  }

  /** Forgets expired deletes (replica/tombstones.ts; a record's ts is in seconds). */
  private pruneTombstones(): void {
    const now = this.mesh.clock.now();
    for (const [id, { record }] of this.records) {
      if (record.value !== null || !tombstoneExpired(record.ts * 1000, now, this.tombstoneMs) || this.outbox.has(id)) continue;
      this.records.delete(id);
      this.persistence?.forgetRecord(id);
    }
  }

  /** The value at `bytes`; undefined when absent or deleted. */
  private liveValue(bytes: Uint8Array): Packet | undefined {
    this.assertRestored();
    return this.records.get(keyId(bytes))?.record.value ?? undefined;
  }

  private assertRestored(): void {
    if (!this.restored) {
      throw new Web2pError('the sync socket is still restoring its records from the store; await sock.ready first');
    }
  }
}

/** The key's bytes, copied when the caller passed bytes, which they may change afterwards. */
function ownKey(key: Key): Uint8Array {
  return typeof key === 'string' ? keyBytes(key) : keyBytes(key).slice();
}

/** The value as every peer will decode it, and a copy the caller can no longer change. */
function normalised(value: Packet): Packet {
  if (value === undefined) throw new TypeError('a sync value cannot be undefined; use delete(key) to remove a key');
  return decode(encode(value));
}
