/**
 * Every error the library raises on purpose. Each message says what went wrong and, where there is
 * something to do about it, what to do.
 */
import type { QuotaLimit } from './replica/quota.js';

export class Web2pError extends Error {
  // Spelled out in every class: bundlers minify class names, and `error.name` must survive that.
  override name = 'Web2pError';
}

/** Bytes that are not a valid py2p frame (PROTOCOL.md §1). The connection that sent them is dropped. */
export class FrameError extends Web2pError {
  override name = 'FrameError';
}

/** A frame (or what its body inflates to) is larger than the configured maximum. */
export class FrameTooLargeError extends FrameError {
  override name = 'FrameTooLargeError';
}

/**
 * A message to send would make a frame larger than the maximum a peer accepts, so it was not sent
 * (a peer would drop the connection on it and the data would be lost).
 */
export class MessageTooLargeError extends Web2pError {
  override name = 'MessageTooLargeError';

  constructor(
    /** The frame body the message would need: its 32-byte id plus its msgpack packets. */
    readonly bytes: number,
    /** The largest frame body a peer accepts (maxFrameBytes). */
    readonly limit: number,
  ) {
    super(
      `message of ${bytes} bytes (id and packets) exceeds the ${limit}-byte frame limit; nothing was sent. ` +
        'Send large data in pieces (a stream of smaller messages) instead',
    );
  }
}

/**
 * Messages waited in the recv() queue past its bound and the oldest were dropped. Emitted as an
 * 'error' event once per overflow (until a reader empties the queue).
 */
export class RecvQueueOverflowError extends Web2pError {
  override name = 'RecvQueueOverflowError';

  constructor(messages: number, bytes: number) {
    super(
      `the recv() queue went past ${messages} messages or ${bytes} bytes, so the oldest unread messages are being dropped; ` +
        "read them with recv(), nextMessage() or for await, or listen with on('message') (nothing is queued then)",
    );
  }
}

/** A peer speaks another subnet, encryption or protocol version (PROTOCOL.md §2.2). */
export class ProtocolMismatchError extends Web2pError {
  override name = 'ProtocolMismatchError';

  constructor(
    readonly localId: string,
    readonly remoteId: string,
  ) {
    super(
      `protocol mismatch: we speak ${localId}, the peer speaks ${remoteId}; ` +
        'both sides must use the same Protocol(subnet, encryption) (and, for chord, the same k)',
    );
  }
}

/** A network wait passed its deadline. */
export class TimeoutError extends Web2pError {
  override name = 'TimeoutError';
}

/** A link ended before the operation that needed it finished. */
export class ConnectionClosedError extends Web2pError {
  override name = 'ConnectionClosedError';
}

/**
 * A peer hung up during the handshake, before it accepted us. Upstream peers reject a protocol id
 * they do not accept by closing without a word (PROTOCOL.md §2.2), so the message names the likely
 * cause; `afterItsHandshake` says whether its own handshake had arrived.
 */
export class HandshakeRefusedError extends ConnectionClosedError {
  override name = 'HandshakeRefusedError';

  constructor(
    readonly peer: string,
    readonly afterItsHandshake: boolean,
    /** What the transport reported, when the link failed rather than closed. */
    cause?: Error,
  ) {
    super(
      `${peer}: the peer closed the connection right after our handshake${afterItsHandshake ? ' (its own had arrived)' : ''}; ` +
        'it may not accept our protocol id: check that both sides use the same Protocol(subnet, encryption), ' +
        `and that the peer is py2p/js2p 0.7 or web2p${cause ? ` (${cause.message})` : ''}`,
      { cause },
    );
  }
}

/** The socket was closed; nothing more can be done with it. */
export class SocketClosedError extends Web2pError {
  override name = 'SocketClosedError';

  constructor() {
    super('the socket is closed; create a new one to reconnect');
  }
}

/** A key is absent (py2p raises KeyError). */
export class KeyError extends Web2pError {
  override name = 'KeyError';
}

/**
 * Another node holds the lease on a key (PROTOCOL.md §6.3). py2p raises KeyError here, so it is one
 * (`instanceof KeyError`), under its own name.
 */
export class LeaseError extends KeyError {
  override name = 'LeaseError';

  constructor(
    readonly key: string,
    readonly owner: string,
    readonly expiresAt: number,
  ) {
    super(
      `key ${JSON.stringify(key)} is leased to ${owner} until ${new Date(expiresAt * 1000).toISOString()}; ` +
        'only the owner can change or delete it before then',
    );
  }
}

/** Persistent storage refused a write (quota exceeded, storage unavailable). */
export class StoreError extends Web2pError {
  override name = 'StoreError';
}

/**
 * A WebRTC connection failed in ICE or DTLS before its data channel opened. Such attempts do fail
 * now and then (a lost packet, a stale candidate; libdatachannel sometimes fails the DTLS certificate
 * check of a fresh connection), and a new attempt usually succeeds.
 */
export class WebRtcHandshakeError extends ConnectionClosedError {
  override name = 'WebRtcHandshakeError';
}

/**
 * Why a WebRTC peer could not be reached: ICE found no working path (`ice-failed`), ICE found one but
 * the encrypted handshake on it failed (`dtls-failed`), the TURN server refused our credentials
 * (`turn-auth-failed`), the peer did not answer in time (`timeout`), or one side had no candidate to
 * offer (`no-candidates`).
 */
export type UnreachableReason = 'ice-failed' | 'dtls-failed' | 'turn-auth-failed' | 'timeout' | 'no-candidates';

/** What to do about each reason, as the error message says it. */
const UNREACHABLE_ADVICE: Record<UnreachableReason, string> = {
  'ice-failed': 'no network path between the two peers worked: they are likely behind NATs that need a relay; configure TURN (web2p-signal --turn)',
  'dtls-failed':
    'a network path worked but the DTLS handshake on it failed, again and again: with node-datachannel this is a race in libdatachannel on a busy CPU (the answer lands while the handshake is checked); otherwise a peer that is not what its signals said',
  'turn-auth-failed': 'the TURN server refused our credentials (401): check that web2p-signal --turn-secret matches its static-auth-secret',
  timeout: 'the peer did not complete the handshake in time: it may be gone or frozen, or signals do not reach it; behind NAT, configure STUN/TURN',
  'no-candidates': 'one side gathered or received no ICE candidate: check its network, and configure STUN/TURN (web2p-signal --stun/--turn)',
};

/**
 * Every attempt to reach a WebRTC peer failed; the transport retries it later, with backoff. The
 * message says why and what to do.
 */
export class PeerUnreachableError extends ConnectionClosedError {
  override name = 'PeerUnreachableError';

  constructor(
    readonly peerId: string,
    readonly reason: UnreachableReason,
    /** When the transport tries again by itself (a room member), or a dial is let through; ms from now. */
    readonly retryInMs: number,
  ) {
    super(`cannot reach ${peerId} over WebRTC (${reason}): ${UNREACHABLE_ADVICE[reason]}; retrying in ${Math.round(retryInMs / 1000)} s`);
  }
}

/** The signaling server could not be reached or refused us (a bad room name, an id already taken). */
export class SignalingError extends Web2pError {
  override name = 'SignalingError';
}

/**
 * A feature needs an optional npm package that is not installed (`node-datachannel` for WebRTC in
 * Node). `packageName` names it; installing it fixes this.
 */
export class MissingPackageError extends Web2pError {
  override name = 'MissingPackageError';
  constructor(
    readonly packageName: string,
    feature: string,
    options?: ErrorOptions,
  ) {
    super(`${feature} needs the npm package ${packageName}, which is not installed: npm install ${packageName}`, options);
  }
}

/** The caller's AbortSignal fired before the operation finished; `reason` is what it was aborted with. */
export class AbortError extends Web2pError {
  override name = 'AbortError';

  constructor(readonly reason?: unknown) {
    super(`aborted by the caller${reason instanceof Error ? `: ${reason.message}` : ''}`);
  }
}

// ------------------------------------------------------------------ members and requests (issue 18)

/** `setMeta()` got metadata whose msgpack encoding is over the limit (MAX_META_BYTES). */
export class MetaTooLargeError extends Web2pError {
  override name = 'MetaTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`member metadata is ${size} bytes encoded, over the ${limit}-byte limit: keep it to names and short fields, and send larger data with send() or request()`);
  }
}

/**
 * `SimplePeerTransport.addPeer()` was given something it cannot carry the mesh over: not a
 * simple-peer 9.x instance (no `_pc`/`_channel`), or one whose data channel is unordered or
 * unreliable. The message says which.
 */
export class UnsupportedPeerError extends Web2pError {
  override name = 'UnsupportedPeerError';
}

// ---------------------------------------------------------------- streams (sendStream, issue 18)

/** A stream failed; `code` says why (the subclasses below, or 'protocol' for a peer breaking the rules). */
export class StreamError extends Web2pError {
  override name = 'StreamError';

  constructor(
    message: string,
    readonly code: string = 'protocol',
  ) {
    super(message);
  }
}

/** No route to the stream's target was found in time: it is not in the mesh, or nobody could relay. */
export class StreamUnreachableError extends StreamError {
  override name = 'StreamUnreachableError';

  constructor(readonly target: string) {
    super(`no route to ${target} for a stream: it is not in the mesh (or no relay had room); check sock.routingTable and retry`, 'unreachable');
  }
}

/** The peer at the other end (or a relay on the way) left the mesh before the stream finished. */
export class StreamPeerLeftError extends StreamError {
  override name = 'StreamPeerLeftError';

  constructor(readonly peer: string) {
    super(`the stream was cut: ${peer} (or a relay towards it) left the mesh; send it again once it is back`, 'peer-left');
  }
}

/** The receiver cancelled its readable (or the socket's reader stopped): the sender's promise rejects with this. */
export class StreamCancelledError extends StreamError {
  override name = 'StreamCancelledError';

  constructor(readonly reason?: string) {
    super(`the receiver cancelled the stream${reason ? `: ${reason}` : ''}`, 'cancel');
  }
}

/** The receiver refused the stream: no 'stream' listener, or too many streams open from us or overall. */
export class StreamRefusedError extends StreamError {
  override name = 'StreamRefusedError';

  constructor(readonly reason: string) {
    super(`the receiver refused the stream: ${reason}`, 'refused');
  }
}

/** A stream id was already in use where the stream was opened (ids are 128 random bits: a buggy or hostile peer). */
export class StreamIdCollisionError extends StreamError {
  override name = 'StreamIdCollisionError';

  constructor(readonly streamId: string) {
    super(`stream id ${streamId} is already in use on the path; send again (a new id is drawn)`, 'collision');
  }
}

/**
 * A broadcast was refused because the socket already holds `limit` bytes of broadcasts waiting for
 * the next second (a payload repeated within one second must wait so that its id differs; PROTOCOL.md
 * §11). Wait for `socket.whenWritable()` or 'drain', or make repeated payloads differ (a counter).
 */
export class BroadcastBacklogFullError extends Web2pError {
  override name = 'BroadcastBacklogFullError';

  constructor(
    readonly heldBytes: number,
    readonly limit: number,
  ) {
    super(`${heldBytes} bytes of broadcasts already wait for the next second (limit ${limit}): wait for whenWritable() or 'drain' before sending more`);
  }
}

// ---------------------------------------------------------------- signed state and storage quotas (issues 15, 16)

/** Why a peer's record was refused (RecordRefusedError.reason). */
export type RecordRefusal =
  /** No owner's signature, from a peer while `trust` is 'strict'. */
  | 'unsigned'
  /** The signature does not verify, or its public key does not own the claimed owner id. */
  | 'bad-signature'
  /** Dated further ahead of our clock than the allowed window. */
  | 'future'
  /** Another node holds an unexpired lease on the key. */
  | 'lease'
  /** Its owner signed another value for the key in the same second, which a web2p owner never does. */
  | 'two-values'
  /** A chord record's version is further above the writer's clock and the previous version than allowed. */
  | 'version';

/**
 * A peer sent a record we refuse: forged, unsigned, dated in the future, or against another node's
 * lease. The record is not merged; when the peer is to blame (it wrote or forged the record) its
 * link is dropped. `peerId` is the neighbour it came from, `owner` the writer it claims.
 */
export class RecordRefusedError extends Web2pError {
  override name = 'RecordRefusedError';

  constructor(
    readonly peerId: string | undefined,
    readonly owner: string,
    readonly reason: RecordRefusal,
    detail: string,
  ) {
    super(`refused a record from peer ${peerId ?? '(unknown)'} written as ${owner}: ${detail}`);
  }
}

/**
 * A writer went over its storage quota (keys or bytes it may keep on every replica), or a replica
 * over its bound on all writers' records together (`what` 'stored-keys' / 'stored-bytes'). Thrown
 * by `set`/`applyDelta` before anything is sent (delete keys or raise the quota options); emitted as
 * an 'error' naming the peer when a peer's records would pass either on this replica (the records
 * are refused; the peer is dropped when it wrote them past its own quota).
 */
export class QuotaExceededError extends Web2pError {
  override name = 'QuotaExceededError';

  constructor(
    readonly owner: string,
    readonly what: QuotaLimit,
    readonly limit: number,
    readonly peerId?: string,
  ) {
    super(
      (what === 'keys' || what === 'bytes'
        ? `${owner} would hold more than ${limit} ${what} on this replica`
        : `${owner}'s record would take this replica past ${limit} ${what === 'stored-keys' ? 'keys' : 'bytes'} of all writers together`) +
        (peerId === undefined ? '; delete keys first or raise the quota option' : ` (records from peer ${peerId}); they were refused`),
    );
  }
}

// ---------------------------------------------------------------- identities (issue 15)

/**
 * A peer did not prove the node id it claims (a forged or replayed proof, a key that is not the
 * id's, or a dialled peer answering as another id): the connection is dropped. `peer` is the id
 * it claimed (or the one we dialled). Nothing to change on our side: the peer is an impostor, or
 * a node that changed its id since we learned of it.
 */
export class IdentityProofError extends Web2pError {
  override name = 'IdentityProofError';

  constructor(
    readonly peer: string,
    readonly reason: string,
  ) {
    super(`${peer} did not prove its node id: ${reason}; the connection was dropped`);
  }
}

/**
 * A peer that cannot prove its id at all (py2p, js2p, or a web2p older than identities) was refused,
 * as the default `trust: 'strict'` does. To let such peers in unproven, at the cost of the
 * guarantees listed in the README, create the socket with `trust: 'legacy'`.
 */
export class UnsignedPeerError extends IdentityProofError {
  override name = 'UnsignedPeerError';

  constructor(peer: string) {
    super(peer, "it does not sign (py2p/js2p); to let unsigned peers in, create the socket with trust: 'legacy'");
  }
}

// ---------------------------------------------------------------- node limits (issue 16)

/**
 * A frame whose decoded packets would cost more memory than its size allows (wire/constants.ts,
 * DECODE_COST_PER_BYTE and MAX_DECODE_COST): millions of empty maps in a few MiB. It is refused
 * while decoding, not relayed, and the peer that sent it is dropped.
 */
export class DecodeCostError extends FrameError {
  override name = 'DecodeCostError';
}

/**
 * A compressed body that inflates more than MAX_INFLATE_RATIO times its size (a compression bomb).
 * Refused while inflating, not relayed, and the peer that sent it is dropped.
 */
export class InflateRatioError extends FrameError {
  override name = 'InflateRatioError';
}

/** Which of a node's limits a peer ran into (see PeerLimitError). */
export type PeerLimit =
  | 'rate'
  | 'send-queue'
  | 'send-queue-total'
  | 'incoming-connections'
  | 'half-open'
  | 'partial-frames'
  | 'slow-frame';

/**
 * A peer ran into one of this node's limits and was dropped: it sent more than its budget
 * (`rate`), did not read what we sent (`send-queue`), held the most of what all peers left unread when
 * that passed its cap (`send-queue-total`), came in over the caps on connections
 * (`incoming-connections`, `half-open`) or parked partial frames (`partial-frames`, `slow-frame`).
 * The limits are named constants in mesh/constants.ts; each can be changed through MeshSocket `limits`.
 */
export class PeerLimitError extends ConnectionClosedError {
  override name = 'PeerLimitError';

  constructor(
    readonly limit: PeerLimit,
    /** The peer's id, or its address before its handshake arrived. */
    readonly peer: string,
    detail: string,
  ) {
    super(`dropped ${peer}: ${detail} (limit '${limit}'; raise it through the socket's options if the peer is honest)`);
  }
}

/**
 * A peer's clock and ours are far apart, as the time in its handshake says (mesh/clock-skew.ts).
 * Nothing is refused for it: the error tells the app, before messages go missing, that past 60 s
 * apart the waterfall drops broadcasts dated in the receiver's past and sync and chord refuse
 * records dated in its future. Emitted once per connection; the fix is a system clock set right.
 */
export class ClockSkewError extends Web2pError {
  override name = 'ClockSkewError';

  constructor(
    readonly peerId: string,
    /** How far the peer's clock is ahead of ours, in seconds (negative: behind). */
    readonly aheadSeconds: number,
    /** The window past which clocks that far apart lose messages (SEEN_WINDOW_SECONDS). */
    windowSeconds: number,
  ) {
    const apart = Math.abs(aheadSeconds);
    super(
      `peer ${peerId}'s clock is ${apart} s ${aheadSeconds > 0 ? 'ahead of' : 'behind'} ours. Past ${windowSeconds} s apart, ` +
        'broadcasts from the node behind reach the one ahead as expired and are dropped, and sync and chord records from ' +
        `the node ahead are refused by the one behind as dated in its future${apart > windowSeconds ? ': messages are being lost' : ''}. ` +
        'Set the wrong system clock right (turn on automatic time / NTP)',
    );
  }
}

// ------------------------------------------------------------------ bundle: lazy modules (issue 20)

/**
 * A compressed body met a codec that is not loaded: compression (fflate) loads on demand, since
 * links between web2p peers do not compress. With web2p/wire by hand, `await loadCompression()`
 * before compressing or decoding compressed frames; inside a socket, this means the module failed
 * to load (a lazy chunk the network lost) and the link that needed it was dropped.
 */
export class CompressionNotLoadedError extends Web2pError {
  override name = 'CompressionNotLoadedError';
}

/**
 * `sendStream` on a socket made without streams: they are a feature a socket opts into, so that apps
 * that do not stream do not bundle them. Make it with `new MeshSocket({ streams: streams() })`,
 * `import { streams } from 'web2p/streams'`.
 */
export class StreamsNotEnabledError extends StreamError {
  override name = 'StreamsNotEnabledError';

  constructor() {
    super("this socket was made without streams: pass { streams: streams() } to it, with import { streams } from 'web2p/streams'", 'refused');
  }
}

// ---------------------------------------------------------------- chord's signed records, positions and acks (issue 15, PROTOCOL.md §14.18)

/**
 * A chord node was named at a ring position its id does not allow: positions follow from node ids
 * (the top k bits of SHA-256 of the id, or one of the next CHORD_POSITION_PROBES when that one is
 * taken). The message naming it is malformed, so the peer that sent it is dropped.
 */
export class RingPositionError extends FrameError {
  override name = 'RingPositionError';

  constructor(
    /** The node id the entry claims. */
    readonly nodeId: string,
    readonly position: number,
    readonly k: number,
  ) {
    super(`chord node ${nodeId} cannot stand at position ${position} of a 2**${k} ring: positions follow from node ids (PROTOCOL.md §14.18)`);
  }
}

/** Why a chord answer was not taken (ChordAnswerError.reason). */
export type ChordAnswerRefusal =
  /** No responder's signature, from a peer while `trust` is 'strict'. */
  | 'unsigned'
  /** The answer's signature does not verify, or its key does not own the responder's id. */
  | 'bad-signature'
  /** The record answered does not verify, is for another key, or is not what was written. */
  | 'bad-record';

/**
 * A chord answer (a read's record or a write's acknowledgement) failed its checks and was not
 * taken: the read asks the key's replicas instead, the write waits for a proper acknowledgement.
 * `peerId` is the node blamed, dropped when it is a neighbour: the responder when it signed what
 * is wrong, else the neighbour the answer came from (relays check signatures before passing an
 * answer on, so an honest one never passes a forgery). An answer from a node that is not the
 * key's (as far as this node knows) is not counted either, but not reported: an honest node whose
 * view of the ring lags can answer so.
 */
export class ChordAnswerError extends Web2pError {
  override name = 'ChordAnswerError';

  constructor(
    readonly peerId: string,
    readonly reason: ChordAnswerRefusal,
    detail: string,
  ) {
    super(`refused a chord answer from ${peerId} (${reason}): ${detail}`);
  }
}

/**
 * A chord write lost CHORD_WRITE_ATTEMPTS races in a row: other writers kept writing the key (or
 * changing the mapping an applyDelta merged into) between this node learning its version and
 * writing. Nothing of this write was stored; try again later.
 */
export class ChordWriteConflictError extends Web2pError {
  override name = 'ChordWriteConflictError';

  constructor(readonly key: string, attempts: number) {
    super(`the chord write of ${JSON.stringify(key)} lost ${attempts} races with other writers of the key; nothing was stored, try again`);
  }
}

/**
 * A chord write was acknowledged by the key's node, but fewer of the replicas the writer expects
 * (the next `replicas` storing nodes it knows after the key's node) signed for their copies than it
 * needs, even after the writer sent the record to them itself (PROTOCOL.md §14.18). The value may
 * be held by the key's node alone, which could drop it: the write does not count as stored. It is
 * usually churn (replicas crashed or unreachable): try again once the ring has settled.
 */
export class ChordReplicationError extends Web2pError {
  override name = 'ChordReplicationError';

  constructor(
    readonly key: string,
    readonly confirmed: number,
    readonly needed: number,
  ) {
    super(`chord write of ${key}: only ${confirmed} of the ${needed} replicas it needs signed for their copies; it does not count as stored, try again once the ring has settled`);
  }
}
