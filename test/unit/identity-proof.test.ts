/**
 * The link identity proof's pieces (PROTOCOL.md §14.8): its messages, its transcript, and the three
 * Ed25519 implementations that make keys and sign and check proofs (WebCrypto in browsers, here
 * Node's; @noble/curves in the simulator, with SyncSocket/ChordSocket and where WebCrypto lacks
 * Ed25519; OpenSSL under web2p/node) deriving the same keys, accepting each other's signatures and
 * refusing the same forgeries.
 */
import { describe, expect, it } from 'vitest';
import { createIdentity, verifySignature } from '../../packages/web2p/src/identity/identity.js';
import { nobleEd25519 as noble } from '../../packages/web2p/src/identity/noble-ed25519.js';
import { webCryptoEd25519 as webCrypto } from '../../packages/web2p/src/identity/webcrypto-ed25519.js';
import { decodeProofMessage, encodeHello, encodeProof, LinkProofs, proofTranscript } from '../../packages/web2p/src/mesh/identity-proof.js';
import { nodeIdOf } from '../../packages/web2p/src/identity/identity.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import { nativeEd25519 } from '../../packages/web2p/src/node/native-ed25519.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';
import { FrameError } from '../../packages/web2p/src/errors.js';

const random = new SeededRandom(15);
const context = {
  protocolId: 'p',
  signerId: 'signer',
  verifierId: 'verifier',
  signerNonce: random.bytes(32),
  verifierNonce: random.bytes(32),
  signerFingerprint: 'sha-256 AA:BB',
  verifierFingerprint: 'sha-256 CC:DD',
};

describe('proof crypto: noble, native and WebCrypto agree', () => {
  const suites = { noble, native: nativeEd25519, webCrypto } as const;
  for (const [signerName, signer] of Object.entries(suites)) {
    for (const [verifierName, verifier] of Object.entries(suites)) {
      if (signer === verifier) continue;
      it(`${verifierName} accepts ${signerName}'s proof and refuses it for any other link`, async () => {
        const identity = createIdentity(random);
        const transcript = proofTranscript(context);
        const signature = await signer.sign(identity, transcript);
        expect(await verifier.verify(identity.publicKey, transcript, signature)).toBe(true);
        for (const change of [{ verifierNonce: random.bytes(32) }, { signerFingerprint: 'sha-256 EE:FF' }, { verifierId: 'someone else' }]) {
          expect(await verifier.verify(identity.publicKey, proofTranscript({ ...context, ...change }), signature)).toBe(false);
        }
        expect(await verifier.verify(createIdentity(random).publicKey, transcript, signature)).toBe(false);
      });
    }
  }

  it('all three derive the same public key from a secret key (so a node has one id everywhere)', async () => {
    expect(noble.sync && nativeEd25519.sync && !webCrypto.sync).toBe(true);
    for (let i = 0; i < 20; i++) {
      const secret = random.bytes(32);
      const key = noble.publicKey(secret);
      expect(nativeEd25519.publicKey(secret)).toEqual(key);
      expect(await webCrypto.publicKey(secret)).toEqual(key);
    }
  });

  it('native and WebCrypto refuse malformed keys and signatures without throwing, as noble does', async () => {
    const identity = createIdentity(random);
    const transcript = proofTranscript(context);
    const signature = await nativeEd25519.sign(identity, transcript);
    for (const [key, sig] of [
      [identity.publicKey.subarray(1), signature],
      [identity.publicKey, signature.subarray(1)],
      [new Uint8Array(32).fill(0xff), signature],
    ] as const) {
      expect(nativeEd25519.verify(key, transcript, sig)).toBe(false);
      expect(await webCrypto.verify(key, transcript, sig)).toBe(false);
      expect(verifySignature(key, transcript, sig)).toBe(false);
    }
  });
});

describe('proof messages', () => {
  it('round-trip, and anything else with their sub-flags is a FrameError', () => {
    const nonce = random.bytes(32);
    expect(decodeProofMessage(encodeHello(nonce))).toEqual({ kind: 'hello', nonce });
    const [key, signature] = [random.bytes(32), random.bytes(64)];
    expect(decodeProofMessage(encodeProof(key, signature))).toEqual({ kind: 'proof', publicKey: key, signature });
    expect(decodeProofMessage(encodeProof(key, signature, true))).toEqual({ kind: 'bound', publicKey: key, signature });
    for (const bad of [['web2p:hello', random.bytes(31)], ['web2p:hello'], ['web2p:proof', key], ['web2p:proof', key, random.bytes(63)], ['web2p:proof', 'k', 's']]) {
      expect(() => decodeProofMessage(bad)).toThrow(FrameError);
    }
  });
});

describe('the bound proof (§14.14: sent with the handshake over WebRTC, no nonces)', () => {
  it('signs what a nonce proof signs but the nonces, under its own domain: neither passes for the other', () => {
    const identity = createIdentity(random);
    const bound = proofTranscript({ ...context, bound: true });
    const signature = noble.sign(identity, bound);
    expect(noble.verify(identity.publicKey, proofTranscript({ ...context, bound: true, signerNonce: random.bytes(32) }), signature)).toBe(true);
    expect(noble.verify(identity.publicKey, proofTranscript(context), signature)).toBe(false);
    for (const change of [{ signerFingerprint: 'sha-256 EE:FF' }, { verifierFingerprint: 'sha-256 EE:FF' }, { verifierId: 'someone else' }, { protocolId: 'q' }]) {
      expect(noble.verify(identity.publicKey, proofTranscript({ ...context, ...change, bound: true }), signature)).toBe(false);
    }
  });

  /** The LinkProofs of a node on one link, and what it sent there. */
  function side(link: Partial<Link>) {
    const identity = createIdentity(random);
    const sent: unknown[][] = [];
    const host = { identity, id: nodeIdOf(identity.publicKey, 'p'), protocolId: 'p', random, send: (_: Link, payload: unknown[]) => sent.push(payload) };
    return { host, sent, proofs: new LinkProofs(host as never), link: link as Link };
  }
  const claim = (host: { id: string }, compression: number[] = [0x5749, 0x574a]) => ({ id: host.id, protocolId: 'p', addr: ['webrtc', 0] as [string, number], compression });

  it('goes out only on a link with both fingerprints and a peer id, and is refused on a link without fingerprints', () => {
    const plain = side({ peerId: 'x' });
    plain.proofs.sendBoundProof(plain.link);
    expect(plain.sent).toEqual([]);
    const fingerprints = { local: 'sha-256 AA', remote: 'sha-256 BB' };
    const signer = side({ peerId: plain.host.id, fingerprints });
    signer.proofs.sendBoundProof(signer.link);
    expect(signer.sent.map((p) => p[0])).toEqual(['web2p:bound-proof']);
    plain.proofs.claim(plain.link, claim(signer.host));
    expect(() => plain.proofs.receive(plain.link, signer.sent[0] as never)).toThrow(FrameError);
  });

  it('proves the claim on the link it was made for; the verifier then sends no nonce proof of its own, and ignores a late hello', () => {
    const a = side({ fingerprints: { local: 'sha-256 AA', remote: 'sha-256 BB' } });
    const b = side({ peerId: a.host.id, fingerprints: { local: 'sha-256 BB', remote: 'sha-256 AA' } });
    Object.assign(a.link, { peerId: b.host.id });
    for (const s of [a, b]) s.proofs.sendBoundProof(s.link);
    a.proofs.sendHello(a.link);
    a.proofs.claim(a.link, claim(b.host));
    expect(a.proofs.receive(a.link, b.sent[0] as never)).toEqual({ kind: 'proven', claim: claim(b.host) });
    expect(a.proofs.pending(a.link)).toBe(false);
    expect(a.proofs.receive(a.link, encodeHello(random.bytes(32)))).toEqual({ kind: 'waiting' });
    expect(a.sent.map((p) => p[0])).toEqual(['web2p:bound-proof', 'web2p:hello']);
    // the same proof on a link with other fingerprints (a relay of its own) fails
    const c = side({ peerId: b.host.id, fingerprints: { local: 'sha-256 CC', remote: 'sha-256 AA' } });
    c.proofs.claim(c.link, claim(b.host));
    expect(c.proofs.receive(c.link, b.sent[0] as never)).toMatchObject({ kind: 'failed', peer: b.host.id });
  });

  it('a peer whose bound proof comes before any proof of ours went out is proven only by the hello that lets ours go', () => {
    // a sent no bound proof (its link named no peer when adopted); b's bound proof overtakes b's hello.
    const fingerprints = { local: 'sha-256 AA', remote: 'sha-256 BB' };
    const a = side({ fingerprints });
    const b = side({ peerId: a.host.id, fingerprints: { local: 'sha-256 BB', remote: 'sha-256 AA' } });
    a.proofs.sendBoundProof(a.link);
    a.proofs.sendHello(a.link);
    b.proofs.sendBoundProof(b.link);
    a.proofs.claim(a.link, claim(b.host));
    expect(a.proofs.receive(a.link, b.sent[0] as never)).toEqual({ kind: 'waiting' });
    expect(a.proofs.pending(a.link)).toBe(true);
    expect(a.sent.map((p) => p[0])).toEqual(['web2p:hello']);
    expect(a.proofs.receive(a.link, encodeHello(random.bytes(32)))).toEqual({ kind: 'proven', claim: claim(b.host) });
    expect(a.sent.map((p) => p[0])).toEqual(['web2p:hello', 'web2p:proof']);
    expect(a.proofs.pending(a.link)).toBe(false);
    // a copy of the proof it checked (sent again when the first may have been lost) changes nothing;
    // any other proof is one too many
    expect(a.proofs.receive(a.link, b.sent[0] as never)).toEqual({ kind: 'waiting' });
    const [subFlag, key, signature] = b.sent[0] as [string, Uint8Array, Uint8Array];
    const other = signature.slice();
    other[0]! ^= 1;
    expect(() => a.proofs.receive(a.link, [subFlag, key, other] as never)).toThrow(FrameError);
  });

  it('a peer without BOUND_PROOF_MARKER (an earlier web2p) still gets the nonce proof', () => {
    const a = side({ peerId: 'x', fingerprints: { local: 'sha-256 AA', remote: 'sha-256 BB' } });
    const old = side({});
    Object.assign(a.link, { peerId: old.host.id });
    a.proofs.sendBoundProof(a.link);
    a.proofs.sendHello(a.link);
    a.proofs.claim(a.link, claim(old.host, [0x5749]));
    a.proofs.receive(a.link, encodeHello(random.bytes(32)));
    expect(a.sent.map((p) => p[0])).toEqual(['web2p:bound-proof', 'web2p:hello', 'web2p:proof']);
  });
});
