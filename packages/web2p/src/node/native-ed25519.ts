/**
 * Ed25519 through Node's own crypto (OpenSSL) for link identity proofs: about ten times cheaper
 * than the pure-JS signing browsers use (bench:handshake prints both), which matters to a Node
 * peer accepting many connections. Only link proofs use it: each link's verifier decides for that
 * link alone, so OpenSSL and @noble/curves differing on a crafted edge case of an attacker's own
 * key cannot split anything; signed state is verified the same way on every platform.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Identity } from '../identity/identity.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/identity.js';
import type { ProofCrypto } from '../mesh/identity-proof.js';

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** Each identity's private KeyObject, made once (a socket signs once per link with the same key). */
const privateKeys = new WeakMap<Identity, KeyObject>();

function privateKeyOf(identity: Identity): KeyObject {
  let key = privateKeys.get(identity);
  if (!key) {
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64url(identity.secretKey), x: base64url(identity.publicKey) }, format: 'jwk' });
    privateKeys.set(identity, key);
  }
  return key;
}

export const nativeEd25519: ProofCrypto = {
  sign: (identity, message) => new Uint8Array(sign(null, message, privateKeyOf(identity))),
  verify: (publicKey, message, signature) => {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey) }, format: 'jwk' });
      return verify(null, message, key, signature);
    } catch {
      return false; // not a point on the curve: not a valid key, so no valid signature
    }
  },
};
