/**
 * SyncSocket behaviour beyond the upstream tests: what happens in races, across a partition, with
 * skewed clocks and with rapid writes, each in a small network whose outcome can be stated exactly.
 */
import { expect, test } from 'vitest';
import { LeaseError, SyncSocket, flags, type Packet } from '../../packages/web2p/src/index.js';
import { chain, makeNet, until } from './helpers.js';
import { skewedClock, snapshot, syncNodes } from './sync-helpers.js';
import { REDIAL_BACKOFF_MS, SHORT_LINKS_BEFORE_BACKOFF } from '../../packages/web2p/src/mesh/constants.js';

test('two nodes claiming a free key at once: both writes are accepted, the same one wins everywhere', async () => {
  const net = makeNet();
  const nodes = syncNodes(net, 4, { maxOutgoing: 0 });
  await chain(nodes);
  const [first, last] = [nodes[0]!, nodes[3]!];
  first.set('k', 'from first');
  last.set('k', 'from last'); // same second, and neither has heard of the other yet
  await net.run(2_000);
  const winner = first.id < last.id ? 'from first' : 'from last'; // the smaller id wins a tie
  for (const node of nodes) expect(node.get('k')).toBe(winner);
  const loser = first.id < last.id ? last : first;
  expect(() => loser.set('k', 'again')).toThrow(LeaseError);
});

test('two claims on a free key made before either was heard of: each side keeps its own while its lease lasts, then the later claim wins everywhere, and holds', async () => {
  const net = makeNet();
  const leaseSeconds = 10;
  const slow = new SyncSocket({ transport: net.transport(), leaseSeconds });
  const fast = new SyncSocket({ transport: net.transport(), leaseSeconds, clock: skewedClock(net, 1_500) });
  const between = new SyncSocket({ transport: net.transport(), leaseSeconds, maxOutgoing: 0 });
  await between.connect(slow.address);
  await fast.connect(between.address);
  await net.run(1_000);
  slow.set('k', 'slow');
  fast.set('k', 'fast');
  await net.run(2_000);
  // A record from anyone but the lease holder is refused (issue 15), so the race splits for now.
  expect(slow.get('k')).toBe('slow');
  expect(fast.get('k')).toBe('fast');
  await net.run(4_000);
  fast.set('k', 'fast again'); // the holder on its side renews; slow does not
  await until(net, () => [slow, fast, between].every((node) => node.get('k') === 'fast again'), 'the later claim wins once the lease lapses', 30_000);
  expect(() => slow.set('k', 'mine')).toThrow(expect.objectContaining({ owner: fast.id }));
});

test('a delete made while a replica was cut off reaches it after the heal (no resurrection)', async () => {
  const net = makeNet();
  const nodes = syncNodes(net, 4);
  await chain(nodes);
  const [owner, ...others] = nodes as [SyncSocket, ...SyncSocket[]];
  owner.set('k', 'v');
  owner.set('kept', 'v');
  await net.run(2_000);
  net.partition([owner, others[0]!], others.slice(1));
  await net.run(10_000); // the links across fail
  expect(owner.delete('k')).toBe(true);
  await net.run(2_000);
  expect(others[2]!.get('k')).toBe('v'); // not heard yet
  net.heal();
  await until(net, () => nodes.every((node) => !node.has('k')), 'every replica loses the deleted key', 120_000);
  for (const node of nodes) expect(node.get('kept')).toBe('v');
  expect(new Set(nodes.map(snapshot)).size).toBe(1);
});

test('a write over a delete dated in our future (a clock behind) waits for that second, then wins', async () => {
  const net = makeNet();
  const ahead = new SyncSocket({ transport: net.transport(), clock: skewedClock(net, 2_000) });
  const behind = new SyncSocket({ transport: net.transport() });
  await behind.connect(ahead.address);
  ahead.set('k', 'first');
  await net.run(3_000);
  ahead.delete('k');
  await net.run(200);
  const seen: Packet[] = [];
  ahead.on('update', (_key, value) => seen.push(value));
  behind.set('k', 'after the delete'); // our clock says before it: the broadcast must wait
  expect(behind.get('k')).toBe('after the delete'); // but it is ours at once
  await net.run(5_000);
  expect(ahead.get('k')).toBe('after the delete');
  expect(seen).toEqual(['after the delete']);
});

test('rapid writes to one key: one broadcast per second, carrying the latest value', async () => {
  const net = makeNet();
  const [writer, reader] = syncNodes(net, 2);
  await reader!.connect(writer!.address);
  const stores = () => reader!.recv(100).length; // stores are claimed, so nothing is queued...
  const heard: Packet[] = [];
  reader!.on('update', (_key, value) => heard.push(value));
  for (let i = 1; i <= 10; i++) writer!.set('k', i);
  expect(writer!.get('k')).toBe(10);
  await net.run(3_000);
  expect(heard).toEqual([1, 10]); // the first went at once, the other nine as one, a second later
  expect(stores()).toBe(0); // ...and none reached the user's queue
});

test('update() refuses the whole batch when one key is leased to another node', async () => {
  const net = makeNet();
  const [a, b] = syncNodes(net, 2);
  await b!.connect(a!.address);
  a!.set('taken', 1);
  await net.run(1_000);
  expect(() => b!.update({ free: 1, taken: 2 })).toThrow(LeaseError);
  expect(b!.has('free')).toBe(false);
  await net.run(1_000);
  expect(a!.has('free')).toBe(false);
});

test("'update' and 'delete' events fire for local and remote changes, with the key in its public form", async () => {
  const net = makeNet();
  const [a, b] = syncNodes(net, 2);
  await b!.connect(a!.address);
  const log: string[] = [];
  for (const [name, node] of [['a', a!], ['b', b!]] as const) {
    node.on('update', (key, value, meta) => log.push(`${name} update ${String(key)}=${JSON.stringify(value)} by ${meta.owner === a!.id ? 'a' : 'b'}`));
    node.on('delete', (key) => log.push(`${name} delete ${String(key)}`));
  }
  a!.set('x', 1);
  await net.run(1_000);
  a!.delete('x');
  await net.run(1_000);
  expect(log).toEqual(['a update x=1 by a', 'b update x=1 by a', 'a delete x', 'b delete x']);
});

test('a relayed store reaches a node two hops away even though stores are claimed by the built-in', async () => {
  const net = makeNet();
  const nodes = syncNodes(net, 3, { maxOutgoing: 0 });
  await chain(nodes);
  const unclaimed: unknown[] = [];
  nodes[2]!.registerHandler((msg, _conn) => void unclaimed.push(msg.packets[0]));
  nodes[0]!.set('far', 'away');
  nodes[0]!.send('plain');
  await net.run(1_000);
  expect(nodes[2]!.get('far')).toBe('away');
  expect(unclaimed).toEqual([flags.broadcast]); // user handlers see only what sync did not claim
});

test('a node dropped again and again for a record dated past our window is backed off: no reconnect storm, a new try after REDIAL_BACKOFF_MS', async () => {
  const net = makeNet();
  const us = new SyncSocket({ transport: net.transport() });
  const fast = new SyncSocket({ transport: net.transport(), clock: skewedClock(net, 90_000) }); // honest, 90 s ahead
  fast.set('early', 'mine'); // its own record, 90 s in our future: we drop it for that ('future')
  const refusals: Error[] = [];
  us.on('error', (error) => void (error.name === 'RecordRefusedError' && refusals.push(error)));
  // The writer is told why, on each link: its clock is 90 s ahead of ours (before, it heard nothing).
  const told: Error[] = [];
  fast.on('error', (error) => void (error.name === 'ClockSkewError' && told.push(error)));
  await fast.connect(us.address).catch(() => undefined);
  // One short-lived link is redialled at once (SHORT_LINKS_BEFORE_BACKOFF), the second backs it off.
  await until(net, () => refusals.length === SHORT_LINKS_BEFORE_BACKOFF, 'the first drops');
  await net.run(REDIAL_BACKOFF_MS - 1_000);
  // Before, it relinked and was dropped again as fast as the links allowed (130 times a second on
  // loopback TCP): a reconnect storm costing both sides a handshake, two proofs and a sync each time.
  expect(refusals.length).toBe(SHORT_LINKS_BEFORE_BACKOFF);
  for (const refusal of refusals) expect(refusal).toMatchObject({ name: 'RecordRefusedError', reason: 'future', peerId: fast.id });
  expect(told).toHaveLength(SHORT_LINKS_BEFORE_BACKOFF);
  for (const skew of told) expect(skew).toMatchObject({ peerId: us.id, aheadSeconds: -90 });
  // and the two link again once the back-off is over (at the next maintenance round)
  await until(net, () => us.routingTable.has(fast.id), 'the relink after the back-off', 2 * REDIAL_BACKOFF_MS);
});
