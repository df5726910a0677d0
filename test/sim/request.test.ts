/**
 * request()/reply and nextMessage() with deadlines (issue 18), and replies over the mesh route when a
 * direct link cannot be made (issue 14; PROTOCOL.md §14.9).
 */
import { describe, expect, test } from 'vitest';
import { flags, type MeshSocket } from '../../packages/web2p/src/index.js';
import { REPLY_TIMEOUT_MS } from '../../packages/web2p/src/mesh/constants.js';
import { chain, makeNet, meshNodes, until } from './helpers.js';

/** Answers every request `['ping', n]` with `['pong', n]`. */
function answerPings(node: MeshSocket): void {
  node.registerHandler((msg, _conn) => {
    if (msg.packets[1] !== 'ping') return false;
    void msg.reply('pong', msg.packets[2]!);
    return true;
  });
}

describe('request()', () => {
  test('a neighbour answers; the answer is a whisper from it', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    answerPings(b!);
    const answer = await a!.request(b!.id, 'ping', 1);
    expect(answer.packets).toEqual([flags.whisper, 'pong', 1]);
    expect(answer.sender).toBe(b!.id);
  });

  test('a node five hops away answers over the mesh route, and nobody in between sees it', async () => {
    const net = makeNet({ seed: 4 });
    const nodes = meshNodes(net, 6, { maxOutgoing: 0 });
    await chain(nodes);
    const [first, last] = [nodes[0]!, nodes[5]!];
    answerPings(last);
    await first.waitForPeers(5);
    const opened = net.linkCount;
    const answers = await Promise.all([1, 2, 3].map((n) => first.request(last.id, 'ping', n)));
    expect(answers.map((m) => m.packets[2])).toEqual([1, 2, 3]);
    expect(net.linkCount).toBe(opened); // no dial
    for (const middle of nodes.slice(1, 5)) expect(middle.recv(10)).toEqual([]);
  });

  test('rejects with TimeoutError when nobody answers, AbortError when aborted, and ignores a late answer', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    const held: Array<() => void> = [];
    b!.registerHandler((msg, _conn) => held.push(() => void msg.reply('late')) > 0);
    await expect(a!.request(b!.id, 'q', { timeoutMs: 1_000 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const controller = new AbortController();
    const asked = a!.request(b!.id, 'q', { signal: controller.signal });
    await net.run(100);
    controller.abort();
    await expect(asked).rejects.toMatchObject({ name: 'AbortError' });
    const errors: Error[] = [];
    a!.on('error', (e) => errors.push(e));
    for (const reply of held) reply();
    await net.run(1_000);
    expect(errors).toEqual([]);
    expect(a!.recv(10)).toEqual([]); // late answers are dropped, not queued as messages
    const closing = a!.request(b!.id, 'q');
    await a!.close();
    await expect(closing).rejects.toMatchObject({ name: 'SocketClosedError' });
  });
});

describe('replies when a direct link cannot be made (issue 14)', () => {
  test("a reply to a member we cannot dial goes over the mesh route, not a dial that fails", async () => {
    const net = makeNet({ seed: 2 });
    const [hub, a, b] = meshNodes(net, 3) as [MeshSocket, MeshSocket, MeshSocket];
    net.block(a, b); // two pages behind symmetric NATs, hub a public page
    await a.connect(hub.address);
    await b.connect(hub.address);
    await until(net, () => a.members.has(b.id) && b.members.has(a.id), 'a and b know of each other through the hub');
    expect(a.routingTable.has(b.id)).toBe(false);
    b.send('anyone?');
    const heard = await a.nextMessage();
    const started = net.clock.now();
    await heard.reply('a here');
    const reply = await b.nextMessage({ timeoutMs: REPLY_TIMEOUT_MS });
    expect(reply.packets).toEqual([flags.whisper, 'a here']);
    expect(reply.sender).toBe(a.id);
    expect(net.clock.now() - started).toBeLessThan(1_000);
    // and a request crosses the same way
    answerPings(b);
    expect((await a.request(b.id, 'ping', 7)).packets).toEqual([flags.whisper, 'pong', 7]);
  });
});

describe('nextMessage()', () => {
  test('times out, aborts, and a message arriving afterwards stays queued for the next reader', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    await expect(a!.nextMessage({ timeoutMs: 500 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const controller = new AbortController();
    const waiting = a!.nextMessage({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    b!.send('kept');
    await net.run(1_000);
    expect((await a!.nextMessage({ timeoutMs: 500 })).packets).toEqual([flags.broadcast, 'kept']);
  });
});
