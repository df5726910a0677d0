/**
 * Every error the library raises on purpose. Each message says what went wrong and, where there is
 * something to do about it, what to do.
 */
export class Web2pError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bytes that are not a valid py2p frame (protocol.md §1). The connection that sent them is dropped. */
export class FrameError extends Web2pError {}

/** A frame (or what its body inflates to) is larger than the configured maximum. */
export class FrameTooLargeError extends FrameError {}

/** A peer speaks another subnet, encryption or protocol version (protocol.md §2.2). */
export class ProtocolMismatchError extends Web2pError {
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
export class TimeoutError extends Web2pError {}

/** A link ended before the operation that needed it finished. */
export class ConnectionClosedError extends Web2pError {}

/** The socket was closed; nothing more can be done with it. */
export class SocketClosedError extends Web2pError {
  constructor() {
    super('the socket is closed; create a new one to reconnect');
  }
}

/** A key is absent (py2p raises KeyError). */
export class KeyError extends Web2pError {}

/** Another node holds the lease on a key (protocol.md §6.3). Named KeyError, as py2p raises. */
export class LeaseError extends KeyError {
  constructor(
    readonly key: string,
    readonly owner: string,
    readonly expiresAt: number,
  ) {
    super(
      `key ${JSON.stringify(key)} is leased to ${owner} until ${new Date(expiresAt * 1000).toISOString()}; ` +
        'only the owner can change or delete it before then',
    );
    this.name = 'KeyError';
  }
}

/** Persistent storage refused a write (quota exceeded, storage unavailable). */
export class StoreError extends Web2pError {}

/**
 * A WebRTC connection failed in ICE or DTLS before its data channel opened. Such attempts do fail
 * now and then (a lost packet, a stale candidate; libdatachannel sometimes fails the DTLS certificate
 * check of a fresh connection), and a new attempt usually succeeds.
 */
export class WebRtcHandshakeError extends ConnectionClosedError {}

/** The signaling server could not be reached or refused us (a bad room name, an id already taken). */
export class SignalingError extends Web2pError {}
