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
import { FrameError, MeshSocket, flags } from '../../packages/web2p/src/index.js';
import type { SimTransport } from '../../packages/web2p/src/sim/index.js';
import type { Link, LinkFingerprints } from '../../packages/web2p/src/transport/types.js';
import { sendOnAnnounce } from '../contract/send-on-announce.js';
import { overriding } from '../support/overriding.js';
import { WirePeer } from '../support/wire-peer.js';
import { makeNet } from './helpers.js';

/** `link` as a WebRTC link would be: web2p only, with both fingerprints, naming `peerId` (if known). */
function asWebRtc(link: Link, fingerprints: LinkFingerprints, peerId: string | undefined, loseFirstSends = 0): Link {
  let toLose = loseFirstSends;
  const send = (bytes: Uint8Array): void => {
    if (toLose > 0) toLose--;
    else link.send(bytes);
  };
  return overriding(link, { peerIsWeb2p: true, fingerprints, peerId, send });
}

/**
 * Makes `transport` hand out such links: accepted ones name `acceptedFrom()`, dialled ones no one.
 * An accepted link loses the first `loseAcceptedFirst` frames it sends, as a Firefox page that
 * offered loses, now and then, what the answering Chromium page sends before its channel's 'open'.
 */
function dressAsWebRtc(transport: SimTransport, fingerprints: LinkFingerprints, acceptedFrom: () => string, loseAcceptedFirst = 0): void {
  const listen = transport.listen.bind(transport);
  const dial = transport.dial.bind(transport);
  transport.listen = (onLink, local) => listen((link) => onLink(asWebRtc(link, fingerprints, acceptedFrom(), loseAcceptedFirst)), local);
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

test.each([
  [1, 1],
  [2, 1],
  [3, 2],
  [4, 2],
])('seed %i: the acceptor’s first %i frames lost on the way (its handshake, then its bound proof), both still join at once', async (seed, lost) => {
  const net = makeNet({ seed, latencyMs: [20, 20] });
  const [ta, tb] = [net.transport(), net.transport()];
  const [ca, cb] = ['sha-256 AA:AA', 'sha-256 BB:BB'];
  dressAsWebRtc(ta, { local: ca, remote: cb }, () => b.id);
  dressAsWebRtc(tb, { local: cb, remote: ca }, () => a.id, lost);
  const [a, b] = [new MeshSocket({ transport: ta }), new MeshSocket({ transport: tb })];
  const announcements = sendOnAnnounce([a, b]);
  const drops: string[] = [];
  a.on('disconnect', (id) => drops.push(`a dropped ${id}`));
  b.on('disconnect', (id) => drops.push(`b dropped ${id}`));
  await a.connect(b.address);
  // well within one redial (the first link dropped and a second one made would take longer)
  await net.runUntil(() => a.routingTable.size === 1 && b.routingTable.size === 1 && announcements.missing().length === 0, 1_000);
  expect(announcements.errors).toEqual([]);
  expect(drops).toEqual([]);
  expect(announcements.missing()).toEqual([]);
});

// What the dialler holds for a handshake to come is one well-formed proof message: a hostile
// acceptor that sends a malformed one, or two, before any handshake is refused at once, as before.
test.each([
  ['a malformed proof message', (peer: WirePeer) => peer.write(flags.whisper, ['web2p:bound-proof', new Uint8Array(3)])],
  ['two hellos', (peer: WirePeer) => [1, 2].forEach(() => peer.sendHello())],
])('a dialled WebRTC peer that sends %s before its handshake is dropped with a FrameError', async (_what, attack) => {
  const net = makeNet({ seed: 7, latencyMs: [20, 20] });
  const [ta, tHostile] = [net.transport(), net.transport()];
  dressAsWebRtc(ta, { local: 'sha-256 AA:AA', remote: 'sha-256 BB:BB' }, () => 'unused');
  const links: Link[] = [];
  await tHostile.listen((link) => links.push(link), undefined as never);
  const a = new MeshSocket({ transport: ta });
  const errors: Error[] = [];
  a.on('error', (error) => errors.push(error));
  void a.connect(tHostile.address).catch(() => {});
  await net.runUntil(() => links.length === 1, 1_000);
  attack(new WirePeer(links[0]!, { clock: net.clock }));
  await net.runUntil(() => errors.length > 0, 1_000);
  expect(errors[0]).toBeInstanceOf(FrameError);
  expect(a.routingTable.size).toBe(0);
});
