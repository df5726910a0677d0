/**
 * A signaling WebSocket opened while the node's key pair is still being made (issue 20): in a
 * browser WebCrypto takes 15-20 ms to make it, and only the join needs it (its id and proof), not
 * the socket's open. The server sends its challenge as soon as the socket opens; this holds that
 * (and anything else the server sends before the join) until the room's SignalingClient takes the
 * socket over, then hands the held events to its listeners in order, before any later one.
 */
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import { SIGNALING_JOIN_TIMEOUT_MS } from './constants.js';
import type { WebSocketConstructor, WebSocketLike } from './signaling-client.js';

/**
 * Frames held before the take-over. Before a join the server sends only its challenge (and may send
 * an error and close); a server that sends more is not one we speak to, and an unread socket must
 * not buffer without bound: past this the pre-open is given up, and the join opens its own socket.
 */
export const PREOPEN_MAX_HELD_FRAMES = 4;

/**
 * How long a pre-open waits to be taken over before it is closed. The server closes a connection
 * that has not joined within its join timeout (10 s, the client's SIGNALING_JOIN_TIMEOUT_MS too):
 * an older pre-open could be cut mid-join, so past half of it the join opens a fresh socket.
 */
export const PREOPEN_MAX_WAIT_MS = SIGNALING_JOIN_TIMEOUT_MS / 2;

type EventType = 'open' | 'message' | 'close' | 'error';
type Listener = (event: never) => void;

export class PreopenedWebSocket implements WebSocketLike {
  readonly #ws: WebSocketLike;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  /** Events not yet handed to a listener, in arrival order; undefined once handed over. */
  #held: Array<{ type: EventType; event: unknown }> | undefined = [];
  readonly #listeners = new Map<EventType, Listener[]>();
  #ended = false;

  /** Opens `url` now; throws as the WebSocket constructor does (a malformed URL). */
  constructor(WebSocket: WebSocketConstructor, url: string, clock: Clock) {
    this.#ws = new WebSocket(url);
    this.#clock = clock;
    this.#timer = clock.setTimeout(() => this.close(), PREOPEN_MAX_WAIT_MS);
    for (const type of ['open', 'message', 'close', 'error'] as const) {
      this.#ws.addEventListener(type as 'open', ((event: unknown) => this.#arrive(type, event)) as () => void);
    }
  }

  /** Whether it is still worth taking over: not closed, not given up. */
  get usable(): boolean {
    return !this.#ended;
  }

  /** The socket is now the SignalingClient's: no longer closed for waiting too long. */
  takeOver(): WebSocketLike {
    this.#clearTimer();
    return this;
  }

  send(data: string): void {
    this.#ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#ended = true;
    this.#clearTimer();
    this.#ws.close(code, reason);
  }

  /**
   * The SignalingClient adds its listeners together, synchronously: the held events go to them
   * once that is done (a microtask after the first is added), ahead of any event still to come.
   */
  addEventListener(type: EventType, listener: Listener): void {
    if (this.#listeners.size === 0) queueMicrotask(() => this.#handOver());
    const listeners = this.#listeners.get(type) ?? [];
    listeners.push(listener);
    this.#listeners.set(type, listeners);
  }

  #handOver(): void {
    const held = this.#held ?? [];
    // An event that arrives while these are handed over joins the end of `held` and goes in this loop.
    for (let i = 0; i < held.length; i++) this.#deliver(held[i]!.type, held[i]!.event);
    this.#held = undefined;
  }

  #arrive(type: EventType, event: unknown): void {
    if (type === 'close') this.#ended = true;
    const held = this.#held;
    if (!held) return this.#deliver(type, event);
    if (held.length >= PREOPEN_MAX_HELD_FRAMES) return this.close();
    held.push({ type, event });
  }

  #deliver(type: EventType, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: unknown) => void)(event);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
