/**
 * Ed25519 by @noble/curves, synchronous and the same on every platform: the one verifier of signed
 * SYNC/CHORD records (see node/native-ed25519.ts), the simulator's, and the fallback where WebCrypto
 * lacks Ed25519 (loaded by import() there: webcrypto-ed25519.ts).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Ed25519 } from './ed25519.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './key-sizes.js';

export const nobleEd25519 = {
  sync: true,
  publicKey: (secretKey: Uint8Array): Uint8Array => ed25519.getPublicKey(secretKey),
  sign: (identity, message): Uint8Array => ed25519.sign(message, identity.secretKey),
  /**
   * RFC 8032 strict verification, zip215 off, so a signature has exactly one accepted encoding.
   * Never throws: malformed keys and signatures from a peer are just not valid.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
} satisfies Ed25519;
