/**
 * The signaling server's resource limits: connection caps in all and per address, an origin
 * allow-list, a room size cap, bounded introductions (a join costs O(1) frames), a slow reader cut
 * off before it makes the server buffer without bound, and TLS. Each limit refuses the offender
 * with a code that says why, and everyone else carries on.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ClientOptions } from 'ws';
import { CLOSE_CODES } from '../../signaling-server/src/constants.js';
import { systemClock } from '../../packages/web2p/src/runtime/clock.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { selfSignedCertificate } from '../../packages/web2p/src/node/certificate.js';
import { connect, get, join, makeId, metric, startServer, waitFor, type TestClient } from './signaling-helpers.js';

const CLI = fileURLToPath(new URL('../../signaling-server/dist/cli.js', import.meta.url));

async function closedMetric(server: Parameters<typeof get>[0], reason: string): Promise<number> {
  return metric(await (await get(server, '/metrics')).text(), `web2p_signal_connections_closed_total{reason="${reason}"}`);
}

describe('connection caps', () => {
  it('closes connections past maxConnections with 4005 and admits again once one ends', async () => {
    const server = await startServer({ maxConnections: 2 });
    const first = await connect(server, 'chat');
    await connect(server, 'chat');
    const third = await connect(server, 'chat');
    expect(await third.waitClosed()).toEqual({ code: CLOSE_CODES.serverFull, reason: expect.stringMatching(/server full/) });
    expect(await closedMetric(server, 'server-full')).toBe(1);
    first.ws.close();
    await first.waitClosed();
    await waitFor(() => server.stats().clients === 1, 5_000, 'the closed connection to be released');
    const fourth = await connect(server, 'chat');
    await fourth.ping();
  });

  it('closes connections past maxConnectionsPerIp with 4006; another address still gets in', async () => {
    const server = await startServer({ maxConnectionsPerIp: 2 });
    await connect(server, 'chat');
    await connect(server, 'chat');
    const third = await connect(server, 'chat');
    expect((await third.waitClosed()).code).toBe(CLOSE_CODES.ipLimit);
    expect(await closedMetric(server, 'ip-limit')).toBe(1);
    // 127.0.0.2 is another loopback address: a different client as far as the cap is concerned.
    const elsewhere = await connect(server, 'chat', { localAddress: '127.0.0.2' });
    await elsewhere.ping();
  });

  it('admits only allowed origins, and clients that send none', async () => {
    const server = await startServer({ origins: ['http://app.example'] });
    const evil = await connect(server, 'chat', { origin: 'http://evil.example' });
    expect(await evil.waitClosed()).toEqual({ code: CLOSE_CODES.originRefused, reason: 'origin not allowed by this server' });
    await (await connect(server, 'chat', { origin: 'http://app.example' })).ping();
    await (await connect(server, 'chat')).ping(); // a Node peer sends no Origin
    expect(await closedMetric(server, 'origin')).toBe(1);
  });

  it('refuses an origin option that is not an origin', async () => {
    await expect(startServer({ origins: ['https://app.example/path'] })).rejects.toThrow(/origins must look like/);
  });
});

describe('rooms', () => {
  it('answers a join past maxRoomSize with room-full, keeping the connection; it may join once there is room', async () => {
    const server = await startServer({ maxRoomSize: 2 });
    const a = await join(server, 'chat');
    await join(server, 'chat');
    const late = await connect(server, 'chat');
    const id = makeId();
    late.send({ type: 'join', id });
    expect(await late.nextOfType('error')).toMatchObject({ code: 'room-full' });
    await join(server, 'other'); // other rooms are not affected
    a.client.ws.close();
    await a.client.waitClosed();
    // a's leave is handled after its close: until then a retry may still find the room full.
    for (let reply = { type: 'error' }; reply.type === 'error'; ) {
      late.send({ type: 'join', id });
      reply = await late.next((m) => m.type === 'peers' || m.type === 'error');
      if (reply.type === 'peers') expect(reply).toMatchObject({ ids: [expect.any(String)] });
    }
  });

  it('introduces a joiner to a sample of the room; only the sample hears joined, and only acquaintances hear left', async () => {
    const server = await startServer({ peerSampleSize: 3 });
    const members: Array<{ client: TestClient; id: string }> = [];
    for (let i = 0; i < 3; i++) members.push(await join(server, 'big'));
    // The first three were each introduced to all before them (fewer than the sample): drain that.
    for (const [index, member] of members.entries()) {
      for (const later of members.slice(index + 1)) await member.client.next((m) => m.type === 'joined' && m.id === later.id);
    }
    for (let i = 0; i < 3; i++) members.push(await join(server, 'big'));
    for (const member of members) {
      await member.client.ping();
      member.client.discard(); // joined frames among the later three: not under test here
    }

    const newcomer = await join(server, 'big');
    expect(newcomer.peers).toHaveLength(3);
    expect(new Set(newcomer.peers).size).toBe(3);
    const order = members.map((m) => m.id);
    expect(newcomer.peers.every((id) => order.includes(id))).toBe(true);
    expect([...newcomer.peers].sort((x, y) => order.indexOf(x) - order.indexOf(y))).toEqual(newcomer.peers); // join order
    for (const member of members) {
      await member.client.ping();
      const heard = member.client.unclaimed.filter((m) => m.type === 'joined' && m.id === newcomer.id).length;
      expect(heard).toBe(newcomer.peers.includes(member.id) ? 1 : 0);
    }

    const introduced = members.find((m) => newcomer.peers.includes(m.id))!;
    introduced.client.ws.close();
    expect(await newcomer.client.nextOfType('left')).toEqual({ type: 'left', id: introduced.id });

    newcomer.client.ws.close();
    for (const member of members.filter((m) => m !== introduced)) {
      if (newcomer.peers.includes(member.id)) {
        await member.client.next((m) => m.type === 'left' && m.id === newcomer.id);
      } else {
        await member.client.ping();
        expect(member.client.unclaimed.some((m) => m.type === 'left' && m.id === newcomer.id)).toBe(false);
      }
    }
  });
});

describe('slow readers', () => {
  it('cuts off a member that stops reading once maxBufferedBytes wait for it; the sender carries on', async () => {
    const server = await startServer({ maxBufferedBytes: 256 * 1024, rateLimit: { perSecond: 1_000, burst: 1_000 } });
    const reader = await join(server, 'chat');
    const sender = await join(server, 'chat');
    await reader.client.nextOfType('joined');
    // Stop reading at the TCP level: the kernel buffers fill, then the server's queue grows.
    (reader.client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const data = 'x'.repeat(60_000);
    for (let sent = 0; sent < 400 && (await closedMetric(server, 'slow-reader')) === 0; sent++) {
      sender.client.send({ type: 'signal', to: reader.id, data });
      if (sent % 20 === 19) await sender.client.ping(); // let the server handle what was sent
    }
    expect(await closedMetric(server, 'slow-reader')).toBe(1);
    await waitFor(() => server.stats().clients === 1, 5_000, 'the slow reader to be gone');
    await sender.client.ping();
  });
});

describe('TLS', () => {
  it('serves wss:// and https:// with the given certificate', async () => {
    const tls = selfSignedCertificate(systemClock, systemRandom);
    const server = await startServer({ tls });
    expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    // The test certificate names no address: trust it by its CA alone. ws passes the check on to
    // tls.connect, which wants undefined for "fine", though ws's types say boolean.
    const trust = { ca: tls.cert, checkServerIdentity: () => undefined };
    const a = await join(server, 'chat', makeId(), trust as unknown as ClientOptions);
    const b = await join(server, 'chat', makeId(), trust as unknown as ClientOptions);
    expect(b.peers).toEqual([a.id]);
    const health = await new Promise<string>((resolve, reject) => {
      // fetch() cannot be given a CA; node:https can.
      void import('node:https').then(({ get: httpsGet }) =>
        httpsGet(`${server.url.replace(/^wss/, 'https')}/healthz`, trust, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk));
          response.on('end', () => resolve(body));
        }).on('error', reject),
      );
    });
    expect(JSON.parse(health)).toMatchObject({ ok: true, clients: 2 });
  });

  it('the CLI wants --cert and --key together', async () => {
    const run = promisify(execFile);
    const error = await run(process.execPath, [CLI, '--port', '0', '--cert', 'a.pem']).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2, stderr: expect.stringContaining('--cert and --key go together') });
  });
});
