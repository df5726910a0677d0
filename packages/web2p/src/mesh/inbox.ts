import type { Message } from './message.js';

export interface InboxLimits {
  /** Most messages queued at once. */
  messages: number;
  /** Most bytes (msgpack bodies) queued at once. */
  bytes: number;
}

/**
 * Messages no handler claimed (py2p's queue), waiting for `recv()`, `nextMessage()` or an async
 * iterator. A waiting reader gets a message directly; otherwise it is queued, within a count and a
 * byte bound, dropping the oldest first.
 */
export class Inbox {
  private readonly queue: Message[] = [];
  private readonly waiters: Array<(msg: Message | undefined) => void> = [];
  private queuedBytes = 0;
  /** Set by a drop, cleared once a reader empties the queue: one overflow, one report. */
  private overflowing = false;
  private closed = false;

  constructor(
    private readonly limits: InboxLimits,
    /** Told each time the oldest message was dropped to stay within the limits; `first` once per overflow. */
    private readonly onOverflow: (first: boolean) => void,
  ) {}

  /** Hands `msg` to a waiting reader, else queues it. */
  put(msg: Message): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(msg);
      return;
    }
    this.queue.push(msg);
    this.queuedBytes += msg.wire.bodyLength;
    while (this.queue.length > this.limits.messages || this.queuedBytes > this.limits.bytes) {
      this.removeAt(0);
      this.onOverflow(!this.overflowing);
      this.overflowing = true;
    }
  }

  /** Takes `msg` back out of the queue if no reader took it yet. */
  withdraw(msg: Message): void {
    const at = this.queue.lastIndexOf(msg);
    if (at >= 0) this.removeAt(at);
  }

  /** The oldest message, or undefined. */
  take(): Message | undefined {
    return this.queue.length > 0 ? this.removeAt(0) : undefined;
  }

  /** Up to `n` oldest messages. */
  takeUpTo(n: number): Message[] {
    const out = this.queue.splice(0, Math.max(0, n));
    for (const msg of out) this.queuedBytes -= msg.wire.bodyLength;
    if (this.queue.length === 0) this.overflowing = false;
    return out;
  }

  /** The next message, waiting for one if need be; undefined once closed and empty. */
  next(): Promise<Message | undefined> {
    return this.wait().message;
  }

  /** As next(), and `cancel()` withdraws the wait, so that no message goes to a reader who left. */
  wait(): { message: Promise<Message | undefined>; cancel: () => void } {
    const queued = this.take();
    if (queued || this.closed) return { message: Promise.resolve(queued), cancel: () => {} };
    let waiter!: (msg: Message | undefined) => void;
    const message = new Promise<Message | undefined>((resolve) => (waiter = resolve));
    this.waiters.push(waiter);
    return {
      message,
      cancel: () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
      },
    };
  }

  /** Readers still waiting get undefined; what is queued can still be taken. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private removeAt(at: number): Message {
    const [msg] = this.queue.splice(at, 1) as [Message];
    this.queuedBytes -= msg.wire.bodyLength;
    if (this.queue.length === 0) this.overflowing = false;
    return msg;
  }
}
