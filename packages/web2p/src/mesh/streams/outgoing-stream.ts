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
  private onFail!: (error: Error) => void;
  /** Rejects with the failure: raced against waits on others (the source) that a failure must cut short. */
  private readonly failed = new Promise<never>((_, reject) => (this.onFail = reject));

  constructor(
    readonly id: string,
    /** The peer the stream goes to. */
    readonly to: string,
    /** The neighbour every frame of this stream goes through (the receiver, or the first relay). */
    readonly hop: Connection,
    private readonly onProgress: (delivered: number) => void,
  ) {
    this.failed.catch(() => {}); // only ever raced: its rejection is handled where it is
  }

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
    this.onFail(this.failure);
    this.changed();
  }

  /** `promise`, or the stream's failure if that comes first (a source that never yields must not hold an aborted send). */
  orFailure<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed]);
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
