import { StoreError } from '../errors.js';
import { closedStoreError } from './closed.js';
import type { Store, StoreValue } from './types.js';

/** Options of `new MemoryStore(options)`. */
export interface MemoryStoreOptions {
  /**
   * Simulated quota, so tests can exercise what a full IndexedDB does: a write that would take the
   * approximate size of keys plus values past this rejects with a StoreError and changes nothing.
   */
  quotaBytes?: number;
}

interface Slot {
  readonly value: StoreValue;
  /** Counted only under a quota; 0 otherwise, so plain use skips the size walk. */
  readonly bytes: number;
}

/**
 * A Store in a Map: for Node, tests and simulations. Nothing survives the process. Values are
 * structured-cloned on the way in and out, as IndexedDB does, so code tested here behaves the same
 * against the browser store.
 */
export class MemoryStore implements Store {
  private readonly slots = new Map<string, Slot>();
  private usedBytes = 0;
  private closed = false;
  private readonly quotaBytes: number | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.quotaBytes = options.quotaBytes;
  }

  async get(key: string): Promise<StoreValue | undefined> {
    this.assertOpen();
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : structuredClone(slot.value);
  }

  async set(key: string, value: StoreValue): Promise<void> {
    await this.setMany([[key, value]]);
  }

  async setMany(entries: readonly (readonly [string, StoreValue])[]): Promise<void> {
    this.assertOpen();
    // Stage everything first (copies and sizes), so a clone failure or the quota leaves no trace.
    const staged = new Map<string, Slot>();
    for (const [key, value] of entries) staged.set(key, this.slotFor(key, value));
    let used = this.usedBytes;
    for (const [key, slot] of staged) used += slot.bytes - (this.slots.get(key)?.bytes ?? 0);
    if (this.quotaBytes !== undefined && used > this.quotaBytes) {
      throw new StoreError(
        `memory store quota exceeded: this write needs about ${used} bytes of ` +
          `${this.quotaBytes}; delete some keys or raise quotaBytes`,
      );
    }
    for (const [key, slot] of staged) this.slots.set(key, slot);
    this.usedBytes = used;
  }

  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const key of keys) {
      this.usedBytes -= this.slots.get(key)?.bytes ?? 0;
      this.slots.delete(key);
    }
  }

  async entries(): Promise<[string, StoreValue][]> {
    this.assertOpen();
    return [...this.slots].map(([key, slot]) => [key, structuredClone(slot.value)]);
  }

  async clear(): Promise<void> {
    this.assertOpen();
    this.slots.clear();
    this.usedBytes = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.slots.clear();
  }

  private slotFor(key: string, value: StoreValue): Slot {
    let copy: StoreValue;
    try {
      copy = structuredClone(value);
    } catch (error) {
      throw new StoreError(
        `the value for ${JSON.stringify(key)} cannot be stored: it is not ` +
          'structured-cloneable (functions and symbols, even nested, are not)',
        { cause: error },
      );
    }
    const bytes = this.quotaBytes === undefined ? 0 : 2 * key.length + approximateBytes(copy);
    return { value: copy, bytes };
  }

  private assertOpen(): void {
    if (this.closed) throw closedStoreError('this MemoryStore');
  }
}

/** A rough cost of keeping a value: UTF-16 strings, 8-byte numbers, bytes as they are. */
function approximateBytes(value: StoreValue): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 8;
  if (typeof value === 'bigint') return Math.ceil(value.toString(16).length / 2);
  if (typeof value === 'string') return 2 * value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  if (isArray(value)) return value.reduce<number>((sum, item) => sum + approximateBytes(item), 0);
  let sum = 0;
  for (const [key, item] of Object.entries(value)) sum += 2 * key.length + approximateBytes(item);
  return sum;
}

/** Array.isArray does not narrow a readonly array type; this does. */
function isArray(value: StoreValue): value is readonly StoreValue[] {
  return Array.isArray(value);
}
