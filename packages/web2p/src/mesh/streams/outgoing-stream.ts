/**
 * The sender's side of one stream: how far the receiver let us go (its window plus what its reader
 * took), what we sent, and the first failure. `sendStream` awaits conditions on it; frames from the
 * receiver (accept, ack, cancel) and departures change it and wake the waiter.
 */
import { StreamError } from '../../errors.js';
import type { Connection } from '../connection.js';

export class OutgoingStream {
  /** The receiver's window, from its accept; undefined until then. */
  window: number | undefined;
  /** Payload bytes sent. */
  sent = 0;
  /** Payload bytes the receiver's reader has taken (its latest ack). */
  acked = 0;
  /** Whether `end` went out. */
  ended = false;
  /** Whether the receiver's reader took the last byte (an ack of everything after `end`). */
  delivered = false;
  /** Why the stream ended early: the first failure wins. */
  failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** Rejects the wait of `orFailure` in progress (one at a time: the send loop's). */
  private interrupt: ((error: Error) => void) | undefined;

  constructor(
    readonly id: string,
    /** The peer the stream goes to. */
    readonly to: string,
    /** The neighbour every frame of this stream goes through (the receiver, or the first relay). */
    readonly hop: Connection,
    private readonly onProgress: (delivered: number) => void,
  ) {}

  accepted(window: number): void {
    if (this.window !== undefined) throw new StreamError(`stream ${this.id} accepted twice`);
    this.window = window;
    this.changed();
  }

  /** The receiver's reader took `consumed` bytes in all; acks never go back nor past what we sent. */
  took(consumed: number): void {
    if (this.window === undefined || consumed < this.acked || consumed > this.sent) {
      throw new StreamError(`stream ${this.id}: ack of ${consumed} bytes outside ${this.acked}..${this.sent}`);
    }
    if (this.ended && consumed === this.sent) this.delivered = true;
    if (consumed > this.acked) {
      this.acked = consumed;
      this.onProgress(consumed);
    }
    this.changed();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.interrupt?.(this.failure);
    this.changed();
  }

  /**
   * `promise`, or the stream's failure if that comes first (a source that never yields must not
   * hold an aborted send). Not Promise.race against one long-lived "failed" promise: each race
   * would leave a reaction on it holding that chunk until the stream ends (the whole stream).
   */
  orFailure<T>(promise: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.interrupt = reject;
      promise.then(resolve, reject).finally(() => {
        if (this.interrupt === reject) this.interrupt = undefined;
      });
    });
  }

  /** Resolves once `ready()` holds; rejects with the stream's failure. */
  async until(ready: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (ready()) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Whether `bytes` more fit in the window. */
  fits(bytes: number): boolean {
    return this.window !== undefined && this.sent + bytes <= this.acked + this.window;
  }

  private changed(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
