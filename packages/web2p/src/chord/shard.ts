/**
 * The items one chord node holds, as the responsible node or as a replica, with an optional Store
 * behind them. Every write carries a version; merging keeps the higher one, so copies that meet
 * again after churn (a replica that missed a write, a node restarted from its Store) agree.
 */
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

/** An item as persisted (a `type`, so it is a StoreValue). A deletion has no `value`. */
type StoredItem = { key: Uint8Array; version: number; value?: StoreValue };

const ITEM_PREFIX = 'item:';
/** Where a persisted node remembers its ring position, to rejoin there after a restart. */
const POSITION_KEY = 'position';

export class Shard {
  private readonly items = new Map<string, Item>();
  /** Keys of tombstones, so the purge does not walk every item. */
  private readonly tombstones = new Set<string>();

  constructor(
    private readonly k: number,
    /** Where the items go (replica/replica-store.ts: ordered, with flush()), if anywhere. */
    private readonly store: ReplicaStore | undefined,
  ) {}

  /** The live value, or undefined when absent or deleted. */
  get(key: Uint8Array): Item | undefined {
    const item = this.items.get(toHex(key));
    return item?.value === undefined ? undefined : item;
  }

  /**
   * Writes locally as the responsible node: the version is the later of the old version + 1 and
   * the clock, so that a write always beats what it replaces and older data restored from a Store
   * loses to newer writes made elsewhere meanwhile.
   */
  write(key: Uint8Array, value: Packet | undefined, nowMs: number): Item {
    const old = this.items.get(toHex(key));
    const version = Math.max((old?.version ?? 0) + 1, Math.floor(nowMs));
    const item = { key, version, value, position: keyPosition(key, this.k) };
    this.put(item);
    return item;
  }

  /** The version held for `key` (a deletion's too), if any. */
  versionOf(key: Uint8Array): number | undefined {
    return this.items.get(toHex(key))?.version;
  }

  /** Takes a record from another node if it is newer than ours. Returns whether it was. */
  merge(record: WireRecord): boolean {
    const old = this.items.get(toHex(record.key));
    if (old && old.version >= record.version) return false;
    this.put({ ...record, position: keyPosition(record.key, this.k) });
    return true;
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
      this.items.delete(hex);
      this.tombstones.delete(hex);
      this.store?.remove(ITEM_PREFIX + hex);
    }
  }

  /** Reads a persisted shard and position back (nothing without a store). */
  async load(): Promise<number | undefined> {
    if (!this.store) return undefined;
    let position: number | undefined;
    for (const [key, value] of await this.store.entries()) {
      if (key === POSITION_KEY && typeof value === 'number') position = value;
      else if (key.startsWith(ITEM_PREFIX)) this.merge(fromStored(value as StoredItem));
    }
    return position;
  }

  savePosition(position: number): void {
    this.store?.put(POSITION_KEY, position);
  }

  /** Forgets everything, in memory and in the Store (leave(): this node no longer stores). */
  clear(): void {
    this.items.clear();
    this.tombstones.clear();
    this.store?.clear();
  }

  private put(item: Item): void {
    const hex = toHex(item.key);
    this.items.set(hex, item);
    if (item.value === undefined) this.tombstones.add(hex);
    else this.tombstones.delete(hex);
    this.store?.put(ITEM_PREFIX + hex, toStored(item));
  }
}

function toStored(item: Item): StoredItem {
  return item.value === undefined
    ? { key: item.key, version: item.version }
    : { key: item.key, version: item.version, value: item.value as StoreValue };
}

function fromStored(stored: StoredItem): WireRecord {
  return { key: stored.key, version: stored.version, value: stored.value as Packet | undefined };
}
