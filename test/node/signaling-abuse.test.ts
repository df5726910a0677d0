/**
 * The signaling server under bad input: each mistake earns a clear error frame, abuse closes the
 * abuser only, dead clients are dropped, and nothing a client does crashes the server.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MemoryRoomBackend } from '../../signaling-server/src/rooms.js';
import { TokenBucket } from '../../signaling-server/src/rate-limit.js';
import { connect, get, join, makeId, metric, startServer, waitFor } from './signaling-helpers.js';

describe('an invalid message earns an error frame and the connection stays usable', () => {
  it.each([
    ['{nope', 'bad-json', /^frame is not valid JSON: /],
    ['[1,2]', 'bad-message', /^a message must be a JSON object, not an array$/],
    ['null', 'bad-message', /^a message must be a JSON object, not null$/],
    ['"join"', 'bad-message', /^a message must be a JSON object, not a string$/],
    ['{}', 'bad-message', /^field 'type' must be a string$/],
    ['{"type":7}', 'bad-message', /^field 'type' must be a string$/],
    ['{"type":"hello"}', 'unknown-type', /^unknown message type "hello"; expected 'join', 'signal' or 'ping'$/],
    ['{"type":"join"}', 'bad-message', /^field 'id' must be a string$/],
    ['{"type":"join","id":""}', 'bad-message', /^field 'id' must be a node id: 1 to 128 base58 characters, not ""$/],
    ['{"type":"join","id":"0OIl"}', 'bad-message', /^field 'id' must be a node id/],
    [`{"type":"join","id":"${'a'.repeat(129)}"}`, 'bad-message', /^field 'id' must be a node id: .*…"$/],
    ['{"type":"signal","to":5,"data":1}', 'bad-message', /^field 'to' must be a string$/],
    ['{"type":"signal","to":"abc"}', 'bad-message', /^field 'data' is required \(any JSON value\)$/],
    ['{"type":"signal","to":"abc","data":1}', 'not-joined', /^send 'join' before 'signal'$/],
  ])('%s -> %s', async (frame, code, message) => {
    const server = await startServer();
    const client = await connect(server, 'chat');
    client.send(frame);
    const error = await client.nextOfType('error');
    expect(error).toEqual({ type: 'error', code, message: expect.stringMatching(message) });
    // Still open and usable: it can join and be introduced.
    client.send({ type: 'join', id: makeId() });
    expect(await client.nextOfType('peers')).toEqual({ type: 'peers', ids: [] });
  });

  it('refuses binary frames', async () => {
    const server = await startServer();
    const client = await connect(server, 'chat');
    client.ws.send(Buffer.from('{"type":"ping"}'));
    expect(await client.nextOfType('error')).toMatchObject({ code: 'bad-message', message: 'frames must be text (JSON), not binary' });
    await client.ping();
  });

  it('refuses a second join on the same connection', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    a.client.send({ type: 'join', id: makeId() });
    expect(await a.client.nextOfType('error')).toMatchObject({ code: 'already-joined' });
    await a.client.ping();
  });

  it('refuses an id already in the room, and lets the newcomer join with another', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    const newcomer = await connect(server, 'chat');
    newcomer.send({ type: 'join', id: a.id });
    expect(await newcomer.nextOfType('error')).toEqual({
      type: 'error',
      code: 'id-taken',
      message: `id ${a.id} is already in room chat; join with another id`,
    });
    const id = makeId();
    newcomer.send({ type: 'join', id });
    expect(await newcomer.nextOfType('peers')).toEqual({ type: 'peers', ids: [a.id] });
    expect(await a.client.nextOfType('joined')).toEqual({ type: 'joined', id });
  });

  it('answers a signal to an unknown peer with an error frame naming it, not a close', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    const ghost = makeId();
    a.client.send({ type: 'signal', to: ghost, data: { type: 'offer', sdp: 'x' } });
    expect(await a.client.nextOfType('error')).toEqual({
      type: 'error',
      code: 'unknown-peer',
      message: `no peer ${ghost} in room chat`,
      id: ghost,
    });
    await a.client.ping();
  });
});

describe('abuse closes that client only', () => {
  it('closes on the 10th invalid message, not before', async () => {
    const server = await startServer();
    const bad = await connect(server, 'chat');
    for (let i = 0; i < 9; i++) bad.send('{nope');
    for (let i = 0; i < 9; i++) await bad.nextOfType('error');
    await bad.ping();
    bad.send({ type: 'nope' });
    expect(await bad.nextOfType('error')).toMatchObject({ code: 'unknown-type' });
    expect(await bad.waitClosed()).toEqual({ code: 4002, reason: '10 invalid messages' });
    const metrics = await (await get(server, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="abuse"}')).toBe(1);
  });

  it('closes a client that sends an oversized frame with 1009; its room is told and goes on', async () => {
    const server = await startServer({ maxPayload: 1024 });
    const a = await join(server, 'chat');
    const b = await join(server, 'chat');
    const big = await join(server, 'chat');
    big.client.send({ type: 'signal', to: a.id, data: 'x'.repeat(2048) });
    expect((await big.client.waitClosed()).code).toBe(1009);
    expect(await a.client.nextOfType('left')).toEqual({ type: 'left', id: big.id });
    a.client.send({ type: 'signal', to: b.id, data: 'x'.repeat(900) });
    expect(await b.client.nextOfType('signal')).toMatchObject({ from: a.id });
    expect(a.client.unclaimed.filter((m) => m.type === 'signal')).toEqual([]);
    const metrics = await (await get(server, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="too-big"}')).toBe(1);
  });

  it('closes a client over the default 64 KiB limit', async () => {
    const server = await startServer();
    const client = await connect(server, 'chat');
    client.send({ type: 'ping', pad: 'x'.repeat(64 * 1024) });
    expect((await client.waitClosed()).code).toBe(1009);
  });

  it('closes a client that sends invalid UTF-8 in a text frame with 1007', async () => {
    const server = await startServer();
    const a = await join(server, 'chat');
    const bad = await join(server, 'chat');
    bad.client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await bad.client.waitClosed()).code).toBe(1007);
    expect(await a.client.nextOfType('left')).toEqual({ type: 'left', id: bad.id });
    const metrics = await (await get(server, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="protocol-error"}')).toBe(1);
  });

  it('closes a flooding client with 4003 while others are still relayed', async () => {
    const server = await startServer({ rateLimit: { perSecond: 50, burst: 100 } });
    const a = await join(server, 'chat');
    const b = await join(server, 'chat');
    const flood = await join(server, 'chat');
    for (let i = 0; i < 1_000; i++) flood.client.send({ type: 'signal', to: a.id, data: i });
    expect(await flood.client.waitClosed()).toEqual({ code: 4003, reason: 'more than 50 messages per second' });
    expect(await b.client.nextOfType('left')).toEqual({ type: 'left', id: flood.id });
    // a received at most the burst (plus what refilled meanwhile), never the whole flood.
    const fromFlood = a.client.unclaimed.filter((m) => m.type === 'signal').length;
    expect(fromFlood).toBeLessThan(200);
    b.client.send({ type: 'signal', to: a.id, data: 'still here' });
    expect(await a.client.next((m) => m.type === 'signal' && m['from'] === b.id)).toMatchObject({ data: 'still here' });
  });

  it('closes a connection that never joins with 4001', async () => {
    const server = await startServer({ joinTimeoutMs: 50 });
    const idle = await connect(server, 'chat');
    expect(await idle.waitClosed()).toEqual({ code: 4001, reason: 'no join within 50 ms' });
  });

  it.each([
    ['', 'missing room name: connect to ws://host:port/<room>'],
    ['a/b', 'invalid room name: use 1 to 64 of A-Z a-z 0-9 . _ ~ -'],
    ['%20x', 'invalid room name: use 1 to 64 of A-Z a-z 0-9 . _ ~ -'],
    ['r'.repeat(65), 'invalid room name: use 1 to 64 of A-Z a-z 0-9 . _ ~ -'],
  ])('closes a connection to room path %j with 4000', async (path, reason) => {
    const server = await startServer();
    const client = await connect(server, path);
    expect(await client.waitClosed()).toEqual({ code: 4000, reason });
  });

  it('accepts the longest valid room name and ignores the query string', async () => {
    const server = await startServer();
    const room = `A-z_0.9~${'r'.repeat(56)}`;
    const a = await join(server, `${room}?v=1`);
    const b = await join(server, room);
    expect(b.peers).toEqual([a.id]);
  });
});

describe('heartbeat', () => {
  it('drops a client that stops answering pings and tells its room it left', async () => {
    const server = await startServer({ heartbeatMs: 250 });
    const live = await join(server, 'chat');
    const dead = await join(server, 'chat', makeId(), { autoPong: false });
    expect(await live.client.nextOfType('left')).toEqual({ type: 'left', id: dead.id });
    expect((await dead.client.waitClosed()).code).toBe(1006); // cut off, no closing handshake
    // The live client answered every ping meanwhile and is still there.
    await live.client.ping();
    await waitFor(() => server.stats().clients === 1);
    const metrics = await (await get(server, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="heartbeat"}')).toBe(1);
  });

  it('cuts off a client that ignores the closing handshake within two heartbeats', async () => {
    const server = await startServer({ heartbeatMs: 250 });
    const live = await join(server, 'chat');
    const mute = await join(server, 'chat');
    for (let i = 0; i < 10; i++) mute.client.send('{nope');
    // It stops reading at once, so it never sees the 4002 close frame nor answers it (ws would wait 30 s).
    (mute.client.ws as unknown as { _socket: Socket })._socket.pause();
    expect(await live.client.nextOfType('left')).toEqual({ type: 'left', id: mute.id });
    const metrics = await (await get(server, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="abuse"}')).toBe(1);
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="heartbeat"}')).toBe(0);
  });
});

describe('a failure inside the server closes that client only', () => {
  it('closes the client with 1011 and reports the error; the server goes on', async () => {
    const reported: unknown[] = [];
    const rooms = new MemoryRoomBackend();
    const sendTo = rooms.sendTo.bind(rooms);
    rooms.sendTo = async (room, to, frame) => {
      if (frame.includes('"boom"')) throw new Error('backend exploded');
      return sendTo(room, to, frame);
    };
    const server = await startServer({ rooms, onError: (error) => reported.push(error) });
    const a = await join(server, 'chat');
    const b = await join(server, 'chat');
    const c = await join(server, 'chat');
    c.client.send({ type: 'signal', to: a.id, data: 'boom' });
    expect(await c.client.waitClosed()).toEqual({ code: 1011, reason: 'internal server error' });
    expect(reported).toEqual([new Error('backend exploded')]);
    expect(await a.client.nextOfType('left')).toEqual({ type: 'left', id: c.id });
    b.client.send({ type: 'signal', to: a.id, data: 'fine' });
    expect(await a.client.nextOfType('signal')).toEqual({ type: 'signal', from: b.id, data: 'fine' });
    const metrics = await (await get(server, '/metrics')).text();
    expect(metric(metrics, 'web2p_signal_errors_total{reason="internal"}')).toBe(1);
    expect(metric(metrics, 'web2p_signal_connections_closed_total{reason="internal"}')).toBe(1);
  });
});

describe('TokenBucket', () => {
  it('allows the burst, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // 10/s refills one token in 100 ms
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // refills no further than the burst
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});
