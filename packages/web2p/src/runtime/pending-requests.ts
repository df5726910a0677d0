/**
 * Requests waiting for an answer, keyed by id: each with a deadline on the injected clock and an
 * optional AbortSignal, and each cleaned up exactly once, whichever comes first of its answer, its
 * deadline, its abort, or the table closing. Every "send something and wait, but not forever" in the
 * library goes through one of these (connects and handshakes, routed replies, chord lookups and
 * acks), so none can leak a timer or a listener and all fail with the same typed errors.
 */
import { AbortError, SocketClosedError, TimeoutError } from '../errors.js';
import type { Clock, TimerHandle } from './clock.js';

export interface WaitOptions {
  /** Milliseconds on the table's clock before the request fails with a TimeoutError; Infinity: no deadline. */
  timeoutMs: number;
  /** The TimeoutError's message, saying what did not happen in time; a function is called when it fires. */
  timeoutMessage: string | (() => string);
  /** Abandons the request with an AbortError when it fires. */
  signal?: AbortSignal | undefined;
  /**
   * Called once when the request ends without an answer (deadline, abort, close or reject), with the
   * error it ends with: undo what the request set going (close a half-open connection, …).
   */
  onFail?: ((error: Error) => void) | undefined;
}

interface Entry<K, T> {
  /** Where the entry is filed now (rekey moves it); its timer and abort listener read it here. */
  key: K;
  resolve(value: T): void;
  reject(error: Error): void;
  timer: TimerHandle | undefined;
  signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  onFail: ((error: Error) => void) | undefined;
}

export class PendingRequests<K, T> {
  private readonly entries = new Map<K, Entry<K, T>>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  keys(): K[] {
    return [...this.entries.keys()];
  }

  /**
   * Resolves with what `resolve(key, …)` hands in. Rejects with TimeoutError at the deadline,
   * AbortError when the signal fires, SocketClosedError once the table is closed (also at once when
   * it already is), or whatever `reject(key, …)` hands in. A key may wait only once at a time.
   */
  wait(key: K, options: WaitOptions): Promise<T> {
    if (this.closed) return Promise.reject(new SocketClosedError());
    if (this.entries.has(key)) return Promise.reject(new RangeError(`a request with id ${String(key)} is already pending`));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    return new Promise<T>((resolve, reject) => {
      const timer = Number.isFinite(options.timeoutMs)
        ? this.clock.setTimeout(() => {
            const { timeoutMessage } = options;
            this.fail(entry.key, new TimeoutError(typeof timeoutMessage === 'function' ? timeoutMessage() : timeoutMessage));
          }, options.timeoutMs)
        : undefined;
      const onAbort = signal ? () => this.fail(entry.key, new AbortError(signal.reason)) : undefined;
      const entry: Entry<K, T> = { key, resolve, reject, timer, signal, onAbort, onFail: options.onFail };
      if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
      this.entries.set(key, entry);
    });
  }

  /** Settles `key` with its answer; false when nothing waits under it (late, or someone else's). */
  resolve(key: K, value: T): boolean {
    const entry = this.take(key);
    entry?.resolve(value);
    return entry !== undefined;
  }

  /** Fails `key` with `error`; false when nothing waits under it. */
  reject(key: K, error: Error): boolean {
    return this.fail(key, error);
  }

  /**
   * Moves a waiting request to another key (a retry under a fresh id), keeping its deadline, signal
   * and promise. False when nothing waits under `from`.
   */
  rekey(from: K, to: K): boolean {
    const entry = this.entries.get(from);
    if (!entry || this.entries.has(to)) return false;
    this.entries.delete(from);
    entry.key = to;
    this.entries.set(to, entry);
    return true;
  }

  /** Rejects everything still waiting (with SocketClosedError unless told otherwise); later waits fail at once. */
  close(error: Error = new SocketClosedError()): void {
    this.closed = true;
    for (const key of [...this.entries.keys()]) this.fail(key, error);
  }

  private fail(key: K, error: Error): boolean {
    const entry = this.take(key);
    if (!entry) return false;
    entry.onFail?.(error);
    entry.reject(error);
    return true;
  }

  /** Removes an entry and everything it holds (timer, abort listener). */
  private take(key: K): Entry<K, T> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.timer) this.clock.clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}
