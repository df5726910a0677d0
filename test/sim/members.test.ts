/** sock.members (issue 18, PROTOCOL.md §14.8): every node of the mesh, not only neighbours, with metadata; crashes noticed in time. */
import { describe, expect, test } from 'vitest';
import { FrameError, MetaTooLargeError, flags, type MeshSocket, type Packet } from '../../packages/web2p/src/index.js';
import { encodeBeat, MEMBER_SUBFLAG } from '../../packages/web2p/src/mesh/member-messages.js';
import { ROUTE_SUBFLAG } from '../../packages/web2p/src/mesh/routed-messages.js';
import { MEMBER_HEARTBEAT_MS, MEMBER_TIMEOUT_MS } from '../../packages/web2p/src/mesh/constants.js';
import { makeNet, meshNodes, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

/** Each node after the first dials one random earlier node: a sparse mesh, most pairs not neighbours. */
async function sparseMesh(count: number, seed: number): Promise<{ net: ReturnType<typeof makeNet>; nodes: MeshSocket[] }> {
  const net = makeNet({ seed });
  const nodes = meshNodes(net, count, { maxOutgoing: 2 });
  for (let k = 1; k < nodes.length; k++) await nodes[k]!.connect(nodes[Math.floor((k * 7919) % k)]!.address);
  return { net, nodes };
}

function everyoneSeesEveryone(nodes: MeshSocket[]): boolean {
  return nodes.every((node) => node.members.size === nodes.length - 1 && nodes.every((other) => other === node || node.members.has(other.id)));
}

describe('members', () => {
  test('a 12-node mesh with maxOutgoing 2 shows every member everywhere, with metadata, and a crash leaves every list in time', async () => {
    const { net, nodes } = await sparseMesh(12, 3);
    nodes.forEach((node, k) => node.setMeta({ name: `node ${k}` }));
    await until(net, () => everyoneSeesEveryone(nodes), 'every node lists the 11 others', 20_000);
    // far more members than neighbours: the list is not the routing table
    expect(nodes.some((node) => node.routingTable.size < 11)).toBe(true);
    await until(
      net,
      () => nodes.every((node) => [...node.members.values()].every((m) => m.meta['name'] === `node ${nodes.findIndex((n) => n.id === m.id)}`)),
      'every member carries its name',
      20_000,
    );
    for (const node of nodes) {
      for (const member of node.members.values()) expect(member.neighbour).toBe(node.routingTable.has(member.id));
    }

    // traffic once settled: heartbeats only (figure for PROTOCOL.md §14.8)
    const before = { ...net.stats };
    await net.run(30_000);
    const bytesPerNodePerSecond = (net.stats.bytes - before.bytes) / 30 / nodes.length;
    console.log(`members: ${bytesPerNodePerSecond.toFixed(0)} bytes/s sent per node, 12 nodes, heartbeat every ${MEMBER_HEARTBEAT_MS} ms`);

    const victim = nodes[5]!;
    const left: string[] = [];
    for (const node of nodes) node.on('member-leave', (member) => member.id === victim.id && left.push(node.id));
    const crashedAt = net.clock.now();
    net.kill(victim);
    const survivors = nodes.filter((node) => node !== victim);
    await until(net, () => survivors.every((node) => !node.members.has(victim.id)), 'the crashed node leaves every list', 20_000);
    const noticedMs = net.clock.now() - crashedAt;
    console.log(`members: a crashed node left every list ${noticedMs} ms (virtual) after the crash`);
    expect(noticedMs).toBeLessThanOrEqual(MEMBER_TIMEOUT_MS + MEMBER_HEARTBEAT_MS + 2_000);
    expect(left.length).toBe(survivors.length);
    // the rest of the mesh still sees everyone else
    await net.run(5_000);
    for (const node of survivors) expect(node.members.size).toBe(survivors.length - 1);
  });

  test('events: member-join with its metadata, member-update on setMeta, member-leave on close', async () => {
    const { net, nodes } = await sparseMesh(4, 5);
    const [a, , , d] = nodes as [MeshSocket, MeshSocket, MeshSocket, MeshSocket];
    await until(net, () => everyoneSeesEveryone(nodes), 'everyone listed');
    const events: string[] = [];
    a.on('member-update', (m) => m.id === d.id && events.push(`update ${String(m.meta['name'])}`));
    a.on('member-leave', (m) => m.id === d.id && events.push('leave'));
    nodes.forEach((node, k) => node !== d && node.setMeta({ name: `n${k}` }));
    d.setMeta({ name: 'dee' });
    await until(net, () => a.members.get(d.id)?.meta['name'] === 'dee', 'the new name arrives');
    const late = meshNodes(net, 1, { maxOutgoing: 0 })[0]!; // linked to a alone
    const joined: Array<[string, unknown]> = [];
    late.on('member-join', (m) => joined.push([m.id, m.meta['name']]));
    await late.connect(a.address);
    // names set before it joined reach it from nodes it has no link to (asked for over the mesh route)
    await until(net, () => nodes.every((n) => late.members.get(n.id)?.meta['name'] === (n === d ? 'dee' : n.meta['name'])), 'a late joiner gets every name');
    expect(nodes.some((n) => !late.routingTable.has(n.id))).toBe(true);
    expect(joined.map(([id]) => id).sort()).toEqual(nodes.map((n) => n.id).sort());
    await d.close();
    await until(net, () => !a.members.has(d.id), 'a closed node leaves at once');
    expect(events).toEqual(['update dee', 'leave']);
  });

  test('setMeta over 1 KiB throws MetaTooLargeError and publishes nothing', async () => {
    const { net, nodes } = await sparseMesh(2, 1);
    const [a, b] = nodes as [MeshSocket, MeshSocket];
    expect(() => a.setMeta({ blob: 'x'.repeat(2000) })).toThrow(MetaTooLargeError);
    await net.run(5_000);
    expect(b.members.get(a.id)?.meta).toEqual({});
    expect(a.meta).toEqual({});
  });

  test('waitForPeers resolves on the n-th member, times out, aborts', async () => {
    const { net, nodes } = await sparseMesh(3, 2);
    const [a] = nodes as [MeshSocket];
    await a.waitForPeers(2);
    expect(a.members.size).toBeGreaterThanOrEqual(2);
    await expect(a.waitForPeers(5, { timeoutMs: 2_000 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const controller = new AbortController();
    const waiting = a.waitForPeers(5, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await net.run(1_000);
  });

  test('a peer forging heartbeats from thousands of ids cannot grow a table past maxMembers', async () => {
    const net = makeNet({ seed: 9 });
    const [a] = meshNodes(net, 1, { maxMembers: 50, trust: 'legacy' }); // the raw peer cannot prove an id
    const hostile = await RawPeer.connect(net, a!.address);
    hostile.handshake(a!.protocol.id);
    await net.run(1_000);
    // the sender of a broadcast is whatever the frame says
    for (let k = 0; k < 2_000; k++) hostile.sendMessage(hostile.message(flags.broadcast, encodeBeat(0, 3_000), undefined, `forged${k}`));
    await net.run(2_000);
    expect(a!.members.size).toBe(50);
    expect(a!.members.has(hostile.id)).toBe(true); // a neighbour is always a member
    // forged members are never heard from again: they leave on time, and the table has room again
    await net.run(MEMBER_TIMEOUT_MS + MEMBER_HEARTBEAT_MS);
    expect([...a!.members.keys()]).toEqual([hostile.id]);
  });

  test.each([
    ['a member message of an unknown kind', [MEMBER_SUBFLAG, 'bogus']],
    ['a heartbeat without its interval', [MEMBER_SUBFLAG, 'beat', 0]],
    ['a routed message with no kind', [ROUTE_SUBFLAG, 'x', 'y', 3]],
  ] as Array<[string, Packet[]]>)('%s drops the peer that sent it with a FrameError, and nothing else', async (_what, payload) => {
    const net = makeNet({ seed: 10 });
    const [a, friend] = meshNodes(net, 2, { trust: 'legacy' }); // the raw peer cannot prove an id
    await friend!.connect(a!.address);
    const raw = await RawPeer.connect(net, a!.address);
    raw.handshake(a!.protocol.id);
    const errors: Error[] = [];
    a!.on('error', (error) => errors.push(error));
    await net.run(1_000);
    raw.sendPackets(flags.whisper, payload);
    await until(net, () => raw.closed, 'the raw peer dropped');
    expect(errors[0]).toBeInstanceOf(FrameError);
    expect(a!.routingTable.has(raw.id)).toBe(false);
    expect([...a!.routingTable.keys()]).toEqual([friend!.id]);
    expect(a!.members.get(friend!.id)?.neighbour).toBe(true);
  });
});
