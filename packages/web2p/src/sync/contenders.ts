/**
 * Records refused because another node held the key's lease (admission.ts), kept until the lease
 * lapses. Two nodes may claim one key without hearing of each other (a race, or the two sides of a
 * partition); each side then refuses the other's claim while its own holder's lease lasts. Keeping
 * the best refused record per key, and merging it once the holder's lease has lapsed, makes every
 * replica settle on the same record (the later claim, as merge.ts orders them) once the holders
 * stop renewing, instead of staying apart for good. One record and one timer per key at most.
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { compareRecords, type SyncRecord } from './merge.js';

export interface ContendersHost {
  readonly clock: Clock;
  /** When (clock ms) the lease on key `id` lapses for `contender`; undefined when it has. */
  leaseEndsAt(id: string, contender: SyncRecord): number | undefined;
  /** Merges a contender whose rival's lease has lapsed. */
  adopt(id: string, record: SyncRecord): void;
}

interface Waiting {
  record: SyncRecord;
  timer: TimerHandle | undefined;
}

export class Contenders {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly host: ContendersHost) {}

  /** Keeps `record`, refused for key `id`, unless a better one is kept already. */
  offer(id: string, record: SyncRecord): void {
    const kept = this.waiting.get(id);
    if (kept && compareRecords(record, kept.record) <= 0) return;
    if (kept?.timer !== undefined) this.host.clock.clearTimeout(kept.timer);
    const waiting = { record, timer: undefined };
    this.waiting.set(id, waiting);
    this.arm(id, waiting);
  }

  /** The owner of the record kept for `id`, if any. */
  ownerFor(id: string): string | undefined {
    return this.waiting.get(id)?.record.owner;
  }

  close(): void {
    for (const { timer } of this.waiting.values()) if (timer !== undefined) this.host.clock.clearTimeout(timer);
    this.waiting.clear();
  }

  /** Waits for the lease to lapse; a holder that renewed meanwhile makes it wait again. */
  private arm(id: string, waiting: Waiting): void {
    const endsAt = this.host.leaseEndsAt(id, waiting.record);
    if (endsAt === undefined) {
      this.waiting.delete(id);
      this.host.adopt(id, waiting.record);
      return;
    }
    waiting.timer = this.host.clock.setTimeout(() => this.arm(id, waiting), Math.max(0, endsAt - this.host.clock.now()));
  }
}
