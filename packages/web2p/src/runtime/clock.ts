import { NextTask } from './next-task.js';

/**
 * Time as the sockets see it. Every timer and every `now()` in the library goes through a Clock, so
 * the simulator can run an hour of network time in seconds and the same seed gives the same run.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired; no-op otherwise. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Marks a promise the caller is about to await on the socket's behalf (a connect, a lookup). A
   * virtual clock keeps advancing while any such promise is pending, so `await sock.connect(...)`
   * completes in a simulation without an explicit `net.run()`. A real clock returns it unchanged.
   */
  whilePending<T>(promise: Promise<T>): Promise<T>;
}

/** Opaque: only the clock that made it can clear it. */
export type TimerHandle = { readonly __timer: true };

/** Whole seconds since the epoch, as py2p's `getUTC()` and every wire timestamp (PROTOCOL.md §1.1). */
export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** Calls `fn` every `ms` until the returned function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let handle: TimerHandle;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    handle = clock.setTimeout(tick, ms);
    fn();
  };
  handle = clock.setTimeout(tick, ms);
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/** A browser page's 0 ms timers, made at the first (next-task.ts); Node's timers are not throttled. */
let nextTask: NextTask | undefined;
const inPage = typeof document !== 'undefined' && typeof MessageChannel === 'function';

/** Wall-clock time from the platform (browser or Node); in a browser page, 0 ms timers are tasks (next-task.ts). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => (ms <= 0 && inPage ? (nextTask ??= new NextTask()).schedule(fn) : (globalThis.setTimeout(fn, ms) as unknown as TimerHandle)),
  clearTimeout: (handle) => {
    if (!nextTask?.cancel(handle)) globalThis.clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
  },
  whilePending: (promise) => promise,
};
