/**
 * Waits for something the caller does not send a request for (the next message, n members), with
 * an optional deadline and AbortSignal, through one PendingRequests table: every wait ends exactly
 * once and leaves no timer, listener or waiter behind.
 */
import type { Clock } from './clock.js';
import { PendingRequests } from './pending-requests.js';

export interface DeadlineOptions {
  /** Reject with a TimeoutError after this many milliseconds. Default: no deadline. */
  timeoutMs?: number | undefined;
  /** Reject with an AbortError when it fires. */
  signal?: AbortSignal | undefined;
}

export class Deadlines {
  private readonly pending: PendingRequests<number, unknown>;
  private nextKey = 0;

  constructor(clock: Clock) {
    this.pending = new PendingRequests(clock);
  }

  /**
   * Settles as `work` does, unless the deadline or the signal comes first; then `cancel` is called
   * to withdraw whatever `work` waits on, and the wait rejects with TimeoutError or AbortError.
   */
  race<T>(work: Promise<T>, cancel: () => void, what: string, options: DeadlineOptions = {}): Promise<T> {
    const key = this.nextKey++;
    const { timeoutMs = Infinity, signal } = options;
    const waiting = this.pending.wait(key, { timeoutMs, signal, timeoutMessage: `no ${what} within ${timeoutMs} ms`, onFail: cancel });
    if (!this.pending.has(key)) {
      cancel(); // refused at once (aborted already, or closed)
      return waiting as Promise<T>;
    }
    work.then(
      (value) => this.pending.resolve(key, value),
      (error: unknown) => this.pending.reject(key, error instanceof Error ? error : new Error(String(error))),
    );
    return waiting as Promise<T>;
  }

  /** Every wait still pending rejects with SocketClosedError. */
  close(): void {
    this.pending.close();
  }
}
