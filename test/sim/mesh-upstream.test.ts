/**
 * The py2p/js2p mesh tests (PROTOCOL.md §10.1, §10.2, §10.3 items 3–5) on a simulated network,
 * each for the default subnet and for another one, as upstream runs each test in variants.
 */
import { describe, expect, test } from 'vitest';
import { MeshSocket, Protocol, ProtocolMismatchError, flags, type Message } from '../../packages/web2p/src/index.js';
import { chain, makeNet, meshNodes, text, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

const variants = [new Protocol('', 'Plaintext'), new Protocol('mesh', 'Plaintext')];

describe.each(variants)('mesh on %s', (protocol) => {
  test('a broadcast propagates along a 3-node chain and reaches each other node exactly once', async () => {
    const net = makeNet();
    const nodes = meshNodes(net, 3, { protocol });
    await chain(nodes);
    nodes[0]!.send('hello');
    await net.run(3_000);
    expect(nodes[0]!.recv()).toBeUndefined();
    for (const node of nodes.slice(1)) {
      const got = node.recv(10);
      expect(got.map((m) => m.packets)).toEqual([[flags.broadcast, 'hello']]);
      expect(got[0]!.sender).toBe(nodes[0]!.id);
    }
  });

  test('a strict chain (no auto-connect) still delivers exactly once through the middle node', async () => {
    const net = makeNet();
    const nodes = meshNodes(net, 3, { protocol, maxOutgoing: 0 });
    await chain(nodes);
    await net.run(1_000);
    expect(nodes[0]!.routingTable.has(nodes[2]!.id)).toBe(false);
    nodes[2]!.send(new Uint8Array([1, 2, 3]), 'two');
    await net.run(3_000);
    for (const node of nodes.slice(0, 2)) {
      expect(node.recv(10).map((m) => m.packets)).toEqual([[flags.broadcast, new Uint8Array([1, 2, 3]), 'two']]);
    }
  });

  test('duplicate and expired broadcasts are dropped', async () => {
    const net = makeNet();
    const [node] = meshNodes(net, 1, { protocol, trust: 'legacy' });
    const raw = await RawPeer.connect(net, node!.address);
    raw.handshake(node!.protocol.id);
    await until(net, () => node!.routingTable.size === 1, 'raw peer handshake');
    const fresh = raw.message(flags.broadcast, [flags.broadcast, 'once']);
    raw.sendMessage(fresh);
    raw.sendMessage(fresh);
    raw.sendPackets(flags.broadcast, [flags.broadcast, 'stale'], raw.nowSeconds() - 120);
    await net.run(1_000);
    expect(node!.recv(10).map((m) => m.packets)).toEqual([[flags.broadcast, 'once']]);
    // and an id seen within the window is still refused a minute later, but not after expiry
    await net.run(30_000);
    raw.sendMessage(fresh);
    await net.run(1_000);
    expect(node!.recv()).toBeUndefined();
  });

  test('a protocol mismatch is not silent and leaves both tables empty', async () => {
    const net = makeNet();
    const f = new MeshSocket({ transport: net.transport(), protocol: protocol.withSubnet(protocol.subnet + 'test') });
    const g = new MeshSocket({ transport: net.transport(), protocol: protocol.withSubnet(protocol.subnet + 'test2') });
    const fErrors: Error[] = [];
    f.on('error', (error) => fErrors.push(error));
    const attempt = g.connect(f.address);
    await expect(attempt).rejects.toBeInstanceOf(ProtocolMismatchError);
    await attempt.catch((error: ProtocolMismatchError) => {
      expect(error.localId).toBe(g.protocol.id);
      expect(error.remoteId).toBe(f.protocol.id);
    });
    await until(net, () => fErrors.length > 0 && f.awaitingIds.length === 0, 'f notices the mismatch');
    expect(fErrors[0]).toBeInstanceOf(ProtocolMismatchError);
    for (const node of [f, g]) {
      expect(node.routingTable.size).toBe(0);
      expect(node.awaitingIds).toHaveLength(0);
    }
  });

  const answerers = {
    'conn.send whisper': (msg: Message, conn: { send(...a: unknown[]): void }) => {
      conn.send(flags.whisper, flags.whisper, 'success');
      void msg;
    },
    'msg.reply': (msg: Message) => void msg.reply('success'),
  };

  test.each(Object.entries(answerers))('handler registry answering with %s', async (_name, answer) => {
    const net = makeNet();
    const [f, g] = meshNodes(net, 2, { protocol });
    f!.registerHandler((msg, conn) => {
      if (text(msg.packets[1]) !== 'test') return false;
      answer(msg, conn);
      return true;
    });
    await g!.connect(f!.address);
    g!.send('test');
    const reply = await g!.nextMessage();
    expect(reply.packets).toEqual([flags.whisper, 'success']);
    expect(reply.sender).toBe(f!.id);
    await net.run(1_000);
    expect(f!.recv()).toBeUndefined();
    expect(g!.recv()).toBeUndefined();

    g!.send('not test');
    await net.run(1_000);
    expect(f!.recv()?.packets).toEqual([flags.broadcast, 'not test']);
    expect(g!.recv()).toBeUndefined();
  });

  test("the 'message' event with recv() and reply()", async () => {
    const net = makeNet();
    const [f, g] = meshNodes(net, 2, { protocol });
    f!.on('message', () => {
      const msg = f!.recv();
      if (msg && msg.packets[1] === 'ping') void msg.reply('pong');
    });
    await g!.connect(f!.address);
    g!.send('ping');
    const reply = await g!.nextMessage();
    expect(reply.packets).toEqual([flags.whisper, 'pong']);
    expect(f!.recv()).toBeUndefined();
  });
});

describe('registerHandler', () => {
  test('throws TypeError unless the handler takes exactly two parameters', () => {
    const net = makeNet();
    const [sock] = meshNodes(net, 1);
    expect(() => sock!.registerHandler((() => true) as never)).toThrow(TypeError);
    expect(() => sock!.registerHandler(((a: unknown) => a) as never)).toThrow(/exactly two parameters/);
    expect(() => sock!.registerHandler(((a: unknown, b: unknown, c: unknown) => [a, b, c]) as never)).toThrow(TypeError);
    expect(() => sock!.registerHandler(((...rest: unknown[]) => rest) as never)).toThrow(TypeError);
    expect(() => sock!.registerHandler((msg, conn) => Boolean(msg && conn))).not.toThrow();
  });

  test('handlers run in order and the first truthy return stops the chain', async () => {
    const net = makeNet();
    const [f, g] = meshNodes(net, 2);
    const calls: string[] = [];
    f!.registerHandler((msg, _conn) => {
      calls.push('first');
      return msg.packets[1] === 'stop-at-first';
    });
    f!.registerHandler((_msg, _conn) => {
      calls.push('second');
      return undefined;
    });
    await g!.connect(f!.address);
    g!.send('stop-at-first');
    g!.send('fall-through');
    await net.run(1_000);
    expect(calls).toEqual(['first', 'first', 'second']);
    expect(f!.recv(10).map((m) => m.packets[1])).toEqual(['fall-through']);
  });
});

describe('recv semantics (py2p)', () => {
  test('recv() gives the oldest or undefined; recv(n) an array of up to n', async () => {
    const net = makeNet();
    const [f, g] = meshNodes(net, 2);
    await g!.connect(f!.address);
    expect(f!.recv()).toBeUndefined();
    expect(f!.recv(1)).toEqual([]);
    for (const word of ['a', 'b', 'c', 'd']) g!.send(word);
    await net.run(1_000);
    expect(f!.recv()?.packets[1]).toBe('a');
    const one = f!.recv(1);
    expect(Array.isArray(one)).toBe(true);
    expect(one.map((m) => m.packets[1])).toEqual(['b']);
    expect(f!.recv(0)).toEqual([]);
    expect(f!.recv(10).map((m) => m.packets[1])).toEqual(['c', 'd']);
    expect(f!.recv(10)).toEqual([]);
  });

  test('async iteration yields each message once, in order, and ends on close', async () => {
    const net = makeNet();
    const [f, g] = meshNodes(net, 2);
    await g!.connect(f!.address);
    for (const n of [1, 2, 3]) g!.send(n);
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const msg of f!) seen.push(msg.packets[1]);
    })();
    await until(net, () => seen.length === 3, 'three messages iterated');
    expect(f!.recv()).toBeUndefined();
    await f!.close();
    await reading;
    expect(seen).toEqual([1, 2, 3]);
  });
});
