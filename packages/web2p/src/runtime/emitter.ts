/**
 * A small typed event emitter that runs in browsers and Node alike (no node:events). A listener
 * that throws does not break the caller: the error goes to `onListenerError`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = Record<string, (...args: any[]) => void>;

/** Listeners as stored: untyped, so that a socket with more events is still a socket (variance). */
type AnyListener = (...args: never[]) => void;

export class Emitter<Events extends EventMap> {
  /** Per event, each listener and whether it was added with once(): off() removes either kind. */
  private readonly listeners = new Map<string | number | symbol, Map<AnyListener, boolean>>();

  /** Calls `listener` on every `event` until `off()`. Returns this, for chaining. */
  on<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.add(event, listener, false);
  }

  /** Calls `listener` on the next `event` only. */
  once<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.add(event, listener, true);
  }

  /** Stops calling `listener` (as passed to `on()`) on `event`. */
  off<K extends keyof Events>(event: K, listener: Events[K]): this {
    this.listeners.get(event)?.delete(listener as AnyListener);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** A listener added twice (on or once) is still one listener, as with a Set; the last add decides. */
  private add(event: keyof Events, listener: Events[keyof Events], once: boolean): this {
    let listeners = this.listeners.get(event);
    if (!listeners) this.listeners.set(event, (listeners = new Map()));
    listeners.set(listener as AnyListener, once);
    return this;
  }

  /** Calls every listener of `event`; false when it has none. */
  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): boolean {
    const listeners = this.listeners.get(event);
    if (!listeners || listeners.size === 0) return false;
    for (const [listener, once] of [...listeners]) {
      if (once) listeners.delete(listener);
      try {
        (listener as Events[K])(...args);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
    return true;
  }

  /** Where a listener's throw goes (console.error by default); override to handle it. */
  protected onListenerError(error: unknown, event: string): void {
    console.error(`web2p: a '${event}' listener threw`, error);
  }
}
