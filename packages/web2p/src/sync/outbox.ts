/**
 * When our writes go on the wire. A receiver orders records by their second only (merge.ts), so
 * two different writes of ours to one key in one second could land either way round and leave
 * replicas different. Each key therefore gets at most one broadcast of ours per second, sent at a
 * second where it outranks the key's record. A write that cannot go yet waits here, and later
 * writes to the key join it, so one message carries the latest state. The socket applies every
 * write locally at once; only the broadcast waits.
 */
import { unixSeconds, type Clock, type TimerHandle } from '../runtime/clock.js';
import { mergeMapping, type Mapping } from '../replica/mapping.js';

/** What goes out for a key: its whole record (a store or delete), or a delta (§6.2). */
export type PendingWrite = { readonly kind: 'store' } | { readonly kind: 'delta'; readonly mapping: Mapping };

export interface OutboxHost {
  readonly clock: Clock;
  /** Broadcasts key `id`'s write now; calls `sent(second)` once it has left, with its wire time. */
  transmit(id: string, write: PendingWrite, sent: (second: number) => void): void;
}

interface Slot {
  /** The write waiting to go, if any. */
  write: PendingWrite | undefined;
  /** The second it goes at (the timestamp its record carries until then). */
  second: number;
  timer: TimerHandle | undefined;
  /** Handed to the mesh, which can hold a broadcast back (mesh-socket.ts flushBroadcasts). */
  inFlight: boolean;
}

export class Outbox {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly host: OutboxHost) {}

  /** The second a waiting write to `id` goes at; a new write to the key joins it. */
  plannedSecond(id: string): number | undefined {
    const slot = this.slots.get(id);
    return slot?.write === undefined ? undefined : slot.second;
  }

  /** Whether anything of `id`'s is waiting or on its way. */
  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** Sends `write` at `second` (or now, if that has come), or folds it into the write waiting. */
  add(id: string, write: PendingWrite, second: number): void {
    let slot = this.slots.get(id);
    if (slot?.write !== undefined) {
      slot.write = combine(slot.write, write);
      return;
    }
    if (!slot) this.slots.set(id, (slot = { write: undefined, second, timer: undefined, inFlight: false }));
    slot.write = write;
    slot.second = second;
    // While a send is on its way, the next one waits for its wire time (see `sent`).
    if (!slot.inFlight) this.arm(id, slot);
  }

  /** Our waiting write to `id` lost to a record from elsewhere: it would lose on the wire too. */
  cancel(id: string): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.disarm(slot);
    slot.write = undefined;
    if (!slot.inFlight) this.slots.delete(id);
  }

  close(): void {
    for (const slot of this.slots.values()) this.disarm(slot);
    this.slots.clear();
  }

  private arm(id: string, slot: Slot): void {
    const wait = slot.second * 1000 - this.host.clock.now();
    if (slot.second <= unixSeconds(this.host.clock)) {
      this.fire(id, slot);
      return;
    }
    slot.timer = this.host.clock.setTimeout(() => {
      slot.timer = undefined;
      this.fire(id, slot);
    }, wait);
  }

  private disarm(slot: Slot): void {
    if (slot.timer !== undefined) this.host.clock.clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  private fire(id: string, slot: Slot): void {
    const write = slot.write;
    if (write === undefined) return;
    slot.write = undefined;
    slot.inFlight = true;
    this.host.transmit(id, write, (second) => this.sent(id, slot, second));
  }

  private sent(id: string, slot: Slot, second: number): void {
    slot.inFlight = false;
    if (this.slots.get(id) !== slot) return; // closed meanwhile
    if (slot.write === undefined) {
      this.slots.delete(id);
      return;
    }
    slot.second = Math.max(slot.second, second + 1);
    this.arm(id, slot);
  }
}

/** Two writes of one key as one: a store carries the whole record, so it absorbs a delta. */
function combine(first: PendingWrite, next: PendingWrite): PendingWrite {
  if (first.kind === 'store' || next.kind === 'store') return { kind: 'store' };
  return { kind: 'delta', mapping: mergeMapping(first.mapping, next.mapping) };
}
