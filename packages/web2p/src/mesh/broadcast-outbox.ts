import type { Clock, TimerHandle } from '../runtime/clock.js';
import { createMessage, withTime, type WireMessage } from '../wire/message.js';
import type { OutgoingPacket } from '../wire/packet.js';
import type { SeenCache } from './seen-cache.js';

export interface BroadcastOutboxHost {
  readonly id: string;
  readonly clock: Clock;
  readonly seen: SeenCache;
  /** The largest frame body a peer accepts: a larger message is refused at push(). */
  readonly maxFrameBytes: number;
  nowSeconds(): number;
  /** Puts a built message on every neighbour's link. */
  deliver(wire: WireMessage): void;
}

interface Pending {
  /** Built when pushed; rebuilt from its own bytes if it leaves in a later second. */
  wire: WireMessage;
  onSent: ((wire: WireMessage) => void) | undefined;
}

/**
 * A message id hashes whole-second time, so the same packets broadcast twice in one second would
 * have one id and every peer would drop the second (PROTOCOL.md §11). Such a repeat waits for the
 * next second, and everything sent after it waits too, so order is kept.
 */
export class BroadcastOutbox {
  private readonly pending: Pending[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly host: BroadcastOutboxHost) {}

  /**
   * Broadcasts `payload` now, or as soon as it can leave without repeating an id. The message is
   * built here, so a payload that cannot be sent (a TypeError, a MessageTooLargeError) throws to its
   * caller and is never queued: one bad call costs only itself.
   */
  push(flag: number, payload: readonly OutgoingPacket[], onSent?: (wire: WireMessage) => void): void {
    const { host } = this;
    this.pending.push({ wire: createMessage(flag, host.id, host.nowSeconds(), payload, host.maxFrameBytes), onSent });
    this.flush();
  }

  close(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.length = 0;
  }

  private flush(): void {
    const { host } = this;
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const now = host.nowSeconds();
      if (head.wire.time !== now) head.wire = withTime(head.wire, now, host.maxFrameBytes);
      if (host.seen.has(head.wire.id)) {
        if (this.timer === undefined) {
          const wait = (now + 1) * 1000 - host.clock.now();
          this.timer = host.clock.setTimeout(() => {
            this.timer = undefined;
            this.flush();
          }, Math.max(1, wait));
        }
        return;
      }
      this.pending.shift();
      host.seen.add(head.wire.id, now);
      host.deliver(head.wire);
      head.onSent?.(head.wire);
    }
  }
}
