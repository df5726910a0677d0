import { systemClock, type Clock, type TimerHandle } from '../../packages/web2p/src/runtime/clock.js';

/**
 * The system clock, keeping count of its timers of one duration: how many were set, and which are
 * still pending. A test hands it to the code under test to see a timer start and stop (a probe
 * answered) as an event, rather than waiting out the timer's length to see that nothing happened.
 */
export function watchTimers(ms: number): { clock: Clock; started(): number; pending(): number } {
  const pending = new Set<TimerHandle>();
  let started = 0;
  const clock: Clock = {
    ...systemClock,
    setTimeout(fn, delay) {
      if (delay !== ms) return systemClock.setTimeout(fn, delay);
      started += 1;
      const handle = systemClock.setTimeout(() => {
        pending.delete(handle);
        fn();
      }, delay);
      pending.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle);
      systemClock.clearTimeout(handle);
    },
  };
  return { clock, started: () => started, pending: () => pending.size };
}
