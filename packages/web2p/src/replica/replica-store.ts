/**
 * The one persistence path of sync and chord: what a socket keeps goes to
 * its Store in ordered batches. Changes are marked, not awaited; everything marked while a batch is
 * being written goes out as the next batch, so a burst of writes costs few transactions. `flush()`
 * resolves once everything marked so far is durable; a failed write is reported, kept for the next
 * attempt, and never silently dropped.
 */
import { StoreError } from '../errors.js';
import { persistentStore } from '../store/persistent-store.js';
import type { PersistOption, Store, StoreValue } from '../store/types.js';

/**
 * The store `persist` asks for: none; for `true` or `{ dir }` the entry's persistent store
 * (IndexedDB in browsers, a directory in Node) in `namespace`, opened and closed by the socket; or
 * the caller's own Store, which the socket uses but leaves open.
 */
export function openReplicaStore(
  persist: PersistOption | undefined,
  namespace: string,
  onError: (error: StoreError) => void,
): ReplicaStore | undefined {
  if (!persist) return undefined;
  if (persist === true) return new ReplicaStore(persistentStore(namespace), true, onError);
  if (isStore(persist)) return new ReplicaStore(persist, false, onError);
  if (typeof persist === 'object' && typeof persist.dir === 'string') {
    return new ReplicaStore(persistentStore(namespace, persist), true, onError);
  }
  throw new TypeError('persist must be true, false, a Store, or { dir: string } (Node)');
}

function isStore(persist: PersistOption): persist is Store {
  return typeof persist === 'object' && typeof (persist as Partial<Store>).entries === 'function';
}

export class ReplicaStore {
  /** What is still to be written: a value to put, or undefined to delete the entry. */
  private readonly dirty = new Map<string, StoreValue | undefined>();
  /** Every write runs after the previous one (and after the first read), so they land in order. */
  private chain: Promise<void>;
  private writeScheduled = false;
  private readonly contents: Promise<[string, StoreValue][]>;

  constructor(
    private readonly store: Store,
    /** Whether we opened the store (persist: true or { dir }) and so close it with the socket. */
    private readonly ownsStore: boolean,
    /** Where failures of writes nobody awaits are reported (the socket's 'error' event). */
    private readonly onError: (error: StoreError) => void,
  ) {
    this.contents = store.entries().catch((error: unknown) => Promise.reject(asStoreError(error)));
    this.chain = this.contents.then(
      () => undefined,
      () => undefined,
    );
  }

  /** What the store held when opened; rejects with a StoreError if it cannot be read. */
  entries(): Promise<[string, StoreValue][]> {
    return this.contents;
  }

  put(name: string, value: StoreValue): void {
    this.mark(name, value);
  }

  remove(name: string): void {
    this.mark(name, undefined);
  }

  /** Resolves once every change marked so far is durable; rejects with the StoreError if one is not. */
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

  private mark(name: string, value: StoreValue | undefined): void {
    this.dirty.set(name, value);
    this.schedule();
  }

  private schedule(): void {
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

  /** One batch: the puts in one transaction, then the deletes. A failure puts it back. */
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
      // Keep what failed for the next write or flush, unless it was changed again meanwhile.
      for (const [name, value] of batch) if (!this.dirty.has(name)) this.dirty.set(name, value);
      throw asStoreError(error);
    }
  }
}

function asStoreError(error: unknown): StoreError {
  return error instanceof StoreError ? error : new StoreError(`the store failed: ${String(error)}`, { cause: error });
}
