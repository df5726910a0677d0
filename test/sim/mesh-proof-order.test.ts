/**
 * Nothing of ours may reach a peer ahead of our identity proof: the peer drops a message from a
 * peer whose id is not proven yet. Over WebRTC each side sends a bound proof with its handshake
 * (PROTOCOL.md §14.14); when ours did not go out (in Chromium, a link that read no fingerprints at
 * channel open), the peer's bound proof overtook the hello our nonce proof answers, we took the
 * peer in at once, and the first message sent from 'connect' went out before our proof and was
 * dropped. Simulated links dressed as WebRTC ones (fingerprints, the peer named by the signaling);
 * the dialler's link names no peer, so it sends no bound proof and proves itself with a nonce proof.
 */
import { expect, test } from 'vitest';
import { MeshSocket } from '../../packages/web2p/src/index.js';
import type { SimTransport } from '../../packages/web2p/src/sim/index.js';
import type { Link, LinkFingerprints } from '../../packages/web2p/src/transport/types.js';
import { sendOnAnnounce } from '../contract/send-on-announce.js';
import { makeNet } from './helpers.js';

/** `link` as a WebRTC link would be: web2p only, with both fingerprints, naming `peerId` (if known). */
function asWebRtc(link: Link, fingerprints: LinkFingerprints, peerId: string | undefined): Link {
  const own = { peerIsWeb2p: true, fingerprints, peerId } as Record<PropertyKey, unknown>;
  return new Proxy(link, {
    get(target, key) {
      if (key in own) return own[key];
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Makes `transport` hand out such links: accepted ones name `acceptedFrom()`, dialled ones no one. */
function dressAsWebRtc(transport: SimTransport, fingerprints: LinkFingerprints, acceptedFrom: () => string): void {
  const listen = transport.listen.bind(transport);
  const dial = transport.dial.bind(transport);
  transport.listen = (onLink, local) => listen((link) => onLink(asWebRtc(link, fingerprints, acceptedFrom())), local);
  transport.dial = async (address) => {
    const link = await dial(address);
    return link && asWebRtc(link, fingerprints, undefined);
  };
}

test.each([1, 2, 3, 4])('seed %i: the first messages both send on meeting arrive though the acceptor’s bound proof comes first', async (seed) => {
  const net = makeNet({ seed, latencyMs: [20, 20] });
  const [ta, tb] = [net.transport(), net.transport()];
  const [ca, cb] = ['sha-256 AA:AA', 'sha-256 BB:BB'];
  // Before the sockets exist: a socket starts listening as it is made.
  dressAsWebRtc(ta, { local: ca, remote: cb }, () => b.id);
  dressAsWebRtc(tb, { local: cb, remote: ca }, () => a.id);
  const [a, b] = [new MeshSocket({ transport: ta }), new MeshSocket({ transport: tb })];
  const announcements = sendOnAnnounce([a, b]);
  await a.connect(b.address);
  await net.runUntil(() => announcements.missing().length === 0, 5_000);
  expect(announcements.missing()).toEqual([]);
  expect(announcements.errors).toEqual([]);
  expect(a.routingTable.size).toBe(1);
  expect(b.routingTable.size).toBe(1);
});
