/**
 * A sync socket's records in its replica store (replica/replica-store.ts):
 * every key's value or tombstone with its lease metadata, plus the node ids this store has written
 * as, so that a reload can keep using leases taken under an earlier id.
 */
import type { StoreError } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import { IDENTITY_ENTRY, storedIdentity, type StoredIdentity } from '../identity/stored-identity.js';
import { openReplicaStore, type ReplicaStore } from '../replica/replica-store.js';
import type { PersistOption, StoreValue } from '../store/types.js';
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

/** The persistence `persist` asks for (see openReplicaStore), or undefined for none. */
export function openPersistence(
  persist: PersistOption | undefined,
  namespace: string,
  onError: (error: StoreError) => void,
): SyncPersistence | undefined {
  const store = openReplicaStore(persist, namespace, onError);
  return store && new SyncPersistence(store);
}

export class SyncPersistence {
  private readonly restored: Promise<Restored>;

  constructor(private readonly store: ReplicaStore) {
    this.restored = store.entries().then(parse);
  }

  /** The records and former ids found in the store; rejects with a StoreError if it cannot be read. */
  restore(): Promise<Restored> {
    return this.restored;
  }

  /** The node's key pair, kept in this store (identity/stored-identity.ts). */
  identity(create: () => Identity): Promise<StoredIdentity> {
    return storedIdentity(this.store, create);
  }

  saveRecord(id: string, record: SyncRecord): void {
    this.store.put(RECORD_PREFIX + id, { value: record.value, owner: record.owner, ts: record.ts });
  }

  forgetRecord(id: string): void {
    this.store.remove(RECORD_PREFIX + id);
  }

  saveIds(ids: readonly string[]): void {
    this.store.put(IDS_ENTRY, [...ids]);
  }

  /** Resolves once every write marked so far is durable; rejects with the StoreError if one is not. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Writes what is left, then closes the store if we opened it. */
  close(): Promise<void> {
    return this.store.close();
  }
}

function parse(entries: [string, StoreValue][]): Restored {
  const restored: Restored = { records: [], formerIds: [], skipped: 0 };
  for (const [name, value] of entries) {
    if (name === IDS_ENTRY && Array.isArray(value) && value.every((id) => typeof id === 'string')) {
      restored.formerIds.push(...(value as string[]));
    } else if (name === IDENTITY_ENTRY) {
      continue; // the node's key pair (identity())
    } else if (name.startsWith(RECORD_PREFIX) && isStoredRecord(value)) {
      restored.records.push([name.slice(RECORD_PREFIX.length), value]);
    } else {
      restored.skipped++;
    }
  }
  return restored;
}

function isStoredRecord(value: StoreValue): value is StoredRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return false;
  const record = value as { [key: string]: StoreValue };
  return typeof record.owner === 'string' && Number.isInteger(record.ts) && record.value !== undefined;
}
