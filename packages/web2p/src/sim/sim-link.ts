/**
 * One end of a simulated connection: an ordered byte stream with latency, optional frame loss, and
 * failure when a partition or a crash cuts it. Bytes are handed over by reference, not copied: a
 * relayed broadcast is one buffer shared by a thousand nodes, which is what lets the simulator
 * carry them (decoded bins are copies, so no receiver can change what others see).
 */
import type { Link, LinkHandlers } from '../transport/types.js';
import type { SimNetwork } from './sim-network.js';

export class SimLink implements Link {
  /** The other end, set right after both ends exist. */
  peer!: SimLink;
  private handlers: LinkHandlers | undefined;
  private held: Uint8Array[] = [];
  private closeHeld: { error?: Error } | undefined;
  /** Virtual time the last send from this end is due at the other end (keeps the stream in order). */
  private lastDue = 0;
  /** Bytes sent from this end and not yet due at the other, oldest first (arriveNext). */
  private readonly inFlight: Uint8Array[] = [];
  private ended = false;
  private failing = false;
  /** Set by `pause()`: what arrives waits in `heldWhilePaused`. */
  private paused = false;
  private heldWhilePaused: Uint8Array[] = [];
  /** Set by `abort()`: sends still on their way are lost, as a destroyed socket's unwritten bytes are. */
  private aborted = false;

  constructor(
    private readonly net: SimNetwork,
    /** Address of the node that owns this end. */
    readonly localAddress: string,
    readonly remoteAddress: string,
    readonly outgoing: boolean,
  ) {}

  /** Bytes sent from this end that have not reached the other end yet. */
  bufferedAmount = 0;

  attach(handlers: LinkHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.held.splice(0)) handlers.data(bytes);
    if (this.closeHeld) this.finish(this.closeHeld.error);
  }

  /** Whether the link has not ended (closed from either side, or failed). */
  get isOpen(): boolean {
    return !this.ended;
  }

  send(bytes: Uint8Array): void {
    if (this.ended) return;
    if (!this.net.canCarry(this)) return; // cut by a partition: lost, and the link will fail soon
    this.net.countFrame(bytes);
    if (this.net.drops()) return;
    const due = Math.max(this.net.clock.now() + this.net.latency(), this.lastDue);
    this.lastDue = due;
    this.bufferedAmount += bytes.length;
    this.inFlight.push(bytes);
    this.net.clock.setTimeout(this.arriveNext, due - this.net.clock.now());
  }

  /**
   * Sends reach the other end in the order they were made (their due times never decrease, and
   * timers due at one instant fire in the order set), so each send's timer hands over the oldest
   * bytes in flight: one shared callback rather than a closure per frame.
   */
  private readonly arriveNext = (): void => {
    const bytes = this.inFlight.shift()!;
    if (!this.aborted) this.peer.arrive(bytes);
  };

  /**
   * Holds what arrives until `resume()`. The sender keeps counting held bytes in its
   * `bufferedAmount`, as a TCP sender whose peer stopped reading sees its window close.
   */
  pause(): boolean {
    if (!this.net.pausableLinks) return false;
    this.paused = true;
    return true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (this.heldWhilePaused.length > 0 && !this.paused && !this.ended) this.take(this.heldWhilePaused.shift()!);
    // A close that arrived behind held bytes is read after them, as a FIN is.
    if (this.heldWhilePaused.length === 0 && this.closeHeld && this.handlers && !this.ended) this.finish(this.closeHeld.error);
  }

  /** Bytes from the other end reached this one: taken now, or held while paused. */
  private arrive(bytes: Uint8Array): void {
    if (this.paused && !this.ended) this.heldWhilePaused.push(bytes);
    else this.take(bytes);
  }

  /** The bytes leave the sender's count (it may send more: 'drain') and go to our owner. */
  private take(bytes: Uint8Array): void {
    this.peer.left(bytes.length);
    this.receive(bytes);
  }

  private left(bytes: number): void {
    if (this.aborted) return; // its count was zeroed then
    this.bufferedAmount -= bytes;
    if (!this.ended) this.handlers?.drain?.();
  }

  private receive(bytes: Uint8Array): void {
    if (this.ended) return;
    if (this.handlers) this.handlers.data(bytes);
    else this.held.push(bytes);
  }

  /**
   * Graceful close: this end at once, the other end once the news has crossed the link, after
   * every byte sent before it (a stream's FIN never overtakes its data).
   */
  close(): void {
    if (this.ended) return;
    const peer = this.peer;
    const due = Math.max(this.net.clock.now() + this.net.latency(), this.lastDue);
    this.net.clock.setTimeout(() => peer.closeArrived(), due - this.net.clock.now());
    this.finish();
  }

  /** Ends at once: what is on its way is lost, and the other end learns of it after one latency. */
  abort(): void {
    if (this.ended) return;
    this.aborted = true;
    this.bufferedAmount = 0;
    const peer = this.peer;
    this.net.clock.setTimeout(() => peer.closeArrived(), this.net.latency());
    this.finish();
  }

  /** The other end closed: at once, unless bytes it sent before are held by a pause. */
  private closeArrived(): void {
    if (this.paused && this.heldWhilePaused.length > 0 && !this.ended) this.closeHeld ??= {};
    else this.finish();
  }

  /**
   * The link failed (crash, partition): this end learns of it after `delayMs`. Until then frames
   * already on their way still arrive, as packets a peer sent before it crashed do; new sends are
   * already refused by the network.
   */
  fail(error: Error, delayMs: number): void {
    if (this.ended || this.failing) return;
    this.failing = true;
    this.net.clock.setTimeout(() => this.finish(error), delayMs);
  }

  private finish(error?: Error): void {
    this.ended = true;
    // Bytes held by a pause will never be read: the sender stops counting them.
    for (const bytes of this.heldWhilePaused.splice(0)) this.peer.left(bytes.length);
    if (!this.handlers) {
      this.closeHeld ??= error ? { error } : {};
      return;
    }
    const handlers = this.handlers;
    this.handlers = undefined;
    this.held = [];
    this.net.forgetLink(this);
    handlers.close(error);
  }
}
