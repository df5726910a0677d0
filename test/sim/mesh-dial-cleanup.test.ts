/** What a dial leaves behind when it gives up: nothing (no listener, no timer, no pending entry). */
import { expect, test } from 'vitest';
import { MeshSocket, flags } from '../../packages/web2p/src/index.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { makeNodeId } from '../../packages/web2p/src/wire/node-id.js';
import { makeNet, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

/** A transport that says every dial's link will come through onLink (a rendezvous), and none ever does. */
function rendezvousOnly(inner: Transport): Transport {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'dial') return (): Promise<Link | null> => Promise.resolve(null);
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test("a dial to a known peer whose link never arrives gives up without leaving a 'peer' listener", async () => {
  const net = makeNet();
  const sock = new MeshSocket({ transport: rendezvousOnly(net.transport()) });
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
