import type { ErrorCode } from 'web2p/signaling';

/**
 * Every error the signaling server raises on purpose. (The library's SignalingError is the
 * client's: the server refused or dropped it.)
 */
export class SignalingServerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option to `startSignalingServer` (or a CLI flag) is out of range or names nothing usable. */
export class OptionsError extends SignalingServerError {}

/** The server could not listen on the requested host and port. */
export class ListenError extends SignalingServerError {}

/**
 * A client broke the wire protocol or asked for something impossible. It never escapes a client's
 * handler: the client gets it back as an `error` frame (PROTOCOL.md) with this code and message.
 */
export class ProtocolError extends SignalingServerError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The peer id the error is about, for `unknown-peer`: lets the client abandon that handshake. */
    readonly peer?: string,
  ) {
    super(message);
  }
}
