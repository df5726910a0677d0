/** Mesh limits and timings (PROTOCOL.md §4.2). Every one can be overridden through options. */

/** Stop auto-connecting from peer lists at this many outgoing connections (py2p's max_outgoing). */
export const DEFAULT_MAX_OUTGOING = 4;

/** Broadcasts older than this are dropped, and seen ids are remembered this long (the waterfall). */
export const SEEN_WINDOW_SECONDS = 60;

/**
 * py2p accepts any future timestamp; we drop broadcasts dated further ahead than this, because the
 * seen-cache must remember a message until its time plus the window, and an unbounded future date
 * would pin the cache forever. Ten minutes covers any sane clock skew between peers.
 */
export const MAX_CLOCK_AHEAD_SECONDS = 600;

/** py2p drops a connection stuck mid-frame this long; we do the same. */
export const STALLED_FRAME_MS = 60_000;

/** A connection whose handshake has not arrived by then is dropped (py2p waits forever). */
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/**
 * The losing connection of a double dial (§4.8) stays open this long, so that what either end sent
 * on it before seeing the conflict (one round trip on any path we run over) still arrives.
 */
export const CONFLICT_GRACE_MS = 5_000;

/** `connect()` gives up after this long. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** How often a socket checks its connections (stalls, handshakes) and refills its outgoing slots. */
export const MAINTENANCE_INTERVAL_MS = 5_000;

/** A routed reply (§4.10) that found no route by then is abandoned with a TimeoutError. */
export const REPLY_TIMEOUT_MS = 30_000;

/** Peers learned from peer lists that we remember for refilling connections after departures. */
export const PEER_BOOK_SIZE = 128;

/**
 * Addresses remembered as wanting py2p 0.7.878's bin protocol id (peer-dialect.ts), so that a dial
 * there skips the refused str attempt. As many as the peer book holds: those are the addresses a
 * socket dials again.
 */
export const MAX_BIN_DIALECT_ADDRESSES = PEER_BOOK_SIZE;

/** A socket short of outgoing connections with nobody left to dial asks for peers this often. */
export const PEER_REFRESH_MS = 30_000;

/** A peer we failed to reach is not tried again for this long. */
export const REDIAL_BACKOFF_MS = 30_000;

/** Unclaimed messages waiting for recv(); past this the oldest are dropped (and reported). */
export const MAX_QUEUED_MESSAGES = 100_000;

/**
 * Bytes of unclaimed messages waiting for recv(); past this the oldest are dropped (and reported).
 * A count alone does not bound memory: 100,000 messages of 4 KiB are 400 MiB. 64 MiB still holds
 * four messages of the largest frame (16 MiB) and is a small share of what a tab may allocate.
 * Counted in msgpack body bytes: a queued message also holds its decoded packets (bins are copies),
 * so the queue's memory stays under about twice this.
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Put in the compression list of our handshake to say "I push my peer list to you whenever my
 * routing table changes". py2p and js2p only pick compression methods they know from that list,
 * so they ignore it. Between web2p peers it lets a relay skip neighbours the sender reaches itself.
 */
export const NEIGHBOUR_UPDATES_MARKER = 0x5750;

/**
 * Put in the compression list of our handshake, like NEIGHBOUR_UPDATES_MARKER, to say "I prove my
 * node id on this link" (identity-proof.ts). py2p and js2p ignore it; a peer without it cannot prove
 * anything and is refused unless the socket opted into trust: 'legacy'.
 */
export const IDENTITY_PROOF_MARKER = 0x5749;

/**
 * Bytes of the fresh nonce each side of a link sends for the other to sign: 256 bits, so that no
 * two links ever draw the same one and a recorded proof never fits another link.
 */
export const PROOF_NONCE_BYTES = 32;
