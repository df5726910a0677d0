/**
 * The items one chord node holds, as the responsible node or as a replica, with an optional Store
 * behind them. Every write carries a version; merging keeps the higher one, so copies that meet
 * again after churn (a replica that missed a write, a node restarted from its Store) agree. Each
 * writer's records are counted against its storage quota (issue 16).
 */
import { recordSize, WriterUsage, type QuotaLimit, type QuotaLimits } from '../replica/quota.js';
import type { ReplicaStore } from '../replica/replica-store.js';
import { tombstoneExpired } from '../replica/tombstones.js';
import type { StoreValue } from '../store/types.js';
import { toHex, type Packet } from '../wire/packet.js';
import type { WireRecord } from './messages.js';
import { inInterval, keyPosition } from './ring.js';

/** An item as kept in memory: a record plus its ring position and, for a deletion, when. */
export interface Item extends WireRecord {
  position: number;
}

/**
 * An item as persisted (a `type`, so it is a StoreValue). A deletion has no `value`; one kept
 * before writers were recorded, no `writer`; one kept before records were signed, no proof.
 */
type StoredItem = { key: Uint8Array; version: number; writer?: string; publicKey?: Uint8Array; signature?: Uint8Array; value?: StoreValue };

const ITEM_PREFIX = 'item:';
/** Where a persisted node remembers its ring position, to rejoin there after a restart. */
const POSITION_KEY = 'position';

export class Shard {
  private readonly items = new Map<string, Item>();
  /** Keys of tombstones, so the purge does not walk every item. */
  private readonly tombstones = new Set<string>();
  /** Each writer's records and bytes here. */
  private usage: WriterUsage;

  constructor(
    private readonly k: number,
    /** Where the items go (replica/replica-store.ts: ordered, with flush()), if anywhere. */
    private readonly store: ReplicaStore | undefined,
    /** Each writer's quota here (chord/constants.ts CHORD_MAX_*_PER_WRITER unless the socket's options say). */
    private readonly limits: QuotaLimits = { keys: Infinity, bytes: Infinity },
  ) {
    this.usage = new WriterUsage(limits);
  }

  /** The live value, or undefined when absent or deleted. */
  get(key: Uint8Array): Item | undefined {
    const item = this.items.get(toHex(key));
    return item?.value === undefined ? undefined : item;
  }

  /**
   * Stores a writer's record as the responsible node. The writer chose its version (it is signed);
   * the caller checked that it beats the version held (operations.ts), so a write always replaces
   * what it answers for, and older data restored from a Store loses to newer writes.
   */
  write(record: WireRecord): Item {
    const item = { ...record, position: keyPosition(record.key, this.k) };
    this.put(item);
    return item;
  }

  /** The version held for `key` (a deletion's too), if any. */
  versionOf(key: Uint8Array): number | undefined {
    return this.items.get(toHex(key))?.version;
  }

  /**
   * Which quota (records or bytes) `record`'s writer, or this node's bound on all writers, would
   * pass if it replaced what we hold for its key, or undefined when it stays within them all.
   */
  exceeds(record: Pick<WireRecord, 'key' | 'value' | 'writer'>): QuotaLimit | undefined {
    const old = this.items.get(toHex(record.key));
    return this.usage.exceeded(record.writer, recordSize(record.key, record.value), old && { writer: old.writer, bytes: recordSize(old.key, old.value) });
  }

  /** Takes a record from another node if it is newer than ours: the item it became, undefined when it was not. */
  merge(record: WireRecord): Item | undefined {
    const old = this.items.get(toHex(record.key));
    if (old && old.version >= record.version) return undefined;
    const item = { ...record, position: keyPosition(record.key, this.k) };
    this.put(item);
    return item;
  }

  /** Items (tombstones included) whose position is in (from, to]; every item when from is undefined. */
  range(from: number | undefined, to: number): Item[] {
    const out: Item[] = [];
    for (const item of this.items.values()) {
      if (from === undefined || inInterval(item.position, from, to, this.k)) out.push(item);
    }
    return out;
  }

  /** Every item, tombstones included. */
  all(): Item[] {
    return [...this.items.values()];
  }

  /** Live keys in (from, to]. */
  liveKeys(from: number, to: number): Uint8Array[] {
    return this.range(from, to)
      .filter((item) => item.value !== undefined)
      .map((item) => item.key);
  }

  /** Forgets expired deletions (replica/tombstones.ts; versions are clock times at the writer). */
  purgeTombstones(nowMs: number): void {
    const gone = [...this.tombstones].filter((hex) => tombstoneExpired(this.items.get(hex)!.version, nowMs));
    for (const hex of gone) {
      this.uncount(this.items.get(hex)!);
      this.items.delete(hex);
      this.tombstones.delete(hex);
      this.store?.remove(ITEM_PREFIX + hex);
    }
  }

  /**
   * Reads a persisted shard and position back (nothing without a store). Records kept from before
   * records were signed are dropped unless `keepUnsigned` (trust 'legacy'): peers with trust
   * 'strict' refuse them, and would drop this node for passing them on.
   */
  async load(keepUnsigned: boolean): Promise<number | undefined> {
    if (!this.store) return undefined;
    let position: number | undefined;
    for (const [key, value] of await this.store.entries()) {
      if (key === POSITION_KEY && typeof value === 'number') position = value;
      else if (!key.startsWith(ITEM_PREFIX)) continue;
      else if (keepUnsigned || (value as StoredItem).signature !== undefined) this.merge(fromStored(value as StoredItem));
      else this.store.remove(key);
    }
    return position;
  }

  savePosition(position: number): void {
    this.store?.put(POSITION_KEY, position);
  }

  /**
   * Forgets every item and the position, in memory and in the Store (leave(): this node no longer
   * stores). The Store's other entries stay: the node's identity lives there too, and a node that
   * leaves the ring is still the same node (identity/stored-identity.ts).
   */
  clear(): void {
    for (const hex of this.items.keys()) this.store?.remove(ITEM_PREFIX + hex);
    this.store?.remove(POSITION_KEY);
    this.items.clear();
    this.usage = new WriterUsage(this.limits);
    this.tombstones.clear();
  }

  private put(item: Item): void {
    const hex = toHex(item.key);
    const old = this.items.get(hex);
    if (old) this.uncount(old);
    this.usage.count(item.writer, recordSize(item.key, item.value), 1);
    this.items.set(hex, item);
    if (item.value === undefined) this.tombstones.add(hex);
    else this.tombstones.delete(hex);
    this.store?.put(ITEM_PREFIX + hex, toStored(item));
  }

  private uncount(item: Item): void {
    this.usage.count(item.writer, recordSize(item.key, item.value), -1);
  }
}

function toStored(item: Item): StoredItem {
  const { key, version, writer, proof } = item;
  const stored: StoredItem = proof ? { key, version, writer, publicKey: proof.publicKey, signature: proof.signature } : { key, version, writer };
  if (item.value !== undefined) stored.value = item.value as StoreValue;
  return stored;
}

function fromStored(stored: StoredItem): WireRecord {
  const { publicKey, signature } = stored;
  const proof = publicKey && signature ? { publicKey, signature } : undefined;
  return { key: stored.key, version: stored.version, writer: stored.writer ?? '', proof, value: stored.value as Packet | undefined };
}
