import { BroadcastBacklogFullError } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { createMessage, withTime, type WireMessage } from '../wire/message.js';
import { NATIVE_DIGEST_MIN_BYTES, type AsyncMessageHash } from '../wire/message-hash.js';
import type { OutgoingPacket } from '../wire/packet.js';
import { flags } from '../wire/flags.js';
import type { SeenCache } from './seen-cache.js';

export interface BroadcastOutboxHost {
  readonly id: string;
  readonly clock: Clock;
  readonly seen: SeenCache;
  /** The largest frame body a peer accepts: a larger message is refused at push(). */
  readonly maxFrameBytes: number;
  nowSeconds(): number;
  /** Most bytes held back at once (MAX_HELD_BROADCAST_BYTES); past it push() throws. */
  readonly maxHeldBytes: number;
  /** Puts a built message on every neighbour's link. */
  deliver(wire: WireMessage): void;
  /** Held broadcasts left (for the socket's backpressure: send-backlog.ts). */
  released(): void;
  /** The async native SHA-256 for large bodies (wire/message-hash.ts), or undefined: hash in JS. */
  readonly digest: AsyncMessageHash | undefined;
}

interface Pending {
  /** Built when pushed; rebuilt from its own bytes if it leaves in a later second. */
  wire: WireMessage;
  onSent: ((wire: WireMessage) => void) | undefined;
  /** What it counts in `held`: its size when pushed (a rebuild may differ by a byte). */
  bytes: number;
  /** Its id is being hashed natively (asynchronously): it, and all behind it, wait. */
  hashing: boolean;
  /** A broadcast (else a message of another type that was sent behind held broadcasts: it only keeps its place). */
  broadcast: boolean;
}

/**
 * A message id hashes whole-second time, so the same packets broadcast twice in one second would
 * have one id and every peer would drop the second (PROTOCOL.md §11). Such a repeat waits for the
 * next second, and everything sent after it waits too, so order is kept.
 *
 * Where the host has an async native digest (browsers), a large message's id is hashed with it as
 * soon as the message is pushed, all of them at once, and the queue waits at the first one whose
 * id is not in yet: sends keep their order, and hashing 64 KiB costs the page some 90 µs instead of
 * over a millisecond of pure-JS SHA-256 (wire/message-hash.ts).
 */
export class BroadcastOutbox {
  private readonly pending: Pending[] = [];
  private timer: TimerHandle | undefined;
  /** Body bytes of the held messages, counted in the socket's backpressure. */
  private held = 0;
  /** Body bytes ever pushed: only grows, for the socket's backlog bound (send-backlog.ts). */
  pushedBytes = 0;
  private closed = false;
  /** Pending broadcasts whose native digest is under way. */
  private hashingCount = 0;

  constructor(private readonly host: BroadcastOutboxHost) {}

  /**
   * Broadcasts `payload` now, or as soon as it can leave without repeating an id. The message is
   * built here, so a payload that cannot be sent (a TypeError, a MessageTooLargeError) throws to its
   * caller and is never queued: one bad call costs only itself.
   */
  push(flag: number, payload: readonly OutgoingPacket[], onSent?: (wire: WireMessage) => void): void {
    const { host } = this;
    const wire = createMessage(flag, host.id, host.nowSeconds(), payload, host.maxFrameBytes);
    // Only a queue that already waits can overflow: a message with nothing ahead of it may be held
    // alone, so one large broadcast is never refused.
    if (this.pending.length > 0 && this.held + wire.bodyLength > host.maxHeldBytes) {
      throw new BroadcastBacklogFullError(this.held, host.maxHeldBytes);
    }
    const entry: Pending = { wire, onSent, bytes: wire.bodyLength, hashing: false, broadcast: flag === flags.broadcast };
    this.pending.push(entry);
    this.held += wire.bodyLength;
    this.pushedBytes += wire.bodyLength;
    this.hash(entry);
    this.flush();
  }

  /** Bytes of broadcasts waiting for the next second. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Whether a broadcast waits for its native digest: a message of another type sent now queues
   * behind it (Router.send), so a browser's sends keep their order although its large broadcasts
   * are hashed asynchronously. Behind a repeat held for the next second it does not wait, as before.
   */
  get hashing(): boolean {
    return this.hashingCount > 0;
  }

  close(): void {
    this.closed = true;
    this.hashingCount = 0;
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.length = 0;
    this.held = 0;
  }

  private flush(): void {
    const { host } = this;
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const now = host.nowSeconds();
      if (!head.broadcast) {
        // a whisper that only waited for its turn: no id to keep apart, sent as built
        this.pending.shift();
        this.held -= head.bytes;
        host.deliver(head.wire);
        head.onSent?.(head.wire);
        continue;
      }
      if (head.wire.time !== now) {
        head.wire = withTime(head.wire, now, host.maxFrameBytes);
        this.hash(head);
      }
      if (head.hashing) return; // hash() flushes again once the id is in
      if (host.seen.has(head.wire.id)) {
        if (this.timer === undefined) {
          const wait = (now + 1) * 1000 - host.clock.now();
          this.timer = host.clock.setTimeout(() => {
            this.timer = undefined;
            this.flush();
            host.released();
          }, Math.max(1, wait));
        }
        return;
      }
      this.pending.shift();
      this.held -= head.bytes;
      host.seen.add(head.wire.id, now);
      host.deliver(head.wire);
      head.onSent?.(head.wire);
    }
  }

  /**
   * Starts hashing `entry`'s id natively when its body is large enough for that to pay; the queue
   * flushes again when it is in. Should the digest fail, the id is hashed in JS instead.
   */
  private hash(entry: Pending): void {
    const { digest } = this.host;
    const { wire } = entry;
    if (digest === undefined || wire.hashed || wire.bodyLength < NATIVE_DIGEST_MIN_BYTES) return;
    if (!entry.hashing) this.hashingCount++;
    entry.hashing = true;
    const settle = (id: Uint8Array | undefined): void => {
      if (this.closed || entry.wire !== wire) return; // closed, or rebuilt for a later second and hashed anew
      if (id) wire.settleId(id);
      else void wire.id;
      entry.hashing = false;
      this.hashingCount--;
      this.flush();
      this.host.released();
    };
    digest(wire.body).then(settle, () => settle(undefined));
  }
}
