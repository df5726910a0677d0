import type { Message } from './message.js';

/**
 * Messages no handler claimed (py2p's queue), waiting for `recv()`, `nextMessage()` or an async
 * iterator. A waiting reader gets a message directly; otherwise it is queued, up to a bound.
 */
export class Inbox {
  private readonly queue: Message[] = [];
  private readonly waiters: Array<(msg: Message | undefined) => void> = [];
  private closed = false;

  constructor(
    private readonly limit: number,
    /** Told when the oldest message was dropped to stay within the limit. */
    private readonly onOverflow: () => void,
  ) {}

  put(msg: Message): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(msg);
      return;
    }
    this.queue.push(msg);
    if (this.queue.length > this.limit) {
      this.queue.shift();
      this.onOverflow();
    }
  }

  /** The oldest message, or undefined. */
  take(): Message | undefined {
    return this.queue.shift();
  }

  /** Up to `n` oldest messages. */
  takeUpTo(n: number): Message[] {
    return this.queue.splice(0, Math.max(0, n));
  }

  /** The next message, waiting for one if need be; undefined once closed and empty. */
  next(): Promise<Message | undefined> {
    const queued = this.queue.shift();
    if (queued || this.closed) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Readers still waiting get undefined; what is queued can still be taken. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
