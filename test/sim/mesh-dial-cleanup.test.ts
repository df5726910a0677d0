/** Dials: what one leaves behind when it gives up (nothing), and when one may start (once the transport listens). */
import { expect, test } from 'vitest';
import { MeshSocket, flags } from '../../packages/web2p/src/index.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { makeNodeId } from '../../packages/web2p/src/wire/node-id.js';
import { overriding } from '../support/overriding.js';
import { makeNet, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

/** A transport that says every dial's link will come through onLink (a rendezvous), and none ever does. */
function rendezvousOnly(inner: Transport): Transport {
  return overriding(inner, { dial: (): Promise<Link | null> => Promise.resolve(null) });
}

test("a dial to a known peer whose link never arrives gives up without leaving a 'peer' listener", async () => {
  const net = makeNet();
  const sock = new MeshSocket({ transport: rendezvousOnly(net.transport()), trust: 'legacy' });
  const raw = await RawPeer.connect(net, sock.address);
  raw.handshake(sock.protocol.id);
  await until(net, () => sock.routingTable.size === 1, 'raw peer handshake');
  const before = sock.listenerCount('peer');
  // A peer list naming a node we are not connected to: the socket dials it to fill its slots.
  const stranger = makeNodeId(new Uint8Array([9, 9, 9]), 'x');
  raw.sendPackets(flags.whisper, [flags.peers, [[['sim', 4242], stranger]]]);
  await net.run(1_000);
  expect(sock.listenerCount('peer')).toBeGreaterThanOrEqual(before); // waiting for it, at most
  await net.run(60_000);
  expect(sock.listenerCount('peer')).toBe(before);
  await sock.close();
});

test('a dial waits until the transport listens (a TCP listener learns its address only then)', async () => {
  const net = makeNet();
  const target = new MeshSocket({ transport: net.transport() });
  const inner = net.transport();
  const dialledAt: number[] = [];
  let listenedAt = -1;
  const slowListener = overriding(inner, {
    listen: async (...args: Parameters<Transport['listen']>) => {
      await new Promise<void>((resolve) => net.clock.setTimeout(resolve, 1_000));
      listenedAt = net.clock.now();
      return inner.listen(...args);
    },
    dial: (address: string) => {
      dialledAt.push(net.clock.now());
      return inner.dial(address);
    },
  });
  const sock = new MeshSocket({ transport: slowListener });
  await sock.connect(target.address);
  expect(listenedAt).toBeGreaterThan(0);
  expect(dialledAt).toHaveLength(1);
  expect(dialledAt[0]).toBeGreaterThanOrEqual(listenedAt);
  expect(sock.routingTable.has(target.id)).toBe(true);
  await Promise.all([sock.close(), target.close()]);
});
