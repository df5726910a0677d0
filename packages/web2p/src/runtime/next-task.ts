/**
 * Tasks right after the current one, for the system clock's 0 ms timers in browsers. The mesh yields
 * with 0 ms timers (fair reading's turns between peers, the services' news of a new neighbour). As
 * timers, a chain of them past five waits 4 ms a step (the HTML spec's clamp), and in a hidden page
 * Chromium runs timers only on whole seconds. A MessageChannel's messages are tasks too, in order,
 * and neither touches them.
 * Hand-written: a queue and a port, where npm's setImmediate shims carry polyfills for old engines.
 */
import type { TimerHandle } from './clock.js';

/** One scheduled call; its object is the handle `schedule` returns. */
class Pending {
  cancelled = false;
  constructor(readonly fn: () => void) {}
}

export class NextTask {
  readonly #port: MessagePort;
  /** Scheduled calls in order: each message posted runs the oldest. */
  readonly #queue: Pending[] = [];

  constructor() {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const next = this.#queue.shift();
      if (next && !next.cancelled) next.fn();
    };
    // Node (tests): an open port would keep the process alive. Browsers have no unref.
    (channel.port1 as { unref?: () => void }).unref?.();
    this.#port = channel.port2;
  }

  /** Runs `fn` in a task of its own, after the tasks already queued. */
  schedule(fn: () => void): TimerHandle {
    const pending = new Pending(fn);
    this.#queue.push(pending);
    this.#port.postMessage(undefined);
    return pending as unknown as TimerHandle;
  }

  /** Cancels a call `schedule` returned, if it has not run; false when `handle` is not one of those. */
  cancel(handle: TimerHandle): boolean {
    if (!((handle as unknown) instanceof Pending)) return false;
    (handle as unknown as Pending).cancelled = true;
    return true;
  }
}
