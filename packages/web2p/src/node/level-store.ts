/**
 * A Store on disk for Node, in LevelDB through classic-level (prebuilt binaries inside the package):
 * one database directory per namespace. Values are kept as V8's structured-clone serialization,
 * the same cloning IndexedDB applies, so what round-trips through IdbStore round-trips here.
 *
 * Durability: every write is one LevelDB batch written with `sync: true` (fsync'd), so a write that
 * resolved survives the process being killed, and a power loss as far as the disk keeps its promise.
 * LevelDB locks its directory: a second process (or a second socket) opening the same namespace
 * gets a StoreError rather than two writers corrupting one store.
 */
import { deserialize, serialize } from 'node:v8';
import { ClassicLevel } from 'classic-level';
import { StoreError } from '../errors.js';
import { closedStoreError } from '../store/closed.js';
import type { Store, StoreValue } from '../store/types.js';

/** Batched writes are fsync'd before they resolve (see the durability note above). */
const DURABLE = { sync: true } as const;

export class LevelStore implements Store {
  private readonly db: ClassicLevel<string, Uint8Array>;
  private closed = false;

  constructor(readonly location: string) {
    // Opens lazily on the first call; a failure to open surfaces as that call's StoreError.
    this.db = new ClassicLevel<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  get(key: string): Promise<StoreValue | undefined> {
    return this.run('read', async () => {
      const bytes = await this.db.get(key);
      return bytes === undefined ? undefined : (deserialize(bytes) as StoreValue);
    });
  }

  set(key: string, value: StoreValue): Promise<void> {
    return this.setMany([[key, value]]);
  }

  setMany(pairs: readonly (readonly [string, StoreValue])[]): Promise<void> {
    return this.run('write', async () => {
      // Everything is serialized before anything is written, so a value that cannot be cloned fails the batch whole.
      const puts = pairs.map(([key, value]) => ({ type: 'put' as const, key, value: encodeValue(key, value) }));
      if (puts.length > 0) await this.db.batch(puts, DURABLE);
    });
  }

  delete(key: string): Promise<void> {
    return this.deleteMany([key]);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.run('delete', async () => {
      if (keys.length > 0) await this.db.batch(keys.map((key) => ({ type: 'del' as const, key })), DURABLE);
    });
  }

  entries(): Promise<[string, StoreValue][]> {
    return this.run('read', async () => {
      const pairs = await this.db.iterator().all();
      return pairs.map(([key, bytes]): [string, StoreValue] => [key, deserialize(bytes) as StoreValue]);
    });
  }

  clear(): Promise<void> {
    // One durable batch of deletes rather than db.clear(), which is neither atomic nor fsync'd.
    return this.run('clear', async () => {
      const keys = await this.db.keys().all();
      if (keys.length > 0) await this.db.batch(keys.map((key) => ({ type: 'del' as const, key })), DURABLE);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  /** Runs one database call, turning every failure into a StoreError. */
  private async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (this.closed) throw closedStoreError(`the store in ${this.location}`);
    try {
      // Idempotent once open; waiting for it here makes a failure to open (a locked directory)
      // the StoreError it is, not a confusing error from the first read.
      await this.db.open();
      return await call();
    } catch (error) {
      throw toStoreError(error, operation, this.location);
    }
  }
}

function encodeValue(key: string, value: StoreValue): Uint8Array {
  try {
    return serialize(value);
  } catch (error) {
    throw new StoreError(
      `the value for ${JSON.stringify(key)} cannot be stored: it is not structured-cloneable ` +
        '(functions and symbols, even nested, are not)',
      { cause: error },
    );
  }
}

/** Says which of the usual LevelDB failures happened, keeping the original as the cause. */
function toStoreError(error: unknown, operation: string, location: string): StoreError {
  if (error instanceof StoreError) return error;
  const codes = [error, (error as { cause?: unknown } | null)?.cause].map((e) => (e as { code?: unknown } | null)?.code);
  if (codes.includes('LEVEL_LOCKED')) {
    return new StoreError(
      `the store in ${location} is in use by another process or socket; give each node its own ` +
        'persist: { dir }, or close the other one first',
      { cause: error },
    );
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StoreError(`the store in ${location}: the ${operation} failed (${detail})`, { cause: error });
}
