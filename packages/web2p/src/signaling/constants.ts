/** Limits of the signaling wire protocol (signaling-server/PROTOCOL.md), shared by the client and the server. */

/** Longest room name: long enough for a UUID or a slug, short enough to log. */
export const MAX_ROOM_LENGTH = 64;

/** Characters a room name may use: URL-safe without percent-encoding. */
export const ROOM_PATTERN = /^[A-Za-z0-9._~-]+$/;

/** Longest node id: base58 of a SHA-384 is 66 characters; the library accepts 128. */
export const MAX_ID_LENGTH = 128;

/** Characters of a node id: the Bitcoin base58 alphabet, as web2p ids use. */
export const ID_PATTERN = /^[1-9A-HJ-NP-Za-km-z]+$/;

/** How much of a peer-supplied string a rejection quotes: enough to recognise, never a flood. */
export const QUOTE_LIMIT = 40;

/** Bytes of the nonce the server challenges each connection with: 256 bits, never drawn twice. */
export const JOIN_NONCE_BYTES = 32;

/**
 * Longest protocol id a join proof may name: a Protocol's id is base58 of a SHA-256 (44 characters)
 * plus at most a chord suffix; 128 leaves room and still bounds what the server hashes.
 */
export const MAX_PROTOCOL_ID_LENGTH = 128;
