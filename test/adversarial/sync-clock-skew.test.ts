/**
 * Three honest SyncSockets over TCP whose clocks disagree: the writer's runs 90 s ahead of ours, the
 * relay's 45 s, both within the sync clock window of the next node (SYNC_CLOCK_WINDOW_SECONDS, 60),
 * not of ours. The relay takes the writer's record and passes it on, live and in the sync it sends a
 * new neighbour. We refuse the record (dated 90 s ahead) and say so; the relay did nothing wrong,
 * so we keep it, and what it writes itself still reaches us. Dropping it cut the two nodes apart
 * for as long as it held the record: it is in every sync it sends.
 */
import { afterEach, expect, it } from 'vitest';
import { SyncSocket, systemClock } from '../../packages/web2p/src/node/index.js';
import { waitFor } from '../contract/wait.js';

/** Loopback links and deliveries take milliseconds; this only bounds a failure. */
const NET_MS = 10_000;

const open: SyncSocket[] = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
});

/** A socket whose clock runs `aheadSeconds` ahead of the system's. */
function node(aheadSeconds: number): SyncSocket {
  const clock = { ...systemClock, now: () => systemClock.now() + aheadSeconds * 1000 };
  const sock = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, clock });
  open.push(sock);
  return sock;
}

it('a record dated past our clock window, passed on by a neighbour whose clock is between, is refused and the neighbour kept', async () => {
  const writer = node(90);
  const relay = node(45);
  const us = node(0);
  await Promise.all([writer.listening, relay.listening, us.listening]);
  await writer.connect(relay.address);
  writer.set('early', 'from the fast clock');
  await waitFor(() => relay.get('early') === 'from the fast clock', NET_MS, 'the relay takes the writer\'s record');

  const errors: Error[] = [];
  us.on('error', (error) => errors.push(error));
  const lost: string[] = [];
  us.on('disconnect', (id) => lost.push(id));
  await us.connect(relay.address); // the relay's sync to us carries the writer's record
  writer.set('live', 'relayed by the mesh'); // and a live write, relayed
  relay.set('own', 'the relay\'s write');
  await waitFor(() => us.get('own') === 'the relay\'s write', NET_MS, 'the relay\'s own write');
  const passedOn = expect.objectContaining({ name: 'RecordRefusedError', peerId: relay.id, owner: writer.id, reason: 'future' });
  await waitFor(() => errors.some((error) => passedOn.asymmetricMatch(error)), NET_MS, 'the refusal reported');

  expect(us.has('early') || us.has('live')).toBe(false);
  // (the writer itself, met through peer exchange, is dropped: it dated its own record)
  expect(lost).not.toContain(relay.id);
  expect(us.routingTable.has(relay.id)).toBe(true);
  relay.set('own', 'again');
  await waitFor(() => us.get('own') === 'again', NET_MS, 'the relay\'s write after the refusals');
});
