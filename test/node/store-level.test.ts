/**
 * web2p/node's store on disk (LevelStore, classic-level): the shared Store contract, `persist:
 * { dir }` and `persist: true` for sync and chord, and what flush() acknowledged surviving SIGKILL.
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChordSocket, LevelStore, LeaseError, StoreError, SyncSocket } from '../../packages/web2p/src/node/index.js';
import { describeStoreContract } from '../contract/store-contract.js';
import { waitFor } from '../contract/wait.js';

let root: string;
let dirs = 0;
/** A fresh directory under this file's temporary root. */
const freshDir = (): string => join(root, `d${dirs++}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'web2p-level-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const open = (namespace: string): LevelStore => new LevelStore(join(root, 'contract', namespace));
describeStoreContract('LevelStore', open, open);

/** A sync socket in Node, listening on loopback only, persisted in `dir`. */
const syncIn = (dir: string): SyncSocket => new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, persist: { dir } });

describe('persist in Node', () => {
  test('persist: { dir } keeps values and leases across a restart; a peer still cannot take them', async () => {
    const dir = freshDir();
    const first = syncIn(dir);
    await first.ready;
    first.set('mine', 'v1');
    const written = Math.floor(Date.now() / 1000);
    await first.flush();
    const oldId = first.id;
    await first.close();

    const second = syncIn(dir);
    await second.ready;
    expect(second.id).toBe(oldId); // its key pair is kept in the directory: the same node again
    expect(second.get('mine')).toBe('v1');
    const other = syncIn(freshDir());
    await other.ready;
    expect(other.id).not.toBe(oldId);
    await other.connect(second.address);
    await waitFor(() => other.has('mine'));
    // Within the second of the write the smaller id would win the tie (PROTOCOL.md §6.3).
    await waitFor(() => Math.floor(Date.now() / 1000) > written, 2_000, 'the next second');
    expect(() => other.set('mine', 'stolen')).toThrow(expect.objectContaining({ owner: oldId }));
    second.set('mine', 'v2'); // the lease is still ours
    await waitFor(() => other.get('mine') === 'v2');
    await Promise.all([second.close(), other.close()]);
  });

  test('persist: true keeps its stores in ./.web2p, one directory per namespace', async () => {
    const cwd = process.cwd();
    const dir = freshDir();
    await mkdir(dir, { recursive: true });
    process.chdir(dir);
    try {
      const sock = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, persist: true, name: 'a/../b' });
      await sock.ready;
      sock.set('k', 1);
      await sock.flush();
      await sock.close();
      const names = await readdir(join(dir, '.web2p'));
      expect(names).toEqual([expect.stringMatching(/^sync%3A.*%3Aa%2F%2E%2E%2Fb$/)]);
    } finally {
      process.chdir(cwd);
    }
  });

  test('two sockets on one directory: the second gets a StoreError, not a shared store', async () => {
    const dir = freshDir();
    const first = syncIn(dir);
    await first.ready;
    const errors: Error[] = [];
    const second = syncIn(dir);
    second.on('error', (error) => errors.push(error));
    await expect(second.ready).rejects.toBeInstanceOf(StoreError);
    expect(errors[0]?.message).toMatch(/in use by another process or socket/);
    await Promise.all([first.close(), second.close()]);
  });

  test('a chord node keeps its shard in { dir }; flush() makes it durable', async () => {
    const dir = freshDir();
    const node = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, persist: { dir }, replicas: 0 });
    await node.join();
    await node.set('key', 'value');
    await node.flush();
    const namespace = (await readdir(dir))[0]!;
    await node.close();
    const raw = new LevelStore(join(dir, namespace));
    const stored = await raw.entries();
    await raw.close();
    expect(stored.map(([name]) => name)).toContain('position');
    expect(stored.some(([name, value]) => name.startsWith('item:') && (value as { value?: unknown }).value === 'value')).toBe(true);
  });

  test('writes flush() acknowledged survive SIGKILL; the restarted node keeps its id and their leases', async () => {
    const dir = freshDir();
    const count = 200;
    const child = fork(fileURLToPath(new URL('./fixtures/persist-writer.mjs', import.meta.url)), [dir, String(count)], {
      stdio: 'inherit',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const report = await new Promise<{ id: string; size: number }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { id: string; size: number }));
      child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before flushing`)));
    });
    child.kill('SIGKILL'); // at once: no close(), and writes still in flight
    await exited;
    expect(report.size).toBe(count);

    const restarted = syncIn(dir);
    await restarted.ready;
    expect(restarted.id).toBe(report.id);
    for (let i = 0; i < count; i++) expect(restarted.get(`k${i}`)).toEqual({ i, from: report.id });
    expect(() => restarted.set('k0', 'renewed')).not.toThrow(LeaseError);
    expect(restarted.get('k0')).toBe('renewed');
    await restarted.close();
  });
});
