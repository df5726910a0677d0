/**
 * A 'legacy' SyncSocket bridging an unsigned (py2p-like) peer to a 'strict' one, over TCP. The
 * bench:abuse soak found the strict node dropping the bridge for an unsigned record it had only
 * passed on (sync-service forwards what it merges; the mesh relays what it admits), which cut every
 * strict node off a mixed network at the first py2p write; and the bridge letting an unsigned record
 * dated after a lease holder's write take the leased key. Neither may happen: the strict node
 * refuses the record, reports it and keeps the link; the bridge keeps the holder's key.
 */
import { afterEach, expect, it } from 'vitest';
import { SyncSocket } from '../../packages/web2p/src/node/index.js';
import { flags, utf8 } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { RecordAttacker } from './record-attacker.js';

/** Loopback links and deliveries take milliseconds; this only bounds a failure. */
const NET_MS = 10_000;

const open: Array<SyncSocket | RecordAttacker> = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
});

it('a strict node keeps its legacy neighbour when that one passes an unsigned record on; the bridge keeps a leased key', async () => {
  const strict = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 } });
  const bridge = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, trust: 'legacy' });
  open.push(strict, bridge);
  await Promise.all([strict.listening, bridge.listening]);
  await strict.connect(bridge.address);
  strict.set('name', 'alice');
  await waitFor(() => bridge.get('name') === 'alice', NET_MS, 'the bridge has the strict node\'s key');
  const errors: Error[] = [];
  strict.on('error', (error) => errors.push(error));
  const lost: string[] = [];
  strict.on('disconnect', (id) => lost.push(id));

  // the unsigned peer: it can prove its id, but its records carry no signature, as a py2p peer's
  const py = await RecordAttacker.connect(bridge.address, bridge.protocol.id);
  open.push(py);
  await waitFor(() => bridge.routingTable.has(py.id), NET_MS, 'the unsigned peer is linked');
  const later = py.nowSeconds() + 5;
  py.send(flags.whisper, [flags.store, utf8('name'), 'mallory', py.id, later]); // a sync record after alice's, under her lease
  py.send(flags.broadcast, [flags.store, utf8('live'), 'from py2p']); // relayed by the mesh
  py.send(flags.whisper, [flags.store, utf8('synced'), 'from py2p', py.id, py.nowSeconds()]); // forwarded by sync

  await waitFor(() => bridge.get('live') === 'from py2p' && bridge.get('synced') === 'from py2p', NET_MS, 'the bridge merges the unsigned peer\'s free keys');
  // the bridge's own (signed) write after them: once the strict node has it, it handled both before
  bridge.set('marker', 1);
  await waitFor(() => strict.get('marker') === 1, NET_MS, 'the bridge\'s write after the unsigned records');
  // refused, and reported once for the bridge (refusals it passes on make one 'error' a minute)
  expect(errors).toEqual([expect.objectContaining({ name: 'RecordRefusedError', peerId: bridge.id, owner: py.id, reason: 'unsigned' })]);
  expect(strict.has('live') || strict.has('synced')).toBe(false);
  expect(bridge.get('name')).toBe('alice');
  expect(py.closed).toBe(false); // a sync record that loses to a lease is not a breach

  // the link held: the strict node's writes still reach the bridge
  expect(lost).toEqual([]);
  expect(strict.routingTable.has(bridge.id)).toBe(true);
  strict.set('name', 'alice again');
  await waitFor(() => bridge.get('name') === 'alice again', NET_MS, 'the strict node\'s write after the refusals');
});
