/**
 * Issue 8: several signaling server instances sharing rooms through a real Redis (started by the
 * test, no persistence). Node peers over real WebRTC meet across instances; a killed instance's
 * members are announced gone and swept from Redis; a Redis outage leaves local service running and
 * is caught up after.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingServer } from '../../signaling-server/src/index.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { EVENT_TIMEOUT_MS, get, join, metric, startServer, waitFor } from './signaling-helpers.js';
import { makePeer, meshConnected, type Peer } from './webrtc-helpers.js';

/** Short leases so that a dead instance is swept within seconds; renewals come every third of it. */
const LEASE_MS = 1_000;
/** A mesh of a few peers over loopback forms in well under a second; this is the deadline. */
const MESH_MS = 15_000;
/** A departure or a sweep must show within a lease plus a renewal, with room for a loaded machine. */
const SWEEP_MS = 4 * LEASE_MS + 2_000;
const cli = fileURLToPath(new URL('../../signaling-server/dist/cli.js', import.meta.url));

let redis: RedisServer;
let inspect: Redis;
const errors: unknown[] = [];
const children: Array<() => void> = [];

beforeAll(async () => {
  redis = await startRedis();
  inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  inspect.on('error', () => {}); // the outage test stops Redis under it
  await inspect.connect();
});
afterAll(async () => {
  inspect.disconnect();
  await redis.stop();
});
afterEach(() => {
  for (const kill of children.splice(0)) kill();
  expect(errors.splice(0)).toEqual([]);
});

function instance(): Promise<SignalingServer> {
  return startServer({ redis: redis.url, redisLeaseMs: LEASE_MS, onError: (error) => errors.push(error) });
}

/**
 * An instance in a child process (the built CLI), so that it can be killed outright; it admits the
 * raw test clients' unproven joins, as the in-process instances do (signaling-helpers.ts).
 */
async function killableInstance(): Promise<{ url: string; kill: () => void }> {
  const args = [cli, '--port', '0', '--redis', redis.url, '--redis-lease-ms', String(LEASE_MS), '--unsigned-joins'];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = () => child.kill('SIGKILL');
  children.push(kill);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the CLI printed no URL')), EVENT_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { url, kill };
}

const membersOf = (peer: Peer, url: string) => peer.transport.rooms.get(url)!.members;

/** Joins each peer to its room URL, then waits for one mesh. */
async function meshAcross(entries: Array<[Peer, string]>): Promise<void> {
  for (const [peer, url] of entries) await peer.socket.connect(url);
  const peers = entries.map(([peer]) => peer);
  await waitFor(() => peers.every((peer) => peer.socket.routingTable.size > 0) && meshConnected(peers), MESH_MS, 'one mesh across both instances');
}

describe('signaling through Redis (two instances, real Redis)', () => {
  it('Node peers split across two instances form one mesh and exchange broadcasts', async () => {
    const [a, b] = [await instance(), await instance()];
    const peers = Array.from({ length: 4 }, () => makePeer({}, { roomOfferLimit: 1 }));
    const urls = peers.map((_, i) => `${(i % 2 === 0 ? a : b).url}/split`);
    await meshAcross(peers.map((peer, i) => [peer, urls[i]!]));
    // Every peer's room lists the other three, whichever instance they are on.
    await waitFor(() => peers.every((peer, i) => membersOf(peer, urls[i]!).size === 3), MESH_MS, 'every member known everywhere');

    peers.forEach((peer, i) => peer.socket.send(`broadcast ${i}`));
    const broadcastsTo = (peer: Peer) => peer.heard.filter((heard) => heard.text.startsWith('broadcast ')).map((heard) => heard.text);
    try {
      await waitFor(() => peers.every((peer) => broadcastsTo(peer).length >= 3), MESH_MS, 'every broadcast everywhere');
    } catch (error) {
      // Who lacks what, over which links: a timeout alone cannot tell a lost relay from a dead link.
      const state = peers.map((peer, i) => `peer ${i} ${peer.socket.id}: heard [${broadcastsTo(peer).join(', ')}], links [${[...peer.socket.routingTable.keys()].join(', ')}], disconnects [${peer.disconnects.join(', ')}], errors [${peer.errors.map(String).join('; ')}]`);
      throw new Error(`${(error as Error).message}; ${state.join('; ')}`, { cause: error });
    }
    peers.forEach((peer, i) => expect(broadcastsTo(peer).sort()).toEqual([0, 1, 2, 3].filter((j) => j !== i).map((j) => `broadcast ${j}`)));
    expect(peers.flatMap((peer) => peer.errors)).toEqual([]);
  });

  it('a killed instance: its peers are announced gone on the other, and nothing of it stays in Redis', async () => {
    const a = await instance();
    const b = await killableInstance();
    const peers = Array.from({ length: 4 }, () => makePeer());
    const urls = peers.map((_, i) => (i < 2 ? `${a.url}/crash` : `${b.url}/crash`));
    await meshAcross(peers.map((peer, i) => [peer, urls[i]!]));
    const [onA, onB] = [peers.slice(0, 2), peers.slice(2)];
    await waitFor(() => onA.every((peer, i) => membersOf(peer, urls[i]!).size === 3), MESH_MS, 'A’s peers know B’s');
    // A room that only the doomed instance has members in.
    const loner = await join({ url: b.url } as SignalingServer, 'crash-solo');
    const keys = (room: string) => [`web2p-signal:room:${room}:members`, `web2p-signal:room:${room}:leases`];
    expect(await inspect.exists(...keys('crash-solo'))).toBe(2);

    b.kill();
    const goneIds = onB.map((peer) => peer.socket.id);
    await waitFor(() => onA.every((peer, i) => goneIds.every((id) => !membersOf(peer, urls[i]!).has(id))), SWEEP_MS, '`left` for B’s peers at A’s');
    const survivors = onA.map((peer) => peer.socket.id).sort();
    const [members, leases] = keys('crash');
    expect((await inspect.hkeys(members!)).sort()).toEqual(survivors);
    expect((await inspect.zrange(leases!, 0, -1)).sort()).toEqual(survivors);
    // The room only B had expires as a whole; no key anywhere names one of B's members.
    await waitForAsync(async () => (await inspect.exists(...keys('crash-solo'))) === 0, SWEEP_MS, 'B’s lone room gone from Redis');
    const everything = await inspect.keys('*');
    for (const key of everything) {
      const ids = (await inspect.type(key)) === 'hash' ? await inspect.hkeys(key) : await inspect.zrange(key, 0, -1);
      expect(ids.filter((id) => goneIds.includes(id) || id === loner.id)).toEqual([]);
    }
    // A's peers stay in one mesh with each other; the mesh never depended on the server.
    expect(meshConnected(onA)).toBe(true);
  });

  it('a Redis outage: local service continues, /healthz and /metrics say so, and it catches up after', async () => {
    const [a, c] = [await instance(), await instance()];
    const a1 = await join(a, 'outage');
    const c1 = await join(c, 'outage');
    expect(c1.peers).toEqual([a1.id]);

    await redis.stop();
    await waitFor(() => !a.stats().backend!.up && !c.stats().backend!.up, EVENT_TIMEOUT_MS, 'both see Redis down');
    expect(await (await get(a, '/healthz')).json()).toEqual({ ok: true, clients: 1, rooms: 1, redis: 'down' });
    expect(metric(await (await get(a, '/metrics')).text(), 'web2p_signal_redis_up')).toBe(0);
    // A's own room works: a newcomer meets a1, and signals pass between them.
    const a2 = await join(a, 'outage');
    expect(a2.peers).toEqual([a1.id]);
    await a1.client.next((m) => m.type === 'joined' && m.id === a2.id);
    a2.client.send({ type: 'signal', to: a1.id, data: 'still here' });
    expect(await a1.client.nextOfType('signal')).toEqual({ type: 'signal', from: a2.id, data: 'still here' });
    // Across instances nothing can be reached meanwhile, and says so.
    c1.client.send({ type: 'signal', to: a1.id, data: 'lost' });
    expect(await c1.client.nextOfType('error')).toMatchObject({ code: 'unknown-peer', id: a1.id });

    redis = await startRedis(redis.port); // empty: no persistence
    await waitFor(() => a.stats().backend!.up && c.stats().backend!.up, SWEEP_MS, 'both reconnected');
    expect(await (await get(c, '/healthz')).json()).toMatchObject({ redis: 'up' });
    const metrics = await (await get(a, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_redis_up')).toBe(1);
    expect(metric(metrics, 'web2p_signal_redis_reconnects_total')).toBe(1);
    // The members were put back: a newcomer on C meets everyone on A, and is met.
    const c2 = await join(c, 'outage');
    expect(c2.peers.sort()).toEqual([a1.id, a2.id, c1.id].sort());
    await a1.client.next((m) => m.type === 'joined' && m.id === c2.id);
    c2.client.send({ type: 'signal', to: a2.id, data: 'across again' });
    expect(await a2.client.nextOfType('signal')).toEqual({ type: 'signal', from: c2.id, data: 'across again' });
  });
});

/** waitFor for an async condition (a Redis query), polled with the same deadline discipline. */
async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
