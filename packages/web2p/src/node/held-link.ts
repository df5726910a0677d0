import type { Link, LinkHandlers } from '../transport/types.js';

/**
 * What every Node link shares: bytes that arrive before `attach()` are held, the close is reported
 * once (at once on the closing side), and nothing is delivered or sent after it. A subclass only
 * moves bytes (`write`, `pending`) and tears its socket down (`shutdown`), calling `deliver` and
 * `end` from its socket's events.
 */
export abstract class HeldLink implements Link {
  #handlers: LinkHandlers | undefined;
  /** Data that arrived before `attach()`. */
  #held: Uint8Array[] = [];
  #ended = false;
  #endError: Error | undefined;
  #closeReported = false;
  #onEnd: (() => void) | undefined;

  constructor(
    readonly outgoing: boolean,
    readonly remoteAddress: string | undefined,
  ) {}

  get bufferedAmount(): number {
    return this.#ended ? 0 : this.pending();
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    const held = this.#held;
    this.#held = [];
    for (const bytes of held) handlers.data(bytes);
    if (this.#ended) this.#reportClose();
  }

  send(bytes: Uint8Array): void {
    if (!this.#ended) this.write(bytes);
  }

  close(): void {
    if (this.#ended) return;
    this.end(undefined);
  }

  /** `fn` runs once when the link ends (the transport forgets it then). */
  onEnd(fn: () => void): void {
    this.#onEnd = fn;
  }

  /** Bytes the socket has not written yet. */
  protected abstract pending(): number;
  protected abstract write(bytes: Uint8Array): void;
  /** Ends the socket: gracefully, so bytes already written still go out. Called once. */
  protected abstract shutdown(): void;

  protected deliver(bytes: Uint8Array): void {
    if (this.#ended || bytes.byteLength === 0) return;
    if (this.#handlers) this.#handlers.data(bytes);
    else this.#held.push(bytes);
  }

  /** Bytes written earlier have left: tell the owner (backpressure). */
  protected drained(): void {
    if (!this.#ended) this.#handlers?.drain?.();
  }

  /** The link is over, closed here (`close()`), by the peer, or by a failure (`error`). */
  protected end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    this.shutdown();
    this.#onEnd?.();
    if (this.#handlers) this.#reportClose();
  }

  #reportClose(): void {
    if (this.#closeReported) return;
    this.#closeReported = true;
    this.#handlers?.close(this.#endError);
  }
}
