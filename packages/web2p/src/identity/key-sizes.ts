/**
 * Ed25519 key and signature sizes (RFC 8032), in a module of their own: the Ed25519 suites
 * (noble-ed25519.ts, webcrypto-ed25519.ts, node/native-ed25519.ts) need only these, and importing
 * them from keys.ts would pull node ids and their hashing into the lazy @noble/curves chunk too.
 */
export const SECRET_KEY_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
