/**
 * Every error the library raises on purpose. Each message says what went wrong and, where there is
 * something to do about it, what to do.
 */
export class Web2pError extends Error {
  // Spelled out in every class: bundlers minify class names, and `error.name` must survive that.
  override name = 'Web2pError';
}

/** Bytes that are not a valid py2p frame (protocol.md §1). The connection that sent them is dropped. */
export class FrameError extends Web2pError {
  override name = 'FrameError';
}

/** A frame (or what its body inflates to) is larger than the configured maximum. */
export class FrameTooLargeError extends FrameError {
  override name = 'FrameTooLargeError';
}

/** A peer speaks another subnet, encryption or protocol version (protocol.md §2.2). */
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

/** Another node holds the lease on a key (protocol.md §6.3). Named KeyError, as py2p raises. */
export class LeaseError extends KeyError {
  // py2p raises KeyError here; code that catches by name keeps working.
  override name = 'KeyError';

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
