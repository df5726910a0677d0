/**
 * What a SyncSocket sends to a neighbour that is not web2p (a RawPeer here, whose handshake has no
 * NEIGHBOUR_UPDATES_MARKER, as py2p's and js2p's have none): no tombstones, since py2p raises
 * KeyError on a nil store for a key it lacks and drops the link that carried it (PROTOCOL.md §13).
 */
import { expect, test } from 'vitest';
import { SyncSocket, flags } from '../../packages/web2p/src/index.js';
import { makeNet, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

test('a tombstone that wins a merge is passed on to web2p neighbours only', async () => {
  const net = makeNet();
  const [a, b, witness] = [0, 1, 2].map(() => new SyncSocket({ transport: net.transport(), leasing: false, trust: 'legacy' })) as [SyncSocket, SyncSocket, SyncSocket];
  a.set('k', 'old value');
  await net.run(2_000);
  b.set('k', 'newer value');
  await net.run(1_000);
  b.delete('k'); // b now holds a tombstone newer than a's value
  await net.run(1_000);
  const raw = await RawPeer.connect(net, a.address);
  raw.handshake(a.protocol.id);
  await witness.connect(a.address);
  await until(net, () => a.routingTable.has(raw.id), 'the raw peer in the table');
  // a's sync of its value loses at b, which answers with its tombstone; a takes it and passes it on.
  await a.connect(b.address);
  await until(net, () => a.get('k') === undefined && witness.get('k') === undefined, 'the delete at a and the witness');
  await net.run(1_000);
  const nilStores = raw.received.filter((msg) => msg.payload[0] === flags.store && msg.payload[2] === null);
  expect(nilStores).toEqual([]);
  expect(raw.received.some((msg) => msg.payload[0] === flags.store && msg.payload[2] === 'old value')).toBe(true);
});
