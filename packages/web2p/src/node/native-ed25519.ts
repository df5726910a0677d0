/**
 * Ed25519 through Node's own crypto (OpenSSL), synchronous, for a socket's own key under web2p/node
 * (identity/ed25519.ts): its public key, its link identity proofs and its signaling join proofs.
 * About ten times cheaper than the pure-JS @noble/curves (bench:handshake prints both), which
 * matters to a Node peer accepting many connections. Only those use it: each link's verifier decides
 * for that link alone, so OpenSSL and @noble/curves differing on a crafted edge case of an
 * attacker's own key cannot split anything; signed state is verified the same way on every
 * platform (@noble/curves, replica/signatures.ts).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Identity } from '../identity/keys.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/key-sizes.js';
import type { Ed25519 } from '../identity/ed25519.js';

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

/** RFC 8410 PrivateKeyInfo for Ed25519, up to the 32-byte seed that follows it. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export const nativeEd25519 = {
  sync: true,
  publicKey: (secretKey) => {
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
    return new Uint8Array(Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url'));
  },
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
} satisfies Ed25519;
