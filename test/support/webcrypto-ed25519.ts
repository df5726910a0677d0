/**
 * Makes the calling test file's MeshSockets use WebCrypto's Ed25519, as in browsers (an asynchronous
 * key pair, proofs signed and checked by promises), in place of web2p/node's OpenSSL; the platform's
 * is put back after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { ed25519, useEd25519, type Ed25519 } from '../../packages/web2p/src/identity/ed25519.js';
import { webCryptoEd25519 } from '../../packages/web2p/src/identity/webcrypto-ed25519.js';

export function useWebCryptoEd25519(): void {
  let before: Ed25519;
  beforeAll(() => {
    before = ed25519();
    useEd25519(webCryptoEd25519);
  });
  afterAll(() => useEd25519(before));
}
