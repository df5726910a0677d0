/**
 * The proof a client joins a signaling room with (signaling-server/PROTOCOL.md, "Join proof"; issue
 * 15): the server sends each connection a fresh nonce (`challenge`), and the client signs it with
 * the key its node id was derived from, as a link's identity proof does (PROTOCOL.md §14.14). So
 * nobody can join under a member's id (not even the moment its connection drops), signals addressed
 * to an id reach its owner only, and a proof made for one connection is worth nothing on another.
 *
 * Bytes travel as lowercase hex in the JSON frames.
 */
import { ed25519, whenReady, type MaybePromise } from '../identity/ed25519.js';
import { verifySignature } from '../identity/identity.js';
import { ownsNodeId, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type Identity } from '../identity/keys.js';
import { fromHex, toHex, utf8 } from '../wire/packet.js';
import { JOIN_NONCE_BYTES, MAX_PROTOCOL_ID_LENGTH } from './constants.js';

/** Signed first, so that a join proof is never mistaken for a signature made for another purpose. */
const JOIN_PROOF_DOMAIN = 'web2p signaling join v1';

/** What a `join` carries besides the id: the public key, the protocol the id was derived on, the signature. */
export interface JoinProof {
  /** Hex of the 32-byte Ed25519 public key. */
  key: string;
  /** The protocol id the node id was derived with (identity/identity.ts nodeIdOf). */
  protocol: string;
  /** Hex of the 64-byte signature of the transcript. */
  signature: string;
}

function transcript(nonce: string, id: string, protocol: string): Uint8Array {
  return utf8(`${JOIN_PROOF_DOMAIN}\n${nonce}\n${id}\n${protocol}`);
}

/** A fresh challenge nonce, as hex, from `bytes` random bytes. */
export function encodeNonce(bytes: Uint8Array): string {
  return toHex(bytes);
}

/**
 * The proof that `identity` owns `id` (derived on `protocol`), for the connection that was sent
 * `nonce`; signed with the platform's Ed25519 (identity/ed25519.ts: a promise with WebCrypto).
 */
export function makeJoinProof(identity: Identity, nonce: string, id: string, protocol: string): MaybePromise<JoinProof> {
  return whenReady(ed25519().sign(identity, transcript(nonce, id, protocol)), (signature) => ({ key: toHex(identity.publicKey), protocol, signature: toHex(signature) }));
}

/**
 * Why `proof` does not show that its sender owns `id` on the connection sent `nonce`, or undefined
 * when it does. `verify` defaults to @noble/curves; the signaling server passes OpenSSL's
 * (web2p/node/ed25519), some 60 times cheaper (0.14 ms against 9 ms warm, 42 ms for the first): the
 * check decides for this one connection alone, so the two differing on a crafted edge case of an
 * attacker's own key splits nothing (node/native-ed25519.ts).
 */
export function joinProofProblem(proof: JoinProof, nonce: string, id: string, verify: typeof verifySignature = verifySignature): string | undefined {
  const key = hexBytes(proof.key, PUBLIC_KEY_BYTES);
  const signature = hexBytes(proof.signature, SIGNATURE_BYTES);
  if (!key || !signature) return `the proof's key must be ${PUBLIC_KEY_BYTES} and its signature ${SIGNATURE_BYTES} bytes of hex`;
  if (!ownsNodeId(key, id, proof.protocol)) return `id ${id} is not derived from the proof's key on protocol ${proof.protocol}`;
  if (!verify(key, transcript(nonce, id, proof.protocol), signature)) {
    return "the signature does not cover this connection's challenge (forged, or made for another connection)";
  }
  return undefined;
}

/** Whether `value` has the shape of a JoinProof (sizes are checked by joinProofProblem). */
export function isJoinProof(value: unknown): value is JoinProof {
  if (typeof value !== 'object' || value === null) return false;
  const { key, protocol, signature } = value as Record<string, unknown>;
  return (
    typeof key === 'string' &&
    typeof signature === 'string' &&
    typeof protocol === 'string' &&
    key.length === 2 * PUBLIC_KEY_BYTES &&
    signature.length === 2 * SIGNATURE_BYTES &&
    protocol.length <= MAX_PROTOCOL_ID_LENGTH
  );
}

/** Whether `value` is a challenge nonce of the right size. */
export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && value.length === 2 * JOIN_NONCE_BYTES && hexBytes(value, JOIN_NONCE_BYTES) !== undefined;
}

function hexBytes(text: string, length: number): Uint8Array | undefined {
  const bytes = fromHex(text);
  return bytes?.length === length ? bytes : undefined;
}
