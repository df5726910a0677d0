/** Mesh behaviour beyond the upstream tests: what py2p gets wrong or leaves out (PROTOCOL.md §11). */
import { describe, expect, test } from 'vitest';
import { FrameError, FrameTooLargeError, MeshSocket, flags } from '../../packages/web2p/src/index.js';
import { decodeBody, encodeMsgpack } from '../../packages/web2p/src/wire/index.js';
import { chain, makeNet, meshNodes, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';
import { CONFLICT_GRACE_MS } from '../../packages/web2p/src/mesh/constants.js';

describe('routed replies (§4.10, broken upstream)', () => {
  test('a reply reaches a sender five hops away that is not a neighbour', async () => {
    const net = makeNet({ seed: 11 });
    const nodes = meshNodes(net, 5, { maxOutgoing: 1 });
    await chain(nodes);
    await net.run(2_000);
    const [first, , , , last] = nodes as [MeshSocket, MeshSocket, MeshSocket, MeshSocket, MeshSocket];
    expect(first.routingTable.has(last.id)).toBe(false);
    last.send('who is out there?');
    const heard = await first.nextMessage();
    expect(heard.sender).toBe(last.id);
    await heard.reply('node 0 here');
    const reply = await last.nextMessage();
    expect(reply.packets).toEqual([flags.whisper, 'node 0 here']);
    expect(reply.sender).toBe(first.id);
    // the middle nodes saw the broadcast, but not the reply
    await net.run(1_000);
    for (const middle of nodes.slice(1, 4)) expect(middle.recv(10).map((m) => m.packets[1])).toEqual(['who is out there?']);
  });

  test('a reply with no route rejects with TimeoutError instead of hanging', async () => {
    const net = makeNet();
    const nodes = meshNodes(net, 3, { maxOutgoing: 0 });
    await chain(nodes);
    nodes[2]!.send('hello');
    const heard = await nodes[0]!.nextMessage();
    net.kill(nodes[2]!);
    net.kill(nodes[1]!);
    await expect(heard.reply('anyone?')).rejects.toThrow(/no route|could not|unreachable|closed/);
  });
});

describe('sending', () => {
  test('identical broadcasts within one second are both delivered, in order (§11)', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    a!.send('same');
    a!.send('same');
    a!.send('after');
    await net.run(3_000);
    expect(b!.recv(10).map((m) => m.packets[1])).toEqual(['same', 'same', 'after']);
  });

  test('whispers reach neighbours only and are not relayed', async () => {
    const net = makeNet();
    const nodes = meshNodes(net, 3, { maxOutgoing: 0 });
    await chain(nodes);
    nodes[1]!.send('psst', { flag: flags.whisper, type: flags.whisper });
    nodes[0]!.send('only to 1', { flag: flags.whisper });
    await net.run(2_000);
    expect(nodes[0]!.recv(10).map((m) => m.packets)).toEqual([[flags.whisper, 'psst']]);
    expect(nodes[2]!.recv(10).map((m) => m.packets)).toEqual([[flags.whisper, 'psst']]);
    expect(nodes[1]!.recv(10).map((m) => m.packets)).toEqual([[flags.broadcast, 'only to 1']]);
  });

  test('a trailing object with other keys is a packet, not options; custom types go to handlers', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    const custom: unknown[] = [];
    b!.registerHandler((msg, _conn) => msg.packets[0] === 0x40 && custom.push(msg.packets) > 0);
    await b!.connect(a!.address);
    await net.run(1_000);
    a!.send({ flag: 5, extra: true });
    a!.send({ type: 'kind' }, { type: 0x40 });
    await net.run(1_000);
    expect(b!.recv(10).map((m) => m.packets)).toEqual([[flags.broadcast, { flag: 5, extra: true }]]);
    expect(custom).toEqual([[0x40, { type: 'kind' }]]);
  });
});

describe('connections', () => {
  test('two nodes dialling each other at once keep exactly one shared connection (§4.8)', async () => {
    const net = makeNet({ latencyMs: [20, 20] });
    const [a, b] = meshNodes(net, 2);
    await Promise.all([a!.connect(b!.address), b!.connect(a!.address)]);
    await net.run(2_000);
    expect(a!.routingTable.size).toBe(1);
    expect(b!.routingTable.size).toBe(1);
    expect(a!.awaitingIds).toHaveLength(0);
    expect(b!.awaitingIds).toHaveLength(0);
    // The losing connection closes once its grace for messages in flight is over: one connection, two ends.
    await until(net, () => net.linkCount === 2, 'the losing connection closed', CONFLICT_GRACE_MS + 1_000);
    a!.send('still works');
    expect((await b!.nextMessage()).packets[1]).toBe('still works');
  });

  test("events: 'connect' once when the table fills, 'peer' per peer, 'disconnect' when one leaves", async () => {
    const net = makeNet();
    const [hub, x, y] = meshNodes(net, 3, { maxOutgoing: 0 });
    const events: string[] = [];
    hub!.on('connect', () => events.push('connect'));
    hub!.on('peer', (id) => events.push(`peer ${id === x!.id ? 'x' : 'y'}`));
    hub!.on('disconnect', (id) => events.push(`disconnect ${id === x!.id ? 'x' : 'y'}`));
    await x!.connect(hub!.address);
    await y!.connect(hub!.address);
    await until(net, () => hub!.routingTable.size === 2, 'both peers in the hub table');
    await x!.close();
    await until(net, () => hub!.routingTable.size === 1, 'x gone from the hub table');
    expect(events).toEqual(['connect', 'peer x', 'peer y', 'disconnect x']);
  });

  test('a crashed neighbour is dropped and the survivor refills from peers it learned', async () => {
    const net = makeNet({ seed: 3 });
    const nodes = meshNodes(net, 6, { maxOutgoing: 2 });
    for (const node of nodes.slice(1)) await node.connect(nodes[0]!.address);
    await net.run(10_000);
    const victim = nodes[0]!;
    net.kill(victim);
    const survivors = nodes.slice(1);
    await until(net, () => survivors.every((n) => !n.routingTable.has(victim.id) && n.routingTable.size > 0), 'the crash noticed', 60_000);
    // everyone can still reach everyone
    survivors[0]!.send('after the crash');
    await net.run(5_000);
    for (const node of survivors.slice(1)) expect(node.recv(10).map((m) => m.packets[1])).toContain('after the crash');
  });

  test('connecting to oneself is refused and leaves no connection', async () => {
    const net = makeNet();
    const [a] = meshNodes(net, 1);
    await expect(a!.connect(a!.address)).rejects.toThrow(/itself/);
    expect(a!.routingTable.size).toBe(0);
    expect(a!.awaitingIds).toHaveLength(0);
  });

  test('close() empties the tables, is idempotent, and send() afterwards throws', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    await a!.close();
    await a!.close();
    expect(a!.routingTable.size).toBe(0);
    await until(net, () => b!.routingTable.size === 0, 'b sees a leave');
    expect(() => a!.send('x')).toThrow(/closed/);
  });
});

describe('bad input never crashes a peer', () => {
  async function rawToNode() {
    const net = makeNet();
    const [node, friend] = meshNodes(net, 2);
    await friend!.connect(node!.address);
    const raw = await RawPeer.connect(net, node!.address);
    const errors: Error[] = [];
    node!.on('error', (error) => errors.push(error));
    return { net, node: node!, friend: friend!, raw, errors };
  }

  const garbage: Array<[string, (raw: RawPeer) => Uint8Array]> = [
    ['a bad checksum', (raw) => {
      const frame = new Uint8Array(raw.message(flags.broadcast, [0, 'x']).body.length + 36);
      frame.set([0, 0, 0, frame.length - 4]);
      return frame;
    }],
    ['bad msgpack under a valid id', () => {
      const body = new Uint8Array([0xc1, 0xc1]);
      const frame = new Uint8Array(4 + 32 + body.length);
      new DataView(frame.buffer).setUint32(0, 32 + body.length);
      frame.set(new Uint8Array(require('node:crypto').createHash('sha256').update(body).digest()), 4);
      frame.set(body, 36);
      return frame;
    }],
    ['a non-array packets value', () => {
      const body = encodeMsgpack('not packets');
      const frame = new Uint8Array(4 + 32 + body.length);
      new DataView(frame.buffer).setUint32(0, 32 + body.length);
      frame.set(new Uint8Array(require('node:crypto').createHash('sha256').update(body).digest()), 4);
      frame.set(body, 36);
      return frame;
    }],
    ['an empty frame', () => new Uint8Array(4)],
  ];

  test.each(garbage)('%s drops that connection only', async (_what, make) => {
    const { net, node, friend, raw, errors } = await rawToNode();
    raw.sendBytes(make(raw));
    await until(net, () => raw.closed, 'the raw peer dropped');
    expect(errors[0]).toBeInstanceOf(FrameError);
    expect(node.awaitingIds).toHaveLength(0);
    friend.send('life goes on');
    expect((await node.nextMessage()).packets[1]).toBe('life goes on');
  });

  test('an oversize frame is refused from its header, before its body arrives', async () => {
    const { net, node, raw, errors } = await rawToNode();
    raw.sendBytes(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
    await until(net, () => raw.closed, 'the raw peer dropped');
    expect(errors[0]).toBeInstanceOf(FrameTooLargeError);
    expect(node.routingTable.size).toBe(1);
  });

  test('a malformed handshake is refused', async () => {
    const { net, raw, errors } = await rawToNode();
    raw.sendPackets(flags.whisper, [flags.handshake, 'not base58 0OIl', 'x', ['sim', 1], []]);
    await until(net, () => raw.closed, 'the raw peer dropped');
    expect(errors[0]?.message).toMatch(/handshake/);
  });

  test('a throwing user handler is reported and does not drop the peer', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    const errors: Error[] = [];
    a!.on('error', (error) => errors.push(error));
    a!.registerHandler((msg, _conn) => {
      if (msg.packets[1] === 'boom') throw new Error('handler bug');
      return false;
    });
    await b!.connect(a!.address);
    b!.send('boom');
    b!.send('fine');
    expect((await a!.nextMessage()).packets[1]).toBe('fine');
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
    expect(a!.routingTable.size).toBe(1);
  });
});

describe('debugLevel (§4.11)', () => {
  test('prints by level: nothing at 0, connections at 1, waterfall at 2, handlers at 4, bytes at 6', async () => {
    const lines = new Map<number, string[]>();
    for (const level of [0, 1, 2, 4, 6]) {
      const net = makeNet();
      const out: string[] = [];
      const a = new MeshSocket({ transport: net.transport(), debugLevel: level, log: (line) => out.push(line) });
      const [b] = meshNodes(net, 1);
      await b!.connect(a.address);
      b!.send('hi');
      await net.run(1_000);
      lines.set(level, out);
    }
    expect(lines.get(0)).toEqual([]);
    expect(lines.get(1)!.some((l) => /accepted/.test(l))).toBe(true);
    expect(lines.get(1)!.some((l) => /waterfall/.test(l))).toBe(false);
    expect(lines.get(2)!.some((l) => /waterfall: new/.test(l))).toBe(true);
    expect(lines.get(2)!.some((l) => /entering handler/.test(l))).toBe(false);
    expect(lines.get(4)!.some((l) => /entering handler/.test(l))).toBe(true);
    expect(lines.get(4)!.some((l) => /^\[\w+\] raw /.test(l))).toBe(false);
    expect(lines.get(6)!.some((l) => /^\[\w+\] raw /.test(l))).toBe(true);
  });
});

describe('compression negotiation (§1.3)', () => {
  test('peers compress with the first of our methods that the other side advertises', async () => {
    const net = makeNet();
    // a star around zlibFirst (no auto-connect), so each frame's path is known
    const zlibFirst = new MeshSocket({ transport: net.transport(), compression: [flags.zlib, flags.gzip], maxOutgoing: 0 });
    const gzipOnly = new MeshSocket({ transport: net.transport(), compression: [flags.gzip], maxOutgoing: 0 });
    const plain = new MeshSocket({ transport: net.transport(), maxOutgoing: 0 });
    await gzipOnly.connect(zlibFirst.address);
    await plain.connect(zlibFirst.address);
    const seen: string[] = [];
    net.tap = (bytes) => {
      const body = bytes.subarray(4);
      const kind = body[0] === 0x1f && body[1] === 0x8b ? 'gzip' : (body[0]! & 0x0f) === 8 && ((body[0]! << 8) | body[1]!) % 31 === 0 ? 'zlib' : 'none';
      const msg = decodeBody(body, [flags.zlib, flags.gzip]);
      if (msg.payload[1] === 'big') seen.push(kind);
    };
    zlibFirst.send('big', 'x'.repeat(10_000));
    await net.run(2_000);
    gzipOnly.send('big', 'y'.repeat(10_000));
    await net.run(2_000);
    net.tap = undefined;
    // zlibFirst -> gzipOnly: gzip; zlibFirst -> plain: none; gzipOnly -> zlibFirst: gzip; relay zlibFirst -> plain: none
    expect(seen.sort()).toEqual(['gzip', 'gzip', 'none', 'none']);
    expect((await plain.nextMessage()).packets[2]).toBe('x'.repeat(10_000));
  });

  test('a body too small or that does not compress goes plain where compression was negotiated, and arrives (issue 20)', async () => {
    const net = makeNet();
    const [a, b] = [0, 1].map(() => new MeshSocket({ transport: net.transport(), compression: [flags.zlib], maxOutgoing: 0 }));
    await b!.connect(a!.address);
    const noise = new Uint8Array(64 * 1024);
    for (let i = 0, x = 1; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const seen: string[] = [];
    net.tap = (bytes) => {
      const body = bytes.subarray(4);
      const msg = decodeBody(body, [flags.zlib]);
      const what = msg.payload[2] instanceof Uint8Array ? 'noise' : String(msg.payload[2]).slice(0, 5);
      if (msg.payload[1] === 'probe') seen.push(`${what}: ${body[0] === 0x78 ? 'zlib' : 'none'}`);
    };
    a!.send('probe', 'small');
    a!.send('probe', 'texts'.repeat(2_000));
    a!.send('probe', noise);
    await net.run(2_000);
    expect(seen).toEqual(['small: none', 'texts: zlib', 'noise: none']);
    expect(b!.recv(10).map((m) => m.packets[2])).toEqual(['small', 'texts'.repeat(2_000), noise]);
  });
});

describe('relay pruning between web2p peers', () => {
  async function fullMesh(count: number, options: { trust?: 'legacy' } = {}) {
    const net = makeNet();
    const nodes = meshNodes(net, count, { maxOutgoing: 0, ...options });
    for (let i = 0; i < count; i++) for (let j = 0; j < i; j++) await nodes[i]!.connect(nodes[j]!.address);
    await net.run(2_000); // let every table change be announced
    let frames = 0;
    net.tap = (bytes) => {
      const msg = decodeBody(bytes.subarray(4), [], undefined, { whisperIdUnchecked: true }); // whispers between web2p nodes carry no id
      if (msg.type === flags.broadcast && msg.payload[0] === flags.broadcast) frames++;
    };
    return { net, nodes, frames: () => frames };
  }

  test('a broadcast in a fully connected mesh of 4 costs 3 frames, not py2p’s 9', async () => {
    const { net, nodes, frames } = await fullMesh(4);
    nodes[0]!.send('everyone');
    await net.run(2_000);
    expect(frames()).toBe(3);
    for (const node of nodes.slice(1)) expect(node.recv(10).map((m) => m.packets[1])).toEqual(['everyone']);
  });

  test('a neighbour that does not announce its neighbours (py2p, js2p) is never pruned against', async () => {
    const { net, nodes, frames } = await fullMesh(3, { trust: 'legacy' });
    const raw = await RawPeer.connect(net, nodes[0]!.address);
    raw.handshake(nodes[0]!.protocol.id); // no marker in its compression list
    await until(net, () => nodes[0]!.routingTable.size === 3, 'raw peer joins');
    raw.sendPackets(flags.whisper, [flags.peers, [[['sim', 1], nodes[1]!.id], [['sim', 2], nodes[2]!.id]]]);
    raw.sendPackets(flags.broadcast, [flags.broadcast, 'from legacy']);
    await net.run(2_000);
    // it claimed to reach nodes 1 and 2, but it cannot be trusted to say when that changes
    expect(frames()).toBe(3); // its own frame to 0, then 0 relays to 1 and 2 (who prune each other)
    for (const node of nodes.slice(1)) expect(node.recv(10).map((m) => m.packets[1])).toEqual(['from legacy']);
  });
});
