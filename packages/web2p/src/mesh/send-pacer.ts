/**
 * Sender-side pacing (issue 16, PROTOCOL.md §14.19): we never send a neighbour more than its budget
 * admits (peer-budget.ts, relay-budget.ts). A data channel cannot pause its reading, so a receiver
 * discards what arrives over its budget and the sender is never told; pacing on our side makes the
 * budget a wait instead of a loss. Frames over the pace wait here, in order, and count as queued
 * bytes (send-queue.ts), so `send()` returns false and 'drain' follows as for any backpressure.
 *
 * The receiver's budget is taken to be ours (the peers of one app share one configuration), with
 * a margin (PACE_RATE_SHARE, PACE_BURST_SHARE) for what the network bunches up on the way.
 * Broadcasts are also paced to the receiver's relay budget: it passes on at most that many of
 * ours, so an honest broadcaster's messages reach past the first hop. A relay of someone else's
 * broadcast that would wait longer than MAX_PACED_RELAY_WAIT_MS is skipped instead (the receiver
 * would have to be sent more than it admits from us: several neighbours relay into it at once),
 * when the neighbour it came from has at least its fair share of the relays waiting: a neighbour
 * flooding us within its own budget fills the wait, and only its own relays are skipped, while an
 * honest neighbour's few still queue behind it (later, not lost).
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { NodeLimits } from './node-limits.js';
import { MAX_PACED_RELAY_WAIT_MS, PACE_BURST_SHARE, PACE_RATE_SHARE } from './constants.js';

/** What one frame costs the receiver's budget. */
export interface PaceCost {
  /** Bytes it charges (inflated msgpack: the larger of the frame and its body with its id). */
  readonly bytes: number;
  /** A broadcast: charged to the receiver's relay budget too. */
  readonly broadcast: boolean;
  /** Someone else's broadcast we relay, by the connection it came from: skipped rather than held long (see above). */
  readonly relayFrom: object | undefined;
}

/** The budget terms a pacer keeps to: the receiver's rates and bursts (NodeLimits fields). */
export type PaceTerms = Pick<
  NodeLimits,
  'peerMessagesPerSecond' | 'peerMessageBurst' | 'relayMessagesPerSecond' | 'relayMessageBurst' | 'peerBytesPerSecond' | 'peerByteBurst'
>;

interface Waiting {
  readonly frame: Uint8Array;
  readonly cost: PaceCost;
}

export class SendPacer {
  private readonly messages: TokenBucket;
  private readonly broadcasts: TokenBucket;
  private readonly bytes: TokenBucket;
  private waiting: Waiting[] = [];
  private head = 0;
  private waitingBroadcasts = 0;
  /** Relays waiting, by the connection each came from (for the fair share). */
  private readonly waitingRelays = new Map<object, number>();
  private waitingRelayCount = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** Bytes of frames waiting for the pace. */
  waitingBytes = 0;
  /** Relays skipped because the pace would have held them too long, since the link opened. */
  skippedRelays = 0;

  constructor(
    private readonly clock: Clock,
    terms: PaceTerms,
    /** Hands a frame to the link. */
    private readonly out: (frame: Uint8Array) => void,
    /** Frames waiting left for the link (backpressure progressed: send-backlog.ts). */
    private readonly released: () => void,
  ) {
    this.messages = bucket(clock, terms.peerMessagesPerSecond, terms.peerMessageBurst);
    this.broadcasts = bucket(clock, terms.relayMessagesPerSecond, terms.relayMessageBurst);
    this.bytes = bucket(clock, terms.peerBytesPerSecond, terms.peerByteBurst);
  }

  /** Sends `frame` now or when the pace allows; false when it is a relay skipped instead. */
  send(frame: Uint8Array, cost: PaceCost): boolean {
    if (this.stopped) return true;
    if (this.head === this.waiting.length && this.take(cost)) {
      this.out(frame);
      return true;
    }
    const from = cost.relayFrom;
    if (from !== undefined && this.waitMs(cost) > MAX_PACED_RELAY_WAIT_MS && this.overShare(from)) {
      this.skippedRelays++;
      return false;
    }
    this.waiting.push({ frame, cost });
    this.waitingBytes += frame.byteLength;
    if (cost.broadcast) this.waitingBroadcasts++;
    if (from !== undefined) {
      this.waitingRelays.set(from, (this.waitingRelays.get(from) ?? 0) + 1);
      this.waitingRelayCount++;
    }
    this.schedule();
    return true;
  }

  /** Whether relays from `from` are at least their fair share of those waiting. */
  private overShare(from: object): boolean {
    return (this.waitingRelays.get(from) ?? 0) * this.waitingRelays.size >= this.waitingRelayCount;
  }

  /** Hands everything waiting to the link at once (a graceful close delivers what was sent). */
  flush(): void {
    for (let i = this.head; i < this.waiting.length; i++) this.out(this.waiting[i]!.frame);
    this.stop();
  }

  /** The link ended: nothing more is sent. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = [];
    this.head = 0;
    this.waitingBytes = 0;
    this.waitingBroadcasts = 0;
    this.waitingRelays.clear();
    this.waitingRelayCount = 0;
  }

  /** Spends `cost` if every bucket covers it (a frame over the byte burst goes once the bucket is full). */
  private take(cost: PaceCost): boolean {
    const bytes = Math.min(cost.bytes, this.bytes.burst);
    if (this.messages.balance < 1 || this.bytes.balance < bytes || (cost.broadcast && this.broadcasts.balance < 1)) return false;
    this.messages.charge(1);
    this.bytes.charge(cost.bytes);
    if (cost.broadcast) this.broadcasts.charge(1);
    return true;
  }

  private relayLeft(from: object | undefined): void {
    if (from === undefined) return;
    const count = this.waitingRelays.get(from)! - 1;
    if (count === 0) this.waitingRelays.delete(from);
    else this.waitingRelays.set(from, count);
    this.waitingRelayCount--;
  }

  /** About how long a frame queued now would wait: behind everything waiting, at the pace. */
  private waitMs(cost: PaceCost): number {
    const ahead = this.waiting.length - this.head;
    const messages = this.messages.msUntil(ahead + 1);
    return cost.broadcast ? Math.max(messages, this.broadcasts.msUntil(this.waitingBroadcasts + 1)) : messages;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.head === this.waiting.length) return;
    const { cost } = this.waiting[this.head]!;
    const ms = Math.max(this.messages.msUntil(1), this.bytes.msUntil(Math.min(cost.bytes, this.bytes.burst)), cost.broadcast ? this.broadcasts.msUntil(1) : 0);
    this.timer = this.clock.setTimeout(() => this.pump(), Math.max(1, Math.ceil(ms)));
  }

  /** Sends what the pace allows now, in order, and waits for the rest. */
  private pump(): void {
    this.timer = undefined;
    if (this.stopped) return;
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      if (!this.take(next.cost)) break;
      this.head++;
      this.waitingBytes -= next.frame.byteLength;
      if (next.cost.broadcast) this.waitingBroadcasts--;
      this.relayLeft(next.cost.relayFrom);
      this.out(next.frame);
    }
    // Sent frames leave the array once they are half of it: O(1) a frame, at most twice the memory.
    if (this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.schedule();
    this.released();
  }
}

/** A bucket at the paced share of a receiver's rate and burst (at least one message's worth). */
function bucket(clock: Clock, perSecond: number, burst: number): TokenBucket {
  return new TokenBucket(clock, perSecond * PACE_RATE_SHARE, Math.max(1, burst * PACE_BURST_SHARE));
}
