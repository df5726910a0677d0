/**
 * Virtual time for simulations. Timers fire in order of (due time, creation order), so equal-time
 * events fire in the order they were set and a run is reproducible (timer-queue.ts keeps them).
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { type QueuedTimer, TimerQueue } from './timer-queue.js';

/**
 * Yields to the host's event loop, so every pending promise continuation runs first: setImmediate
 * in Node, a MessageChannel message in browsers (setTimeout(0) is clamped to 4 ms there, which
 * would make a simulation crawl).
 */
const macrotask: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((resolve) => setImmediate(resolve))
    : (() => {
        const channel = new MessageChannel();
        const waiting: Array<() => void> = [];
        channel.port1.onmessage = () => waiting.shift()?.();
        return () =>
          new Promise<void>((resolve) => {
            waiting.push(resolve);
            channel.port2.postMessage(null);
          });
      })();

/** An arbitrary fixed start (2024-01-01T00:00:00Z), so virtual dates are the same every run. */
export const VIRTUAL_EPOCH_MS = 1_704_067_200_000;

export class VirtualClock implements Clock {
  private current: number;
  private readonly timers = new TimerQueue();
  private waiting = 0;
  private manual = false;
  private autoRunning = false;

  constructor(startMs = VIRTUAL_EPOCH_MS) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.timers.add(this.current + Math.max(0, ms), fn) as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.clear(handle as unknown as QueuedTimer);
  }

  /** Timers still due (cleared ones may be counted until their instant is the earliest). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  whilePending<T>(promise: Promise<T>): Promise<T> {
    this.waiting++;
    const done = (): void => {
      this.waiting--;
    };
    promise.then(done, done);
    void this.autoAdvance();
    return promise;
  }

  /**
   * Advances virtual time by `ms`, firing every timer due on the way. Between distinct instants it
   * yields to the event loop so promise continuations run at the virtual time they belong to.
   */
  async run(ms: number): Promise<void> {
    const until = this.current + ms;
    this.manual = true;
    try {
      await this.runUntil(() => this.current >= until, until);
    } finally {
      this.manual = false;
    }
    if (this.current < until) this.current = until;
    void this.autoAdvance();
  }

  /** Advances until `done()` holds (checked between instants) or `limitMs` of virtual time pass. */
  async runUntilTrue(done: () => boolean, limitMs: number): Promise<boolean> {
    const until = this.current + limitMs;
    this.manual = true;
    try {
      return await this.runUntil(done, until);
    } finally {
      this.manual = false;
      void this.autoAdvance();
    }
  }

  /** Returns whether `done()` held (it is evaluated once per instant, never again after true). */
  private async runUntil(done: () => boolean, until: number): Promise<boolean> {
    await macrotask();
    while (!done()) {
      if (!this.fireNextInstant(until)) {
        this.current = Math.max(this.current, until);
        return false;
      }
      await macrotask();
    }
    return true;
  }

  /** Fires every timer of the earliest due instant not after `until`. Returns false if none. */
  private fireNextInstant(until: number): boolean {
    const instant = this.timers.nextDue();
    if (instant === undefined || instant > until) return false;
    this.current = Math.max(this.current, instant);
    this.timers.fire(instant);
    return true;
  }

  /** While some socket promise is awaited and nobody drives the clock, step from instant to instant. */
  private async autoAdvance(): Promise<void> {
    if (this.autoRunning) return;
    this.autoRunning = true;
    try {
      while (this.waiting > 0 && !this.manual) {
        await macrotask();
        if (this.waiting === 0 || this.manual) break;
        if (!this.fireNextInstant(Number.POSITIVE_INFINITY)) break; // nothing left that could help
      }
    } finally {
      this.autoRunning = false;
    }
  }
}
