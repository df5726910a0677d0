/**
 * A sync socket's records in a Store (api.md "Persistence"): every key's value or tombstone with
 * its lease metadata, plus the node ids this store has written as, so that a reload can keep using
 * leases taken under an earlier id. Writes are batched and made in order; `flush()` resolves once
 * everything marked so far is durable, and a failed write is reported, kept for the next attempt,
 * and never silently dropped.
 */
import { StoreError } from '../errors.js';
import { persistentStore } from '../store/persistent-store.js';
import type { Store, StoreValue } from '../store/types.js';
import type { Packet } from '../wire/packet.js';
import type { SyncRecord } from './merge.js';

/** Entry names: records are `k:` + the key's hex id; the ids list has its own name. */
const RECORD_PREFIX = 'k:';
const IDS_ENTRY = 'ids';

/** A record as stored: a `type` (not an interface) so that it is a StoreValue. */
type StoredRecord = { value: Packet | null; owner: string; ts: number };

export interface Restored {
  /** [key id, record] pairs. */
  records: Array<[string, SyncRecord]>;
  /** Node ids that wrote through this store before. */
  formerIds: string[];
  /** Entries that were not records of ours (ignored). */
  skipped: number;
}

/**
 * The persistence `persist` asks for: none; for `true` the entry's persistent store (IndexedDB) in
 * the namespace given, opened and closed by the socket; or the caller's own Store,
 * which the socket uses but leaves open.
 */
export function openPersistence(
  persist: boolean | Store | undefined,
  namespace: string,
  onError: (error: StoreError) => void,
): SyncPersistence | undefined {
  if (!persist) return undefined;
  if (persist === true) return new SyncPersistence(persistentStore(namespace), true, onError);
  return new SyncPersistence(persist, false, onError);
}

export class SyncPersistence {
  /** What is still to be written: a value to put, or undefined to delete the entry. */
  private readonly dirty = new Map<string, StoredRecord | string[] | undefined>();
  /** Every write runs after the previous one (and after the restore), so they land in order. */
  private chain: Promise<void>;
  private writeScheduled = false;
  private readonly restored: Promise<Restored>;

  constructor(
    private readonly store: Store,
    /** Whether we opened the store (persist: true) and so close it with the socket. */
    private readonly ownsStore: boolean,
    /** Where failures of writes nobody awaits are reported (the socket's 'error' event). */
    private readonly onError: (error: StoreError) => void,
  ) {
    this.restored = this.load();
    this.chain = this.restored.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The records and former ids found in the store; rejects with a StoreError if it cannot be read. */
  restore(): Promise<Restored> {
    return this.restored;
  }

  saveRecord(id: string, record: SyncRecord): void {
    this.mark(RECORD_PREFIX + id, { value: record.value, owner: record.owner, ts: record.ts });
  }

  forgetRecord(id: string): void {
    this.mark(RECORD_PREFIX + id, undefined);
  }

  saveIds(ids: readonly string[]): void {
    this.mark(IDS_ENTRY, [...ids]);
  }

  /** Resolves once every write marked so far is durable; rejects with the StoreError if one is not. */
  flush(): Promise<void> {
    const done = this.chain.then(() => this.writeDirty());
    this.chain = done.catch(() => undefined);
    return done;
  }

  /** Writes what is left, then closes the store if we opened it. Failures were reported already. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    if (this.ownsStore) await this.store.close();
  }

  private mark(name: string, value: StoredRecord | string[] | undefined): void {
    this.dirty.set(name, value);
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    // Chained, so the write starts after the ones before it: everything marked in the meantime
    // (a burst of sets, an initial sync) goes out as one batch.
    this.chain = this.chain
      .then(() => {
        this.writeScheduled = false;
        return this.writeDirty();
      })
      .catch((error: unknown) => this.onError(asStoreError(error)));
  }

  /** One batch: the puts in one transaction, then the deletes. A failure puts the batch back. */
  private async writeDirty(): Promise<void> {
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty];
    this.dirty.clear();
    const puts: Array<[string, StoreValue]> = [];
    const deletes: string[] = [];
    for (const [name, value] of batch) {
      if (value === undefined) deletes.push(name);
      else puts.push([name, value]);
    }
    try {
      if (puts.length > 0) await this.store.setMany(puts);
      if (deletes.length > 0) await this.store.deleteMany(deletes);
    } catch (error) {
      // Keep what failed for the next write or flush, unless it was marked again meanwhile.
      for (const [name, value] of batch) if (!this.dirty.has(name)) this.dirty.set(name, value);
      throw asStoreError(error);
    }
  }

  private async load(): Promise<Restored> {
    const restored: Restored = { records: [], formerIds: [], skipped: 0 };
    for (const [name, value] of await this.store.entries()) {
      if (name === IDS_ENTRY && Array.isArray(value) && value.every((id) => typeof id === 'string')) {
        restored.formerIds.push(...(value as string[]));
      } else if (name.startsWith(RECORD_PREFIX) && isStoredRecord(value)) {
        restored.records.push([name.slice(RECORD_PREFIX.length), value]);
      } else {
        restored.skipped++;
      }
    }
    return restored;
  }
}

function isStoredRecord(value: StoreValue): value is StoredRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return false;
  const record = value as { [key: string]: StoreValue };
  return typeof record.owner === 'string' && Number.isInteger(record.ts) && record.value !== undefined;
}

function asStoreError(error: unknown): StoreError {
  return error instanceof StoreError ? error : new StoreError(`the sync store failed: ${String(error)}`, { cause: error });
}
