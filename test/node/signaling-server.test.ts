/** The signaling server doing its job: rooms, introductions, relaying, /healthz, /metrics, static files, CLI. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createIdentity, nodeIdOf } from '../../packages/web2p/src/identity/identity.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { makeJoinProof } from '../../packages/web2p/src/signaling/join-proof.js';
import { MemoryRoomBackend } from '../../signaling-server/src/rooms.js';
import { connect, EVENT_TIMEOUT_MS, get, join, makeId, metric, startServer, waitFor } from './signaling-helpers.js';

describe('rooms and introductions', () => {
  it('gives a joiner the ids already present, oldest first, and tells the others', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    expect(a.peers).toEqual([]);
    const b = await join(server, 'chat');
    expect(b.peers).toEqual([a.id]);
    expect(await a.client.nextOfType('joined')).toEqual({ type: 'joined', id: b.id });
    const c = await join(server, 'chat');
    expect(c.peers).toEqual([a.id, b.id]);
    for (const { client } of [a, b]) expect(await client.nextOfType('joined')).toEqual({ type: 'joined', id: c.id });
  });

  it('tells the room when a member leaves', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    const b = await join(server, 'chat');
    b.client.ws.close();
    expect(await a.client.nextOfType('left')).toEqual({ type: 'left', id: b.id });
    const c = await join(server, 'chat');
    expect(c.peers).toEqual([a.id]);
  });

  it('relays a signal to the addressee only, with the sender id and the data untouched', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    const b = await join(server, 'chat');
    const c = await join(server, 'chat');
    const data = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n', nested: [1, null, { x: 'é' }] };
    a.client.send({ type: 'signal', to: b.id, data });
    expect(await b.client.nextOfType('signal')).toEqual({ type: 'signal', from: a.id, data });
    // c's first signal must be the marker sent after: the one for b never reached it.
    a.client.send({ type: 'signal', to: c.id, data: 'marker' });
    expect(await c.client.nextOfType('signal')).toEqual({ type: 'signal', from: a.id, data: 'marker' });
  });

  it('keeps rooms apart: no introductions, no relaying across rooms, same id allowed in two rooms', async () => {
    const server = await startServer();
    const a = await join(server, 'red');
    const b = await join(server, 'blue', a.id);
    expect(b.peers).toEqual([]);
    const c = await join(server, 'blue');
    expect(c.peers).toEqual([a.id]); // the id joined in blue is b's, the same string as a's
    expect(await b.client.nextOfType('joined')).toEqual({ type: 'joined', id: c.id });
    c.client.send({ type: 'signal', to: a.id, data: 'for blue' });
    expect(await b.client.nextOfType('signal')).toEqual({ type: 'signal', from: c.id, data: 'for blue' });
    // a (red) saw none of it: its next message is the pong of its own ping.
    await a.client.ping();
    expect(a.client.unclaimed).toEqual([]);
    const red = await join(server, 'red');
    c.client.send({ type: 'signal', to: red.id, data: 1 });
    expect(await c.client.nextOfType('error')).toMatchObject({ code: 'unknown-peer', id: red.id });
  });

  it('sends peers before anything delivered to the joiner while its join was in flight', async () => {
    // A backend whose join answers late, as a shared one would: a signal for the newcomer lands first.
    const rooms = new MemoryRoomBackend();
    const memoryJoin = rooms.join.bind(rooms);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let joining = () => {};
    const entered = new Promise<void>((resolve) => (joining = resolve));
    const server = await startServer({ rooms });
    const a = await join(server, 'chat');
    rooms.join = async (room, member, capacity) => {
      const result = await memoryJoin(room, member, capacity);
      joining();
      await gate;
      return result;
    };
    const b = await connect(server, 'chat');
    const bId = makeId();
    b.send({ type: 'join', id: bId });
    await entered;
    a.client.send({ type: 'signal', to: bId, data: 'early' });
    await a.client.ping(); // a's signal has been handled: it sits in b's early buffer
    release();
    expect(await b.next()).toEqual({ type: 'peers', ids: [a.id] });
    expect(await b.next()).toEqual({ type: 'signal', from: a.id, data: 'early' });
  });

  it('answers ping with pong', async () => {
    const server = await startServer();
    const client = await connect(server, 'chat');
    await client.ping();
  });
});

describe('/healthz and /metrics', () => {
  it('reports clients and rooms as they come and go, and counts relays and errors', async () => {
    const server = await startServer();
    const health = async () => (await (await get(server, '/healthz')).json()) as unknown;
    expect(await health()).toEqual({ ok: true, clients: 0, rooms: 0 });

    const a = await join(server, 'one');
    const b = await join(server, 'one');
    const c = await join(server, 'two');
    expect(await health()).toEqual({ ok: true, clients: 3, rooms: 2 });
    expect(server.stats()).toEqual({ clients: 3, rooms: 2 });

    a.client.send({ type: 'signal', to: b.id, data: 'x' });
    await b.client.nextOfType('signal');
    a.client.send('{not json');
    await a.client.nextOfType('error');

    const response = await get(server, '/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE web2p_signal_clients gauge');
    expect(metric(text, 'web2p_signal_clients')).toBe(3);
    expect(metric(text, 'web2p_signal_rooms')).toBe(2);
    expect(metric(text, 'web2p_signal_messages_relayed_total')).toBe(1);
    expect(metric(text, 'web2p_signal_errors_total{reason="bad-json"}')).toBe(1);
    expect(metric(text, 'web2p_signal_errors_total{reason="unknown-peer"}')).toBe(0);

    c.client.ws.close();
    await c.client.closed;
    await waitFor(() => server.stats().rooms === 1, EVENT_TIMEOUT_MS, 'room two to empty');
    expect(await health()).toEqual({ ok: true, clients: 2, rooms: 1 });
    const after = await (await get(server, '/metrics')).text();
    expect(metric(after, 'web2p_signal_clients')).toBe(2);
    expect(metric(after, 'web2p_signal_connections_closed_total{reason="client"}')).toBe(1);
  });

  it('answers other paths with 404 and other methods with 405', async () => {
    const server = await startServer();
    expect((await get(server, '/index.html')).status).toBe(404);
    const posted = await fetch(`${server.url.replace(/^ws/, 'http')}/healthz`, { method: 'POST' });
    expect(posted.status).toBe(405);
  });
});

describe('static files', () => {
  async function withSite() {
    const base = await mkdtemp(joinPath(tmpdir(), 'web2p-signal-'));
    const site = joinPath(base, 'site');
    await mkdir(joinPath(site, 'assets'), { recursive: true });
    await writeFile(joinPath(site, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(joinPath(site, 'assets', 'app.js'), 'export const x = 1;');
    await writeFile(joinPath(site, 'assets', 'app.css'), 'body{}');
    await writeFile(joinPath(base, 'secret.txt'), 'do not serve');
    const server = await startServer({ staticDir: site });
    return { server, cleanup: () => rm(base, { recursive: true, force: true }) };
  }

  /** A request with the path sent exactly as written (fetch would normalise `..` away). */
  function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += String(chunk)));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('serves files with their content types, and index.html for /', async () => {
    const { server, cleanup } = await withSite();
    try {
      const index = await get(server, '/');
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await index.text()).toContain('<title>demo</title>');
      const js = await get(server, '/assets/app.js?v=1');
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await js.text()).toBe('export const x = 1;');
      expect((await get(server, '/assets/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect((await get(server, '/missing.js')).status).toBe(404);
      expect((await get(server, '/assets/')).status).toBe(404); // a directory without index.html
      expect(((await (await get(server, '/healthz')).json()) as { ok: boolean }).ok).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2F..%2Fsecret.txt', '/%00'])(
    'refuses %s',
    async (path) => {
      const { server, cleanup } = await withSite();
      try {
        const { status, body } = await rawGet(server.port, path);
        expect([403, 404]).toContain(status);
        expect(body).not.toContain('do not serve');
      } finally {
        await cleanup();
      }
    },
  );

  it('refuses to start on a static directory that does not exist', async () => {
    await expect(startServer({ staticDir: '/nonexistent/web2p' })).rejects.toThrow(/static directory .* cannot be read/);
  });
});

describe('programmatic API', () => {
  it('exposes port and url, and close() ends every client with 1001', async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    const a = await join(server, 'chat');
    await server.close();
    expect(await a.client.waitClosed()).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('rejects bad options with a clear error', async () => {
    await expect(startServer({ port: 70_000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
    await expect(startServer({ heartbeatMs: 0 })).rejects.toThrow(/heartbeatMs must be a number of at least 1/);
    const taken = await startServer();
    await expect(startServer({ port: taken.port })).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+/);
  });
});

describe('CLI', () => {
  const cli = fileURLToPath(new URL('../../signaling-server/dist/cli.js', import.meta.url));

  it('prints its URL, serves a room, and exits cleanly on SIGTERM', async () => {
    expect(existsSync(cli), 'build first: npm run build -w web2p-signal').toBe(true);
    const child = spawn(process.execPath, [cli, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const lines = createInterface({ input: child.stdout });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the CLI printed no URL')), EVENT_TIMEOUT_MS);
        lines.on('line', (line) => {
          const match = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const ws = new WebSocket(`${url}/chat`);
      const frames: Array<{ type: string; nonce?: string }> = [];
      const arrived = (count: number) =>
        new Promise<void>((resolve) => {
          const check = () => (frames.length >= count ? resolve() : ws.once('message', (data) => (frames.push(JSON.parse(String(data))), check())));
          check();
        });
      await arrived(1);
      // By default every join proves its id over the connection's challenge (PROTOCOL.md, Join proof).
      expect(frames[0]).toMatchObject({ type: 'challenge', nonce: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const identity = createIdentity(systemRandom);
      const id = nodeIdOf(identity.publicKey, 'cli-test');
      ws.send(JSON.stringify({ type: 'join', id, proof: await makeJoinProof(identity, frames[0]!.nonce!, id, 'cli-test') }));
      await arrived(2);
      expect(frames[1]).toEqual({ type: 'peers', ids: [] });
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      child.kill('SIGTERM');
      expect(await closed).toBe(1001);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects an unknown flag with usage and exit code 2', async () => {
    const child = spawn(process.execPath, [cli, '--bogus'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2);
    expect(stderr).toMatch(/usage: web2p-signal/);
  });
});
