import type { Link, LinkHandlers } from '../transport/types.js';

/**
 * What every Node link shares: bytes that arrive before `attach()` or while paused are held, the
 * close is reported once (at once on the closing side), and nothing is delivered or sent after it.
 * A subclass only moves bytes (`write`, `pending`), stops and restarts reading its socket
 * (`stopReading`, `startReading`: the socket's own pause, so TCP's window pushes back on the peer)
 * and tears its socket down (`shutdown`, or `destroy` for an abort), calling `deliver` and `end`
 * from its socket's events.
 */
export abstract class HeldLink implements Link {
  #handlers: LinkHandlers | undefined;
  /** Data that arrived before `attach()`, or while paused (at most what the socket had read). */
  #held: Uint8Array[] = [];
  #paused = false;
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
    this.#handOver();
    if (this.#ended) this.#reportClose();
  }

  pause(): boolean {
    if (!this.#paused && !this.#ended) {
      this.#paused = true;
      this.stopReading();
    }
    return true;
  }

  resume(): void {
    if (!this.#paused || this.#ended) return;
    this.#paused = false;
    this.#handOver();
    // A handler may have paused again while the held bytes were handed over.
    if (!this.#paused) this.startReading();
  }

  send(bytes: Uint8Array): void {
    if (!this.#ended) this.write(bytes);
  }

  close(): void {
    if (this.#ended) return;
    this.end(undefined);
  }

  abort(): void {
    if (this.#ended) return;
    this.end(undefined, true);
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
  /** Ends the socket at once, dropping what it has not written. Called once, instead of shutdown. */
  protected abstract destroy(): void;
  /** Stops taking bytes from the socket (and so from the peer) until `startReading()`. */
  protected abstract stopReading(): void;
  protected abstract startReading(): void;

  protected deliver(bytes: Uint8Array): void {
    if (this.#ended || bytes.byteLength === 0) return;
    if (this.#handlers && !this.#paused) this.#handlers.data(bytes);
    else this.#held.push(bytes);
  }

  /** Hands held bytes to the owner, stopping if a handler pauses or closes the link on the way. */
  #handOver(): void {
    while (this.#held.length > 0 && this.#handlers && !this.#paused && !this.#closeReported) this.#handlers.data(this.#held.shift()!);
  }

  /** Bytes written earlier have left: tell the owner (backpressure). */
  protected drained(): void {
    if (!this.#ended) this.#handlers?.drain?.();
  }

  /** The link is over, closed here (`close()`), by the peer, or by a failure (`error`). */
  protected end(error: Error | undefined, abort = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    // Held bytes still go to an owner that attaches later (then the close); an attached owner that
    // paused will not take them now, and an abort discards everything.
    if (abort || this.#handlers) this.#held = [];
    if (abort) this.destroy();
    else this.shutdown();
    this.#onEnd?.();
    if (this.#handlers) this.#reportClose();
  }

  #reportClose(): void {
    if (this.#closeReported) return;
    this.#closeReported = true;
    this.#handlers?.close(this.#endError);
  }
}
