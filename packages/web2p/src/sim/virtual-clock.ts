/**
 * Virtual time for simulations. Timers sit in a binary heap ordered by (due time, creation order),
 * so equal-time events fire in the order they were set and a run is reproducible.
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';

interface Timer {
  due: number;
  seq: number;
  fn: (() => void) | undefined; // undefined once cleared
}

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
  private readonly heap: Timer[] = [];
  private seq = 0;
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
    const timer: Timer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.push(timer);
    return timer as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as unknown as Timer).fn = undefined;
  }

  /** Timers still due (cleared ones may be counted until they reach the top of the heap). */
  get pendingTimers(): number {
    return this.heap.length;
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
    this.dropCleared();
    const first = this.heap[0];
    if (!first || first.due > until) return false;
    const instant = first.due;
    this.current = Math.max(this.current, instant);
    while (this.heap.length > 0 && this.heap[0]!.due === instant) {
      const timer = this.pop()!;
      const fn = timer.fn;
      timer.fn = undefined;
      fn?.();
    }
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

  private dropCleared(): void {
    while (this.heap.length > 0 && this.heap[0]!.fn === undefined) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
