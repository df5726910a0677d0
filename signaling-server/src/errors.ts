import type { ErrorCode } from './messages.js';

/** Every error the signaling server raises on purpose. */
export class SignalingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option to `startSignalingServer` (or a CLI flag) is out of range or names nothing usable. */
export class OptionsError extends SignalingError {}

/** The server could not listen on the requested host and port. */
export class ListenError extends SignalingError {}

/**
 * A client broke the wire protocol or asked for something impossible. It never escapes a client's
 * handler: the client gets it back as an `error` frame (PROTOCOL.md) with this code and message.
 */
export class ProtocolError extends SignalingError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The peer id the error is about, for `unknown-peer`: lets the client abandon that handshake. */
    readonly peer?: string,
  ) {
    super(message);
  }
}
