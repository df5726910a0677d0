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
import { decodeProofMessage, encodeHello, encodeProof, proofTranscript } from '../../packages/web2p/src/mesh/identity-proof.js';
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
    for (const bad of [['web2p:hello', random.bytes(31)], ['web2p:hello'], ['web2p:proof', key], ['web2p:proof', key, random.bytes(63)], ['web2p:proof', 'k', 's']]) {
      expect(() => decodeProofMessage(bad)).toThrow(FrameError);
    }
  });
});
