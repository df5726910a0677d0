/**
 * Every error the library raises on purpose. Each message says what went wrong and, where there is
 * something to do about it, what to do.
 */
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
 * Why a WebRTC peer could not be reached: ICE found no working path (`ice-failed`), the TURN server
 * refused our credentials (`turn-auth-failed`), the peer did not answer in time (`timeout`), or one
 * side had no candidate to offer (`no-candidates`).
 */
export type UnreachableReason = 'ice-failed' | 'turn-auth-failed' | 'timeout' | 'no-candidates';

/** What to do about each reason, as the error message says it. */
const UNREACHABLE_ADVICE: Record<UnreachableReason, string> = {
  'ice-failed': 'no network path between the two peers worked: they are likely behind NATs that need a relay; configure TURN (web2p-signal --turn)',
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
  | 'incoming-connections'
  | 'half-open'
  | 'partial-frames'
  | 'slow-frame';

/**
 * A peer ran into one of this node's limits and was dropped: it sent more than its budget
 * (`rate`), did not read what we sent (`send-queue`), came in over the caps on connections
 * (`incoming-connections`, `half-open`) or parked partial frames (`partial-frames`, `slow-frame`).
 * The limits are mesh/limits-constants.ts; each can be raised through MeshSocket options.
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
