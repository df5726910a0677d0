/**
 * Ed25519 through WebCrypto (Chromium 137+, Firefox 129+, Safari 17+, Node 20+), asynchronous as
 * WebCrypto is. Where `crypto.subtle` lacks Ed25519, @noble/curves is loaded by import() instead,
 * so app bundlers keep it in a lazy chunk. Hand-written glue (no npm package wraps this): a secret
 * key is imported as PKCS#8 (RFC 8410: a fixed 16-byte prefix, then the 32-byte seed) and its public
 * half read back as a JWK.
 */
import type { Ed25519 } from './ed25519.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './key-sizes.js';
import type { Identity } from './keys.js';

/** RFC 8410 PrivateKeyInfo for Ed25519, up to the 32-byte seed that follows it. */
const PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const ALGORITHM = { name: 'Ed25519' } as const;

/** The fallback, loaded once if WebCrypto turns out to lack Ed25519. */
let fallback: Promise<Ed25519> | undefined;
/** Whether WebCrypto has Ed25519: learned from the first key import. */
let native: Promise<boolean> | undefined;
/** Each identity's signing key, imported once (a socket signs once per link and per room with it). */
const signingKeys = new WeakMap<Identity, Promise<CryptoKey>>();

function subtle(): SubtleCrypto | undefined {
  return globalThis.crypto?.subtle;
}

function importSecret(secretKey: Uint8Array): Promise<CryptoKey> {
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + secretKey.length);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(secretKey, PKCS8_PREFIX.length);
  return subtle()!.importKey('pkcs8', pkcs8, ALGORITHM, true, ['sign']);
}

/** Whether this platform's WebCrypto does Ed25519 (tried once, with a throwaway key). */
function hasNative(): Promise<boolean> {
  native ??= subtle()
    ? importSecret(new Uint8Array(32)).then(
        () => true,
        () => false,
      )
    : Promise.resolve(false);
  return native;
}

function noble(): Promise<Ed25519> {
  fallback ??= import('./noble-ed25519.js').then((module) => module.nobleEd25519);
  return fallback;
}

/** WebCrypto's types want ArrayBuffer-backed views; ours are (never SharedArrayBuffer), typed wider. */
const bytes = (view: Uint8Array): Uint8Array<ArrayBuffer> => view as Uint8Array<ArrayBuffer>;

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function signingKey(identity: Identity): Promise<CryptoKey> {
  let key = signingKeys.get(identity);
  if (!key) signingKeys.set(identity, (key = importSecret(identity.secretKey)));
  return key;
}

export const webCryptoEd25519: Ed25519 = {
  sync: false,
  async publicKey(secretKey) {
    if (!(await hasNative())) return (await noble()).publicKey(secretKey);
    const jwk = await subtle()!.exportKey('jwk', await importSecret(secretKey));
    return fromBase64url(jwk.x!);
  },
  async sign(identity, message) {
    if (!(await hasNative())) return (await noble()).sign(identity, message);
    return new Uint8Array(await subtle()!.sign(ALGORITHM, await signingKey(identity), bytes(message)));
  },
  async verify(publicKey, message, signature) {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    if (!(await hasNative())) return (await noble()).verify(publicKey, message, signature);
    try {
      const key = await subtle()!.importKey('raw', bytes(publicKey), ALGORITHM, false, ['verify']);
      return await subtle()!.verify(ALGORITHM, key, bytes(signature), bytes(message));
    } catch {
      return false; // not a point on the curve: not a valid key, so no valid signature
    }
  },
};
