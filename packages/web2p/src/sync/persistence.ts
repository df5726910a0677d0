/**
 * A sync socket's records in its replica store (replica/replica-store.ts):
 * every key's value or tombstone with its lease metadata, plus the node ids this store has written
 * as, so that a reload can keep using leases taken under an earlier id.
 */
import type { StoreError } from '../errors.js';
import { SECRET_KEY_BYTES } from '../identity/identity.js';
import type { Identity } from '../identity/identity.js';
import { IDENTITY_ENTRY, storedIdentity, type StoredIdentity } from '../identity/stored-identity.js';
import { openReplicaStore, type ReplicaStore } from '../replica/replica-store.js';
import type { PersistOption, StoreValue } from '../store/types.js';
import type { Packet } from '../wire/packet.js';
import type { SyncRecord } from './merge.js';
import type { MaybePromise } from '../identity/ed25519.js';

/** Entry names: records are `k:` + the key's hex id; the ids list has its own name. */
const RECORD_PREFIX = 'k:';
const IDS_ENTRY = 'ids';
/**
 * The secret keys of the identities this store has written as, so that a node that comes back
 * under a new identity can still renew, as its former id, the leases it held (sync-service.ts
 * writerFor). They are as private as the identity itself.
 */
const KEYS_ENTRY = 'keys';

/** A record as stored: a `type` (not an interface) so that it is a StoreValue. */
type StoredRecord = { value: Packet | null; owner: string; ts: number; publicKey?: Uint8Array; signature?: Uint8Array };

export interface Restored {
  /** [key id, record] pairs. */
  records: Array<[string, SyncRecord]>;
  /** Node ids that wrote through this store before. */
  formerIds: string[];
  /** Secret keys of the identities that wrote through it (KEYS_ENTRY). */
  secretKeys: Uint8Array[];
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
  identity(create: () => MaybePromise<Identity>): Promise<StoredIdentity> {
    return storedIdentity(this.store, create);
  }

  saveRecord(id: string, record: SyncRecord): void {
    const { value, owner, ts, proof } = record;
    this.store.put(RECORD_PREFIX + id, proof ? { value, owner, ts, publicKey: proof.publicKey, signature: proof.signature } : { value, owner, ts });
  }

  forgetRecord(id: string): void {
    this.store.remove(RECORD_PREFIX + id);
  }

  saveIds(ids: readonly string[]): void {
    this.store.put(IDS_ENTRY, [...ids]);
  }

  saveSecretKeys(keys: readonly Uint8Array[]): void {
    this.store.put(KEYS_ENTRY, [...keys]);
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
  const restored: Restored = { records: [], formerIds: [], secretKeys: [], skipped: 0 };
  for (const [name, value] of entries) {
    if (name === IDS_ENTRY && Array.isArray(value) && value.every((id) => typeof id === 'string')) {
      restored.formerIds.push(...(value as string[]));
    } else if (name === KEYS_ENTRY && Array.isArray(value) && value.every((key) => key instanceof Uint8Array && key.length === SECRET_KEY_BYTES)) {
      restored.secretKeys.push(...(value as Uint8Array[]));
    } else if (name === IDENTITY_ENTRY) {
      continue; // the node's key pair (identity())
    } else if (name.startsWith(RECORD_PREFIX) && isStoredRecord(value)) {
      const { publicKey, signature, ...record } = value;
      const proof = publicKey instanceof Uint8Array && signature instanceof Uint8Array ? { publicKey, signature } : undefined;
      restored.records.push([name.slice(RECORD_PREFIX.length), proof ? { ...record, proof } : record]);
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
