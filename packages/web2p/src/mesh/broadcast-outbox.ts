import type { Clock, TimerHandle } from '../runtime/clock.js';
import { createMessage, type WireMessage } from '../wire/message.js';
import type { Packet } from '../wire/packet.js';
import type { SeenCache } from './seen-cache.js';

export interface BroadcastOutboxHost {
  readonly id: string;
  readonly clock: Clock;
  readonly seen: SeenCache;
  nowSeconds(): number;
  /** Puts a built message on every neighbour's link. */
  deliver(wire: WireMessage): void;
}

interface Pending {
  flag: number;
  payload: Packet[];
  onSent: ((wire: WireMessage) => void) | undefined;
}

/**
 * A message id hashes whole-second time, so the same packets broadcast twice in one second would
 * have one id and every peer would drop the second (protocol.md §11). Such a repeat waits for the
 * next second, and everything sent after it waits too, so order is kept.
 */
export class BroadcastOutbox {
  private readonly pending: Pending[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly host: BroadcastOutboxHost) {}

  /** Broadcasts `payload` now, or as soon as it can leave without repeating an id. */
  push(flag: number, payload: Packet[], onSent?: (wire: WireMessage) => void): void {
    this.pending.push({ flag, payload, onSent });
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
      const { flag, payload, onSent } = this.pending[0]!;
      const now = host.nowSeconds();
      const wire = createMessage(flag, host.id, now, payload);
      if (host.seen.has(wire.idHex)) {
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
      host.seen.add(wire.idHex, now, now);
      host.deliver(wire);
      onSent?.(wire);
    }
  }
}
