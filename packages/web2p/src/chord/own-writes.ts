/**
 * The writer's side of chord's storage quota (issue 16): what this node's user has written to the
 * dict, so that a write that would take it past its quota is refused here, before it is sent,
 * rather than by the responsible node (which drops a writer it hears directly from over quota).
 * A deletion is counted, as the storing nodes count its tombstone, until the tombstone expires.
 */
import { QuotaExceededError } from '../errors.js';
import { limitOf, recordSize, WriterUsage, type QuotaLimits } from '../replica/quota.js';
import { tombstoneExpired } from '../replica/tombstones.js';
import { toHex, type Packet } from '../wire/packet.js';

/** The writer id this node counts its own records under (there is only one writer here). */
const SELF = 'self';

export class OwnWrites {
  private readonly usage: WriterUsage;
  /** Bytes of each key written here, by hex. */
  private readonly sizes = new Map<string, number>();
  /** Deleted keys by hex, with when; insertion order is deletion order, so expiry takes from the front. */
  private readonly deletions = new Map<string, number>();

  constructor(limits: QuotaLimits) {
    this.usage = new WriterUsage(limits);
  }

  /**
   * Throws QuotaExceededError (naming `writer`) when writing `value` at `key` (undefined: deleting
   * it) would take this node past its quota.
   */
  check(writer: string, key: Uint8Array, value: Packet | undefined, nowMs: number): void {
    this.expire(nowMs);
    const old = this.sizes.get(toHex(key));
    const over = this.usage.exceeded(SELF, recordSize(key, value), old === undefined ? undefined : { writer: SELF, bytes: old });
    if (over) throw new QuotaExceededError(writer, over, limitOf(this.usage.limits, over));
  }

  /** Counts a write the responsible node took (`value` undefined: a deletion). */
  wrote(key: Uint8Array, value: Packet | undefined, nowMs: number): void {
    const hex = toHex(key);
    const old = this.sizes.get(hex);
    if (old !== undefined) this.usage.count(SELF, old, -1);
    const bytes = recordSize(key, value);
    this.usage.count(SELF, bytes, 1);
    this.sizes.set(hex, bytes);
    this.deletions.delete(hex);
    if (value === undefined) this.deletions.set(hex, nowMs);
  }

  private expire(nowMs: number): void {
    for (const [hex, deletedAt] of this.deletions) {
      if (!tombstoneExpired(deletedAt, nowMs)) return;
      this.deletions.delete(hex);
      this.usage.count(SELF, this.sizes.get(hex)!, -1);
      this.sizes.delete(hex);
    }
  }
}
