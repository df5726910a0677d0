/**
 * What `persist: true` opens in a browser: the namespace's IndexedDB store for this tab alone.
 *
 * Tabs of one profile share IndexedDB, but each tab is a node of its own, with its own node ids,
 * leases and shard. So a namespace has slots (slot 0 is the namespace itself, slot n its own
 * database with `~tab<n>` appended), and a tab claims one with the Web Locks API, holding the lock
 * while the store is open. sessionStorage remembers the slot, so a reload takes the same one back;
 * a slot whose tab is gone is free again, and the next tab to open inherits that node's records,
 * which is the same node coming back. Without Web Locks (Node with fake-indexeddb, an old browser)
 * there is one slot, shared.
 *
 * The slot's store holds everything the node keeps across reloads (for sync, its records and the
 * ids it wrote under); an identity key pair would go in it the same way, as one more entry.
 */
import { StoreError } from '../errors.js';
import { closedStoreError } from './closed.js';
import { MAX_TAB_SLOTS, TAB_SLOT_PREFIX, TAB_SLOT_RECLAIM_MS } from './constants.js';
import { IdbStore } from './idb-store.js';
import type { Store, StoreValue } from './types.js';

interface Slot {
  readonly store: Store;
  /** Gives the slot's lock back. */
  readonly release: () => void;
}

export class TabSlotStore implements Store {
  /** The claimed slot; a claim that fails rejects every call with its StoreError. */
  private readonly slot: Promise<Slot>;
  private closed = false;

  constructor(readonly namespace: string) {
    this.slot = claimSlot(namespace);
    this.slot.catch(() => {}); // surfaced by the first call
  }

  get(key: string): Promise<StoreValue | undefined> {
    return this.run((store) => store.get(key));
  }

  set(key: string, value: StoreValue): Promise<void> {
    return this.run((store) => store.set(key, value));
  }

  setMany(entries: readonly (readonly [string, StoreValue])[]): Promise<void> {
    return this.run((store) => store.setMany(entries));
  }

  delete(key: string): Promise<void> {
    return this.run((store) => store.delete(key));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.run((store) => store.deleteMany(keys));
  }

  entries(): Promise<[string, StoreValue][]> {
    return this.run((store) => store.entries());
  }

  clear(): Promise<void> {
    return this.run((store) => store.clear());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slot = await this.slot.catch(() => undefined);
    if (!slot) return;
    await slot.store.close();
    slot.release();
  }

  private async run<T>(call: (store: Store) => Promise<T>): Promise<T> {
    if (this.closed) throw closedStoreError(`IndexedDB store "${this.namespace}"`);
    return call((await this.slot).store);
  }
}

/** Claims the slot this tab had before a reload if it can, else the first free one. */
async function claimSlot(namespace: string): Promise<Slot> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return { store: new IdbStore(namespace), release: () => {} };
  const lockName = (index: number): string => `${TAB_SLOT_PREFIX}${namespace}:${index}`;
  const remembered = rememberedSlot(namespace);
  let claimed: { index: number; release: () => void } | undefined;
  if (remembered !== undefined) {
    const release = await holdLock(locks, lockName(remembered), { signal: AbortSignal.timeout(TAB_SLOT_RECLAIM_MS) });
    if (release) claimed = { index: remembered, release };
  }
  for (let index = 0; !claimed && index < MAX_TAB_SLOTS; index++) {
    if (index === remembered) continue;
    const release = await holdLock(locks, lockName(index), { ifAvailable: true });
    if (release) claimed = { index, release };
  }
  if (!claimed) {
    throw new StoreError(
      `all ${MAX_TAB_SLOTS} slots of "${namespace}" are held by open tabs; close some, or give ` +
        'this socket its own name so it uses other slots',
    );
  }
  remember(namespace, claimed.index);
  const slotNamespace = claimed.index === 0 ? namespace : `${namespace}~tab${claimed.index}`;
  return { store: new IdbStore(slotNamespace), release: claimed.release };
}

/**
 * Requests the lock and keeps it until the returned function is called; undefined when it is held
 * elsewhere (ifAvailable) or was not granted before the signal aborted.
 */
function holdLock(locks: LockManager, name: string, options: LockOptions): Promise<(() => void) | undefined> {
  return new Promise((resolve) => {
    locks
      .request(name, options, (lock) => {
        if (!lock) return resolve(undefined);
        // The lock is held until the promise the callback returns settles.
        return new Promise<void>((release) => resolve(release));
      })
      .catch(() => resolve(undefined)); // AbortError: the timeout passed first
  });
}

function rememberedSlot(namespace: string): number | undefined {
  const value = Number(sessionStorageOrUndefined()?.getItem(TAB_SLOT_PREFIX + namespace) ?? Number.NaN);
  return Number.isInteger(value) && value >= 0 && value < MAX_TAB_SLOTS ? value : undefined;
}

function remember(namespace: string, index: number): void {
  try {
    sessionStorageOrUndefined()?.setItem(TAB_SLOT_PREFIX + namespace, String(index));
  } catch {
    // A full or refused sessionStorage only costs this tab its slot after a reload.
  }
}

/** sessionStorage where there is one; reading it throws where storage is disabled. */
function sessionStorageOrUndefined(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}
