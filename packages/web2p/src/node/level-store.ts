/**
 * A Store on disk for Node, in LevelDB through classic-level (prebuilt binaries inside the package):
 * one database directory per namespace. Values are kept as V8's structured-clone serialization,
 * the same cloning IndexedDB applies, so what round-trips through IdbStore round-trips here.
 *
 * Durability: every write is one LevelDB batch written with `sync: true` (fsync'd), so a write that
 * resolved survives the process being killed, and a power loss as far as the disk keeps its promise.
 * LevelDB locks its directory: a second process (or a second socket) opening the same namespace
 * gets a StoreError rather than two writers corrupting one store.
 *
 * classic-level is an optional dependency with a native binary: it is imported when the first store
 * opens, so apps that never persist in Node neither load it nor need it installed.
 */
import { deserialize, serialize } from 'node:v8';
import type { ClassicLevel } from 'classic-level';
import { MissingPackageError, StoreError } from '../errors.js';
import { closedStoreError } from '../store/closed.js';
import type { Store, StoreValue } from '../store/types.js';

/** Batched writes are fsync'd before they resolve (see the durability note above). */
const DURABLE = { sync: true } as const;

type Database = ClassicLevel<string, Uint8Array>;

/** classic-level's database class, imported once; MissingPackageError when it is not installed. */
let loading: Promise<typeof ClassicLevel> | undefined;
function loadClassicLevel(): Promise<typeof ClassicLevel> {
  loading ??= import('classic-level').then(
    (module) => module.ClassicLevel,
    (error: unknown) => {
      loading = undefined; // installing the package and retrying works without a restart
      throw (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
        ? new MissingPackageError('classic-level', 'persist in Node', { cause: error })
        : error;
    },
  );
  return loading;
}

export class LevelStore implements Store {
  /** The database once classic-level is loaded; a failure surfaces as the first call's StoreError. */
  private readonly opening: Promise<Database>;
  private closed = false;

  constructor(readonly location: string) {
    // LevelDB itself opens lazily on the first call, too.
    this.opening = loadClassicLevel().then((Level) => new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' }));
    this.opening.catch(() => {}); // reported by the call that needs it, not as an unhandled rejection
  }

  get(key: string): Promise<StoreValue | undefined> {
    return this.run('read', async (db) => {
      const bytes = await db.get(key);
      return bytes === undefined ? undefined : (deserialize(bytes) as StoreValue);
    });
  }

  set(key: string, value: StoreValue): Promise<void> {
    return this.setMany([[key, value]]);
  }

  setMany(pairs: readonly (readonly [string, StoreValue])[]): Promise<void> {
    return this.run('write', async (db) => {
      // Everything is serialized before anything is written, so a value that cannot be cloned fails the batch whole.
      const puts = pairs.map(([key, value]) => ({ type: 'put' as const, key, value: encodeValue(key, value) }));
      if (puts.length > 0) await db.batch(puts, DURABLE);
    });
  }

  delete(key: string): Promise<void> {
    return this.deleteMany([key]);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.run('delete', async (db) => {
      if (keys.length > 0) await db.batch(keys.map((key) => ({ type: 'del' as const, key })), DURABLE);
    });
  }

  entries(): Promise<[string, StoreValue][]> {
    return this.run('read', async (db) => {
      const pairs = await db.iterator().all();
      return pairs.map(([key, bytes]): [string, StoreValue] => [key, deserialize(bytes) as StoreValue]);
    });
  }

  clear(): Promise<void> {
    // One durable batch of deletes rather than db.clear(), which is neither atomic nor fsync'd.
    return this.run('clear', async (db) => {
      const keys = await db.keys().all();
      if (keys.length > 0) await db.batch(keys.map((key) => ({ type: 'del' as const, key })), DURABLE);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const db = await this.opening.catch(() => undefined); // never loaded: nothing to close
    await db?.close();
  }

  /** Runs one database call, turning every failure into a StoreError. */
  private async run<T>(operation: string, call: (db: Database) => Promise<T>): Promise<T> {
    if (this.closed) throw closedStoreError(`the store in ${this.location}`);
    try {
      const db = await this.opening;
      // Idempotent once open; waiting for it here makes a failure to open (a locked directory)
      // the StoreError it is, not a confusing error from the first read.
      await db.open();
      return await call(db);
    } catch (error) {
      if (error instanceof MissingPackageError) throw error; // says what to install, as it is
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
