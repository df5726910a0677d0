/**
 * The link identity proof's pieces (PROTOCOL.md §14.8): its messages, its transcript, and the two
 * Ed25519 implementations that sign and check it (@noble/curves in browsers, OpenSSL under
 * web2p/node) accepting each other's signatures and refusing the same forgeries.
 */
import { describe, expect, it } from 'vitest';
import { createIdentity, sign, verifySignature } from '../../packages/web2p/src/identity/identity.js';
import { decodeProofMessage, encodeHello, encodeProof, proofTranscript } from '../../packages/web2p/src/mesh/identity-proof.js';
import { nativeEd25519 } from '../../packages/web2p/src/node/native-ed25519.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';
import { FrameError } from '../../packages/web2p/src/errors.js';

const random = new SeededRandom(15);
const noble = { sign, verify: verifySignature };
const context = {
  protocolId: 'p',
  signerId: 'signer',
  verifierId: 'verifier',
  signerNonce: random.bytes(32),
  verifierNonce: random.bytes(32),
  signerFingerprint: 'sha-256 AA:BB',
  verifierFingerprint: 'sha-256 CC:DD',
};

describe('proof crypto: noble and native agree', () => {
  for (const [signerName, signer, verifierName, verifier] of [
    ['noble', noble, 'native', nativeEd25519],
    ['native', nativeEd25519, 'noble', noble],
  ] as const) {
    it(`${verifierName} accepts ${signerName}'s proof and refuses it for any other link`, () => {
      const identity = createIdentity(random);
      const transcript = proofTranscript(context);
      const signature = signer.sign(identity, transcript);
      expect(verifier.verify(identity.publicKey, transcript, signature)).toBe(true);
      for (const change of [{ verifierNonce: random.bytes(32) }, { signerFingerprint: 'sha-256 EE:FF' }, { verifierId: 'someone else' }]) {
        expect(verifier.verify(identity.publicKey, proofTranscript({ ...context, ...change }), signature)).toBe(false);
      }
      expect(verifier.verify(createIdentity(random).publicKey, transcript, signature)).toBe(false);
    });
  }

  it('native refuses malformed keys and signatures without throwing, as noble does', () => {
    const identity = createIdentity(random);
    const transcript = proofTranscript(context);
    const signature = nativeEd25519.sign(identity, transcript);
    for (const [key, sig] of [
      [identity.publicKey.subarray(1), signature],
      [identity.publicKey, signature.subarray(1)],
      [new Uint8Array(32).fill(0xff), signature],
    ] as const) {
      expect(nativeEd25519.verify(key, transcript, sig)).toBe(false);
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
    for (const bad of [['web2p:hello', random.bytes(31)], ['web2p:hello'], ['web2p:proof', key], ['web2p:proof', key, random.bytes(63)], ['web2p:proof', 'k', 's']]) {
      expect(() => decodeProofMessage(bad)).toThrow(FrameError);
    }
  });
});
