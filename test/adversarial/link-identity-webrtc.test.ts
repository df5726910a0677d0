/**
 * Attacks on node ids over real WebRTC (node-datachannel), met through a real signaling server on
 * 127.0.0.1 (issue 15). The attacker joins the room in its own name (the server wants a proof) and
 * gets data channels to the honest nodes a and b; on the one to a it claims to be b, with b's
 * genuine proof, relayed live from the channel to b, on which it claims to be a (a forged proof is
 * covered over TCP, link-identity-tcp.test.ts). Over TCP nothing could tell that relay apart; here
 * the DTLS fingerprints in the signed transcript do. It fails, a drops the attacker with an IdentityProofError naming b, and none of
 * a's whispers to b reach the attacker. The same with the bound proof b sends with its handshake
 * (no nonce to relay: PROTOCOL.md §14.14): replayed onto the channel to a, it fails the same way.
 */
import { describe, expect, it } from 'vitest';
import { IdentityProofError, flags, nodeWebRtcTransport, type Link } from '../../packages/web2p/src/node/index.js';
import { makeJoinProof } from '../../packages/web2p/src/signaling/join-proof.js';
import { waitFor } from '../contract/wait.js';
import { startServer } from '../node/signaling-helpers.js';
import { makePeer, TEST_SIGNALING, type Peer } from '../node/webrtc-helpers.js';
import { ATTACK_MS, Attacker, ownName } from './attacker.js';

async function honestPair(url: string): Promise<[Peer, Peer]> {
  const a = makePeer();
  const b = makePeer();
  for (const peer of [a, b]) await peer.socket.connect(url);
  await waitFor(() => a.socket.routingTable.has(b.socket.id) && b.socket.routingTable.has(a.socket.id), ATTACK_MS, 'a and b linked');
  return [a, b];
}

/** A WebRTC transport in the attacker's own (proven) name, with a data channel to each of `ids`. */
async function attackerLinks(url: string, protocolId: string, ids: readonly string[]): Promise<{ links: Map<string, Link>; close(): Promise<void> }> {
  const own = ownName(protocolId);
  const transport = nodeWebRtcTransport({ signaling: TEST_SIGNALING });
  const links = new Map<string, Link>();
  await transport.listen((link) => links.set(link.remoteAddress!.replace(/^webrtc:/, ''), link), {
    id: own.id,
    relaySignal: () => false,
    proveJoin: (nonce) => makeJoinProof(own.identity, nonce, own.id, protocolId),
  });
  await transport.dial(url); // joins the room; the transport offers to its members
  await waitFor(() => ids.every((id) => links.has(id)), ATTACK_MS, 'data channels to the honest nodes');
  return { links, close: () => transport.close() };
}

describe('link hijack over WebRTC (node-datachannel)', () => {
  it('claiming b on a channel to a fails even with b’s own proof, relayed live from a channel to b; nothing meant for b is diverted', async () => {
    const server = await startServer({ joinProof: 'required' });
    const url = `${server.url}/hijack`;
    const [a, b] = await honestPair(url);
    const protocolId = a.socket.protocol.id;
    const original = a.socket.routingTable.get(b.socket.id);
    const attacker = await attackerLinks(url, protocolId, [a.socket.id, b.socket.id]);
    try {
      const toA = new Attacker(attacker.links.get(a.socket.id)!);
      const toB = new Attacker(attacker.links.get(b.socket.id)!);
      expect(toA.link.fingerprints?.local).toMatch(/^sha-256 [0-9A-F:]+$/);

      // The relay: a's nonce goes to b as ours, b's proof (for "a", over a's nonce) comes back to a.
      toA.handshake(b.socket.id, protocolId);
      const aNonce = await toA.peerNonce();
      toB.handshake(a.socket.id, protocolId);
      toB.hello(aNonce);
      const bNonce = await toB.peerNonce();
      const bProof = await toB.peerProof();
      toA.hello(bNonce);
      toA.send(flags.whisper, [...bProof.payload]);
      let sent = 0;
      for (; sent < 50; sent++) a.socket.routingTable.get(b.socket.id)!.send(flags.whisper, flags.whisper, `to b ${sent}`);
      await toA.whenClosed();
      const relayed = a.errors.find((e) => e instanceof IdentityProofError) as IdentityProofError;
      expect(relayed.peer).toBe(b.socket.id);
      expect(relayed.message).toContain('another one');

      await waitFor(() => b.heard.filter((h) => h.text.startsWith('to b ')).length === sent, ATTACK_MS, 'every whisper at b');
      expect(toA.data()).toEqual([]);
      expect(a.socket.routingTable.get(b.socket.id)).toBe(original);
      expect(b.errors.filter((e) => !(e instanceof IdentityProofError))).toEqual([]);
    } finally {
      await attacker.close();
    }
  });

  it('b’s bound proof, taken from the attacker’s own channel to b and replayed on its channel to a as b, is refused', async () => {
    const server = await startServer({ joinProof: 'required' });
    const url = `${server.url}/bound-replay`;
    const [a, b] = await honestPair(url);
    const protocolId = a.socket.protocol.id;
    const original = a.socket.routingTable.get(b.socket.id);
    const attacker = await attackerLinks(url, protocolId, [a.socket.id, b.socket.id]);
    try {
      const toA = new Attacker(attacker.links.get(a.socket.id)!);
      const toB = new Attacker(attacker.links.get(b.socket.id)!);
      // b signs a bound proof on every WebRTC link at once, for the id the signaling named: ours.
      const bBound = await toB.peerBoundProof();
      toA.handshake(b.socket.id, protocolId);
      toA.send(flags.whisper, [...bBound.payload]);
      await toA.whenClosed();
      const replayed = a.errors.find((e) => e instanceof IdentityProofError) as IdentityProofError;
      expect(replayed.peer).toBe(b.socket.id);
      expect(replayed.message).toContain('another one');
      expect(toA.data()).toEqual([]);
      expect(a.socket.routingTable.get(b.socket.id)).toBe(original);
    } finally {
      await attacker.close();
    }
  });
});
