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
import { KeyError, LeaseError, MessageTooLargeError, QuotaExceededError, SocketClosedError, Web2pError, type StoreError } from '../errors.js';
import { identityFromSecretKey, nodeIdOf, type Identity } from '../identity/identity.js';
import type { StoredIdentity } from '../identity/stored-identity.js';
import type { Connection } from '../mesh/connection.js';
import type { Message } from '../mesh/message.js';
import type { MeshContext, Service } from '../mesh/service.js';
import { every } from '../runtime/clock.js';
import type { PersistOption } from '../store/types.js';
import { flags } from '../wire/flags.js';
import { decode, encode } from '../wire/msgpack.js';
import type { WireMessage } from '../wire/message.js';
import type { Packet } from '../wire/packet.js';
import type { Protocol } from '../wire/protocol.js';
import { TOMBSTONE_MS, TOMBSTONE_PRUNE_MS } from '../replica/constants.js';
import { describeKey, publicKey } from '../replica/keys.js';
import { isMapping, mergeMapping, type Mapping } from '../replica/mapping.js';
import { tombstoneExpired } from '../replica/tombstones.js';
import { limitOf, recordSize, WriterUsage } from '../replica/quota.js';
import type { Proof } from '../replica/signatures.js';
import { admit, dropOffender, type AdmissionRules, type Candidate } from './admission.js';
import { PassedOnReports } from '../replica/passed-on-reports.js';
import { Contenders } from './contenders.js';
import {
  LEASE_SECONDS,
  SYNC_CLOCK_WINDOW_SECONDS,
  SYNC_MAX_BYTES_PER_OWNER,
  SYNC_MAX_KEYS_PER_OWNER,
  SYNC_MAX_STORED_BYTES,
  SYNC_MAX_STORED_KEYS,
  SYNC_RACE_SECONDS,
  SYNC_MESSAGE_ENVELOPE_BYTES,
  SYNC_RECORD_ENVELOPE_BYTES,
  SYNC_STORE_PREFIX,
} from './constants.js';
import { keyBytes, keyFromId, keyId, type Key } from './key-codec.js';
import { checkLease, type LeaseMeta } from './lease.js';
import { compareMeta, compareRecords, deltaApplies, firstWinningSecond, isOwnersNextWrite, laterMeta, type SyncRecord } from './merge.js';
import { deltaPayload, parseDelta, parseStore, storePayload, syncPayload, takesRecord, type DeltaMessage, type StoreMessage } from './messages.js';
import { signDelta, signRecord, verifyDelta, verifyRecord } from './record-proof.js';
import { Outbox, type PendingWrite } from './outbox.js';
import { openPersistence, type SyncPersistence } from './persistence.js';
import type { SyncSocketOptions } from './sync-socket.js';
import type { MaybePromise } from '../identity/ed25519.js';

interface Entry {
  readonly key: Uint8Array;
  record: SyncRecord;
  /** The record's size for the quota: the key's bytes and the value's encoding. */
  bytes: number;
  /** Since when (clock ms) the record's owner has held the key here (admission.ts isBreach). */
  since: number;
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
  /**
   * Ids this node wrote under before a reload, with the identity when the store kept its key: their
   * leases are still ours (see restore), and with the key we renew them as that id (writerFor).
   */
  private readonly former = new Map<string, Identity | undefined>();
  private mesh!: MeshContext;
  private outbox!: Outbox;
  private contenders!: Contenders;
  private persistence: SyncPersistence | undefined;
  private restored = false;
  private readonly syncsAwaitingRestore = new Set<Connection>();
  private stopPruning: (() => void) | undefined;
  /** What peers' records must pass before they merge (admission.ts), with each owner's usage. */
  private readonly rules: AdmissionRules;
  /** Broadcasts admitted by vet, which handle() then merges without checking them again. */
  private readonly vetted = new WeakSet<WireMessage>();

  constructor(options: SyncSocketOptions) {
    this.leasing = options.leasing ?? true;
    this.leaseSeconds = options.leaseSeconds ?? LEASE_SECONDS;
    this.rules = {
      leasing: this.leasing,
      leaseSeconds: this.leaseSeconds,
      clockWindowSeconds: options.clockWindowSeconds ?? SYNC_CLOCK_WINDOW_SECONDS,
      raceSeconds: SYNC_RACE_SECONDS,
      usage: new WriterUsage({
        keys: options.maxKeysPerOwner ?? SYNC_MAX_KEYS_PER_OWNER,
        bytes: options.maxBytesPerOwner ?? SYNC_MAX_BYTES_PER_OWNER,
        storedKeys: options.maxStoredKeys ?? SYNC_MAX_STORED_KEYS,
        storedBytes: options.maxStoredBytes ?? SYNC_MAX_STORED_BYTES,
      }),
      passedOn: new PassedOnReports('sync'),
    };
    this.tombstoneMs = options.tombstoneSeconds === undefined ? TOMBSTONE_MS : options.tombstoneSeconds * 1000;
    this.persist = options.persist;
    this.storeName = options.name;
  }

  /** §6.1: the subnet gets '1' with leasing and '0' without, so the two kinds never connect. */
  protocol(protocol: Protocol): Protocol {
    return protocol.withSubnet(protocol.subnet + (this.leasing ? '1' : '0'));
  }

  /** With `persist`, the node's identity lives in the same store slot as its records and leases. */
  storedIdentity(protocol: Protocol, create: () => MaybePromise<Identity>): Promise<StoredIdentity> | undefined {
    return this.openStore(protocol)?.identity(create);
  }

  /** The store, opened once: storedIdentity() comes before start(). */
  private openStore(protocol: Protocol): SyncPersistence | undefined {
    if (this.persistence === undefined && this.persist) {
      const namespace = SYNC_STORE_PREFIX + protocol.id + (this.storeName ? `:${this.storeName}` : '');
      this.persistence = openPersistence(this.persist, namespace, (error) => this.reportStoreError(error));
    }
    return this.persistence;
  }

  start(mesh: MeshContext): void {
    this.mesh = mesh;
    this.outbox = new Outbox({ clock: mesh.clock, transmit: (id, write, sent) => this.transmit(id, write, sent) });
    this.contenders = new Contenders({
      clock: mesh.clock,
      leaseEndsAt: (id, contender) => this.leaseEndsAt(id, contender),
      adopt: (id, record) => this.mergeRecord(this.records.get(id)?.key ?? keyFromId(id), record, undefined, true),
    });
    this.openStore(mesh.protocol);
    this.ready = this.restore();
    this.ready.catch(() => {}); // reported as an 'error' event; awaiting it is optional
    this.stopPruning = every(mesh.clock, TOMBSTONE_PRUNE_MS, () => this.pruneTombstones());
  }

  handle(msg: Message, conn: Connection): void {
    dropOffender(this.mesh, conn, () => {
      if (msg.wire.payload[0] === flags.store) this.handleStore(msg, conn);
      else this.handleDelta(msg, conn);
    });
  }

  /** A store or delta broadcast is checked before the mesh relays it (admission.ts). */
  vet(msg: Message, conn: Connection): boolean {
    const admitted =
      msg.wire.payload[0] === flags.store
        ? this.admitStore(this.parseStore(msg), conn)
        : this.admitDelta(parseDelta(msg.wire.payload), msg.wire.sender, msg.wire.time, conn);
    if (admitted) this.vetted.add(msg.wire);
    return admitted;
  }

  stop(): void {
    this.stopPruning?.();
    this.outbox.close();
    this.contenders.close();
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
    this.checkSizes(pairs);
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
    const writer = this.writerFor(current);
    this.checkSizes([[bytes, value]]);
    const second = this.outbox.plannedSecond(id) ?? firstWinningSecond(current, writer.id, this.mesh.nowSeconds());
    const proof = signRecord(writer.identity, this.mesh.protocol.id, bytes, value, second);
    this.setRecord(id, bytes, { value, owner: writer.id, ts: second, proof });
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
    const owner = this.former.has(current.owner) ? this.mesh.id : current.owner;
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

  /**
   * Throws, before anything is written: MessageTooLargeError when a record could not travel in one
   * frame (it would stay here alone, and the replicas would differ), QuotaExceededError when the
   * writes would take a writer of ours past its quota.
   */
  private checkSizes(writes: ReadonlyArray<readonly [Uint8Array, Packet | null]>): void {
    const added = new Map<string, { keys: number; bytes: number }>();
    const stored = { keys: 0, bytes: 0 };
    const { maxFrameBytes } = this.mesh;
    for (const [bytes, value] of writes) {
      const size = recordSize(bytes, value);
      // An upper bound of the largest form the record travels in (a sync, through any node).
      if (size + SYNC_MESSAGE_ENVELOPE_BYTES > maxFrameBytes) throw new MessageTooLargeError(size + SYNC_MESSAGE_ENVELOPE_BYTES, maxFrameBytes);
      const entry = this.records.get(keyId(bytes));
      const writer = this.writerFor(entry?.record).id;
      const replaced = entry?.record.owner === writer ? entry.bytes : undefined;
      const sum = added.get(writer) ?? { keys: 0, bytes: 0 };
      sum.keys += replaced === undefined ? 1 : 0;
      sum.bytes += size - (replaced ?? 0);
      added.set(writer, sum);
      stored.keys += entry ? 0 : 1;
      stored.bytes += size - (entry?.bytes ?? 0);
    }
    const { usage } = this.rules;
    for (const [writer, sum] of added) {
      const over = usage.exceededBy(writer, sum.keys, sum.bytes) ?? usage.storedExceededBy(stored.keys, stored.bytes);
      if (over !== undefined) throw new QuotaExceededError(writer, over, limitOf(usage.limits, over));
    }
  }

  /**
   * The outbox's send: the key's record (or the delta) as it is now, signed with the second it was
   * planned for (its record's ts), which is the time receivers give it (§14.13).
   */
  private transmit(id: string, pending: PendingWrite, sent: (second: number) => void): void {
    // Present: a key with a write in the outbox is never pruned.
    const entry = this.records.get(id)!;
    const { key } = entry;
    const record = this.ownProof(entry) as SyncRecord & { proof: Proof }; // written by us, so signed
    if (record.owner !== this.mesh.id) {
      // A former id's record cannot be a broadcast (its owner would be the sender): it goes as
      // syncs, which receivers pass on.
      for (const conn of this.mesh.routingTable.values()) this.sendRecord(conn, key, record);
      sent(record.ts);
      this.afterSend(id, key, { kind: 'store' }, record, record.ts);
      return;
    }
    const payload =
      pending.kind === 'delta'
        ? deltaPayload(key, pending.mapping, { ts: record.ts, ...signDelta(this.mesh.identity, this.mesh.protocol.id, key, pending.mapping, record.ts), record: record.proof })
        : storePayload(key, record);
    this.mesh.debug.print(4, () => `sync: broadcasting ${pending.kind} of ${describeKey(key)}`);
    this.mesh.sendPayload(flags.broadcast, payload, () => {
      sent(record.ts);
      this.afterSend(id, key, pending, record, record.ts);
    });
  }

  /**
   * The record at `entry`, signed when it is ours (writes are signed when made, restored or
   * re-dated records when first sent); unchanged when we hold no key for its owner.
   */
  private ownProof(entry: Entry): SyncRecord {
    const { record } = entry;
    const identity = record.owner === this.mesh.id ? this.mesh.identity : this.former.get(record.owner);
    if (record.proof || identity === undefined) return record;
    const proof = signRecord(identity, this.mesh.protocol.id, entry.key, record.value, record.ts);
    entry.record = { ...record, proof };
    this.persistence?.saveRecord(keyId(entry.key), entry.record);
    return entry.record;
  }

  /** Who writes over `current` for us: a former id of ours that holds it, when we kept its key; else our id. */
  private writerFor(current: SyncRecord | undefined): { id: string; identity: Identity } {
    const former = current?.value != null ? this.former.get(current.owner) : undefined;
    return former ? { id: current!.owner, identity: former } : { id: this.mesh.id, identity: this.mesh.identity };
  }

  private isOurs(owner: string): boolean {
    return owner === this.mesh.id || this.former.has(owner);
  }

  /**
   * Our record carries the second its broadcast left at, which the mesh can make later than
   * planned. If a record from elsewhere replaced ours while it waited, what we sent still competes
   * on every other replica, so it competes here too, the same way.
   */
  private afterSend(id: string, key: Uint8Array, pending: PendingWrite, sent: SyncRecord, second: number): void {
    const entry = this.records.get(id);
    if (entry !== undefined && entry.record.owner === sent.owner) {
      const ts = this.outbox.plannedSecond(id) ?? second;
      const { value, owner, ownerBin } = entry.record;
      if (entry.record.ts < ts) this.setRecord(id, key, { value, owner, ownerBin, ts }, { quiet: true });
    } else if (pending.kind === 'delta') {
      this.mergeDelta(key, pending.mapping, { owner: sent.owner, ts: second });
    } else {
      this.mergeRecord(key, sent);
    }
  }

  // ---------------------------------------------------------------- from peers

  /** `[store, key, value]` broadcasts and `[store, key, value, owner, ts]` syncs (§6.2), signed or not (§14.13). */
  private handleStore(msg: Message, conn: Connection): void {
    const store = this.parseStore(msg);
    if (!this.vetted.has(msg.wire) && !this.admitStore(store, conn)) return;
    // §6.4 ignores a sync for a key we hold a truthy value for; that would keep the two sides of
    // a healed partition apart for good, so syncs merge by the same order as everything else.
    this.mergeRecord(store.key, store.record, conn, store.carriesMeta);
  }

  private handleDelta(msg: Message, conn: Connection): void {
    const delta = parseDelta(msg.wire.payload);
    const owner = msg.wire.sender;
    if (!this.vetted.has(msg.wire) && !this.admitDelta(delta, owner, msg.wire.time, conn)) return;
    this.mergeDelta(delta.key, delta.mapping, { owner, ts: delta.proof?.ts ?? msg.wire.time }, conn, delta.proof?.record);
  }

  private parseStore(msg: Message): StoreMessage {
    return parseStore(msg.wire.payload, msg.wire.sender, msg.wire.time, msg.wire.senderIsBin);
  }

  /** Whether a peer's record may merge (admission.ts); throws when the peer is to be dropped. */
  private admitStore({ key, record, carriesMeta }: StoreMessage, conn: Connection): boolean {
    const entry = this.records.get(keyId(key));
    let bytes: number | undefined;
    const size = (): number => (bytes ??= recordSize(key, record.value));
    // Ours already: nothing to check or merge. Sizes first, so that a record of a few bytes cannot
    // make us encode a large value of ours to tell it apart.
    if (entry && compareMeta(record, entry.record) === 0 && size() === entry.bytes && compareRecords(record, entry.record) === 0) return false;
    const verified = record.proof && verifyRecord(record.proof, record.owner, this.mesh.protocol.id, key, record.value, record.ts);
    const candidate = { owner: record.owner, ts: record.ts, verified, isDelta: false, size, live: !carriesMeta };
    return this.admitted(key, candidate, conn, record);
  }

  private admitDelta({ key, mapping, proof }: DeltaMessage, owner: string, time: number, conn: Connection): boolean {
    const current = this.records.get(keyId(key))?.record;
    const verified = proof && verifyDelta(proof, owner, this.mesh.protocol.id, key, mapping, proof.ts);
    const ts = proof?.ts ?? time;
    // Its size once merged (a value that is not a mapping is replaced by it); none when it will not
    // merge (mergeDelta answers it), so a replayed old delta costs no merge of the whole value.
    const size = (): number | undefined =>
      deltaApplies(current, { owner, ts }, this.leasing) ? recordSize(key, mergeMapping(isMapping(current?.value) ? current.value : undefined, mapping)) : undefined;
    return this.admitted(key, { owner, ts, verified, isDelta: true, size, live: true }, conn);
  }

  /**
   * Runs admission (admission.ts); a store refused for a lease is kept as a contender when it would
   * win the key otherwise. That one is not answered with ours: the sender's side may hold its own
   * lease, and the two would refuse each other's answers for ever. One that loses anyway is answered
   * as mergeRecord answers it, so its sender learns what beat it.
   */
  private admitted(key: Uint8Array, candidate: Candidate, conn: Connection, record?: SyncRecord): boolean {
    const id = keyId(key);
    const entry = this.records.get(id);
    const held = entry && { ...entry, contender: this.contenders.ownerFor(id) };
    const verdict = admit(this.mesh, this.rules, candidate, held, conn);
    if (verdict !== 'lease') return verdict === 'admit';
    if (record && compareRecords(record, entry!.record) > 0) this.contenders.offer(id, record);
    else if (record) this.refused(key, record, entry!, conn);
    return false;
  }

  /** When the lease `contender` was refused for lapses (clock ms); undefined when it has. */
  private leaseEndsAt(id: string, contender: SyncRecord): number | undefined {
    const current = this.records.get(id)?.record;
    if (current === undefined || current.value === null || current.owner === contender.owner) return undefined;
    const endsAt = (current.ts + this.leaseSeconds + 1) * 1000;
    return endsAt > this.mesh.clock.now() ? endsAt : undefined;
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
      if (order < 0) this.refused(key, incoming, entry!, from);
      return;
    }
    if (!this.isOurs(incoming.owner)) this.outbox.cancel(id);
    this.setRecord(id, key, incoming, { via: from });
    if (!forward) return;
    for (const conn of this.mesh.routingTable.values()) if (conn !== from) this.sendRecord(conn, key, incoming);
  }

  /**
   * A five-item store to one neighbour, six with the proof for web2p peers, unless it is one that
   * cannot take it (takesRecord) or, with trust 'strict', a record of someone else's without a proof.
   */
  private sendRecord(conn: Connection, key: Uint8Array, record: SyncRecord): void {
    if (!takesRecord(conn.dialect, record)) return;
    const entry = this.records.get(keyId(key));
    const signed = entry?.record === record ? this.ownProof(entry) : record;
    if (!signed.proof && this.mesh.trust === 'strict') return;
    conn.send(flags.whisper, ...syncPayload(key, signed, conn.dialect.web2p));
  }

  /**
   * §6.4 step 4: a delta merges if deltaApplies; the record keeps the later metadata of the two,
   * and the owner's record signature when the merged value is what the owner signed.
   */
  private mergeDelta(key: Uint8Array, mapping: Mapping, meta: LeaseMeta, from?: Connection, proof?: Proof): void {
    const id = keyId(key);
    const entry = this.records.get(id);
    const current = entry?.record;
    if (!deltaApplies(current, meta, this.leasing)) {
      this.refused(key, { value: mapping, ...meta }, entry!, from);
      return;
    }
    const { owner, ts } = current === undefined ? meta : laterMeta(current, meta);
    const value = mergeMapping(current?.value, mapping);
    const signed = proof && owner === meta.owner && ts === meta.ts && verifyRecord(proof, owner, this.mesh.protocol.id, key, value, ts);
    this.setRecord(id, key, signed ? { value, owner, ts, proof } : { value, owner, ts });
  }

  private refused(key: Uint8Array, incoming: SyncRecord, current: Entry, from: Connection | undefined): void {
    const { record } = current;
    this.mesh.debug.print(2, () => `sync: ${describeKey(key)} from ${incoming.owner} at ${incoming.ts} loses to ${record.owner} at ${record.ts}`);
    // Answers are bounded per peer and per second: stale records cost the asker a few bytes each.
    // The entry already knows its key and value size; the store around them adds at most the envelope.
    if (from && this.mesh.mayAnswer(from, current.bytes + SYNC_RECORD_ENVELOPE_BYTES)) this.sendRecord(from, key, record);
  }

  /** Sets a key's record, keeping the count, the store and the listeners up to date. */
  private setRecord(id: string, key: Uint8Array, record: SyncRecord, options: { quiet?: boolean; persist?: boolean; via?: Connection } = {}): void {
    const entry = this.records.get(id);
    const wasLive = entry !== undefined && entry.record.value !== null;
    const bytes = recordSize(key, record.value);
    if (entry) this.rules.usage.count(entry.record.owner, entry.bytes, -1);
    this.rules.usage.count(record.owner, bytes, 1);
    const since = entry?.record.owner === record.owner ? entry.since : this.mesh.clock.now();
    if (entry) Object.assign(entry, { record, bytes, since, via: options.via });
    else this.records.set(id, { key, record, bytes, since, via: options.via });
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
      for (const id of found.formerIds) if (owners.has(id)) this.former.set(id, undefined);
      for (const secretKey of found.secretKeys) {
        const identity = identityFromSecretKey(secretKey);
        const id = nodeIdOf(identity.publicKey, this.mesh.protocol.id);
        if (id !== this.mesh.id && owners.has(id)) this.former.set(id, identity);
      }
    } catch (error) {
      this.reportStoreError(error as StoreError);
      throw error;
    } finally {
      this.restored = true;
      for (const key of restoredKeys) this.announce(key);
      persistence.saveIds([...this.former.keys(), this.mesh.id]);
      const kept = [...this.former.values()].filter((identity) => identity !== undefined);
      persistence.saveSecretKeys([...kept, this.mesh.identity].map((identity) => identity.secretKey));
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
      this.rules.usage.count(record.owner, this.records.get(id)!.bytes, -1);
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
