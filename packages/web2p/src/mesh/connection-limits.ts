/**
 * The caps that keep many or slow connections from exhausting a node (issue 16): incoming
 * connections, connections still handshaking, bytes of incomplete frames across all connections, the
 * rate a frame must arrive at once it has been pending a while, and each connection's budget of
 * messages, bytes and answers (peer-budget.ts). The ConnectionManager asks; this says yes, or drops
 * the offender through the manager with a PeerLimitError.
 *
 * A peer over its message or byte rate, or over its share of a lagging node's time, is pushed back,
 * not cut short (PROTOCOL.md §14.17): its link is paused (read-gate.ts) until its budget has
 * refilled, and what it had already sent is handled, so an honest fast peer loses nothing and a
 * flooder only waits. Only where the link cannot pause (a data channel) are its frames over the rate
 * discarded, counted, and the peer dropped far over it.
 */
import { PeerLimitError } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { Link } from '../transport/types.js';
import type { ConnectionRecord } from './connection-record.js';
import { STALLED_FRAME_MS } from './constants.js';
import type { DebugLog } from './debug.js';
import type { NodeLimits } from './node-limits.js';
import { NodeLoad } from './node-load.js';
import { PeerBudget } from './peer-budget.js';
import type { ReadGate } from './read-gate.js';

export interface ConnectionLimitsHost {
  readonly clock: Clock;
  readonly debug: DebugLog;
  readonly limits: NodeLimits;
  /** Pauses and resumes links (shared with fair-reading.ts). */
  readonly gate: ReadGate;
  /** Drops `record` (through the ConnectionManager, the only writer of records). */
  drop(record: ConnectionRecord, error: PeerLimitError): void;
  /** Tells the user (the socket's 'error' event). */
  report(error: PeerLimitError): void;
}

/** One connection's share: its budget and the frame it is in the middle of. */
interface Share {
  readonly budget: PeerBudget;
  /** Bytes it holds in incomplete frames. */
  partial: number;
  /** When its current incomplete frame began, and bytes of it received since. */
  frameStartedAt: number;
  frameBytes: number;
  /** Set while its link is paused for its budget: reading resumes when this fires. */
  resumeTimer: TimerHandle | undefined;
  /** Times its link was paused for its budget, and frames discarded over it (links that cannot pause). */
  pauses: number;
  discarded: number;
}

/** How often a connection ran into its rate (PeerStats). */
export interface Throttling {
  readPauses: number;
  discarded: number;
}

export class ConnectionLimits {
  private readonly shares = new Map<ConnectionRecord, Share>();
  /** The connections in the middle of a frame: the few the slow-frame rule looks at. */
  private readonly midFrame = new Set<ConnectionRecord>();
  private incoming = 0;
  private partialBytes = 0;
  /** Whether the node lags, from every turn's length (node-load.ts). */
  private readonly load: NodeLoad;

  constructor(private readonly host: ConnectionLimitsHost) {
    this.load = new NodeLoad(host.clock, host.limits);
  }

  /**
   * Whether a link a peer opened may be taken in, given `halfOpen` connections still handshaking.
   * A refusal is reported here; the caller closes the link.
   */
  admitLink(link: Link, halfOpen: number): boolean {
    const { limits } = this.host;
    const who = link.remoteAddress ?? 'a peer';
    let error: PeerLimitError | undefined;
    if (this.incoming >= limits.maxIncoming) {
      error = new PeerLimitError('incoming-connections', who, `already ${this.incoming} incoming connections`);
    } else if (halfOpen >= limits.maxHalfOpen) {
      error = new PeerLimitError('half-open', who, `already ${halfOpen} connections waiting for their handshake`);
    }
    if (!error) return true;
    this.host.debug.print(1, () => error.message);
    this.host.report(error);
    return false;
  }

  adopted(record: ConnectionRecord): void {
    if (!record.outgoing) this.incoming++;
    const budget = new PeerBudget(this.host.clock, this.host.limits);
    this.shares.set(record, { budget, partial: 0, frameStartedAt: 0, frameBytes: 0, resumeTimer: undefined, pauses: 0, discarded: 0 });
  }

  forgotten(record: ConnectionRecord): void {
    const share = this.shares.get(record);
    if (!share) return;
    this.shares.delete(record);
    this.midFrame.delete(record);
    if (share.resumeTimer !== undefined) this.host.clock.clearTimeout(share.resumeTimer);
    this.host.gate.forget(record.link);
    if (!record.outgoing) this.incoming--;
    this.partialBytes -= share.partial;
  }

  /**
   * The frame reader of `record` took `bytes` and now holds `buffered` bytes of an incomplete
   * frame: counts them, and drops the connection holding the most when all together are over the cap.
   */
  received(record: ConnectionRecord, bytes: number, buffered: number): void {
    const share = this.shares.get(record);
    if (!share) return;
    if (buffered === 0) {
      if (share.partial > 0) this.midFrame.delete(record);
      share.frameBytes = 0;
    } else if (share.partial === 0 || buffered < share.partial) {
      this.midFrame.add(record);
      share.frameStartedAt = this.host.clock.now();
      share.frameBytes = buffered;
    } else share.frameBytes += bytes;
    this.partialBytes += buffered - share.partial;
    share.partial = buffered;
    if (this.partialBytes <= this.host.limits.maxPartialFrameBytes) return;
    let largest = record;
    for (const [other, { partial }] of this.shares) if (partial > this.shares.get(largest)!.partial) largest = other;
    this.fail(
      largest,
      new PeerLimitError('partial-frames', String(largest), `incomplete frames held ${this.partialBytes} bytes, over ${this.host.limits.maxPartialFrameBytes}; this one held the most`),
    );
  }

  /**
   * Charges a frame body before it is decoded; false when it is to be discarded. Over its rate, a
   * peer's link is paused until the rate allows it again, and this frame (already read) is handled;
   * a link that cannot pause has it discarded, and a peer far over its rate is dropped.
   */
  admitFrame(record: ConnectionRecord, bodyBytes: number): boolean {
    const share = this.shares.get(record);
    if (!share) return true;
    const paused = share.resumeTimer !== undefined;
    const admission = share.budget.admit(bodyBytes, paused);
    // Paused already: this frame was read before the pause took hold; it is handled, and its cost
    // lengthens the pause (PeerBudget.admit).
    if (admission === 'accept' || paused) return true;
    const { limits } = this.host;
    const rate = `${limits.peerMessagesPerSecond} messages and ${limits.peerBytesPerSecond} bytes a second`;
    if (this.pause(record, share, rate)) return true;
    if (admission === 'drop') {
      this.fail(record, new PeerLimitError('rate', String(record), `it kept sending far over ${rate}`));
      return false;
    }
    share.discarded++;
    if (share.budget.over === 1) {
      // Said once per episode: the peer is over its rate and what it sends now is discarded.
      this.host.report(new PeerLimitError('rate', String(record), `over ${rate}: its messages are discarded until it slows down, not dropped yet`));
    }
    return false;
  }

  /**
   * A turn of `record`'s frames took `ms` of the node's time, after waiting `lagMs` for the event
   * loop (fair-reading.ts; 0 for a turn taken as its bytes arrived). While the node lags
   * (node-load.ts), that time is charged to the peer's time budget, and a peer over it is paused
   * like one over its message rate.
   */
  turnTook(record: ConnectionRecord, ms: number, lagMs: number): void {
    const share = this.shares.get(record);
    if (!this.load.turn(ms, lagMs) || !share || !share.budget.chargeTime(ms)) return;
    if (share.resumeTimer === undefined) this.pause(record, share, `${this.host.limits.peerHandlingMsPerSecond} ms of this node's time a second`);
  }

  /** Holds `record`'s link until its budget refills; false when the link cannot pause. */
  private pause(record: ConnectionRecord, share: Share, rate: string): boolean {
    if (!this.host.gate.hold(record.link, 'budget')) return false;
    share.pauses++;
    this.host.debug.print(1, () => `${record} is over ${rate}: not reading it for ${Math.ceil(share.budget.msUntilWithin())} ms`);
    this.resumeWhenWithin(record, share);
    return true;
  }

  /** Reads `record` again once its budget has refilled (frames handled while paused cost more time). */
  private resumeWhenWithin(record: ConnectionRecord, share: Share): void {
    share.resumeTimer = this.host.clock.setTimeout(
      () => {
        if (share.budget.msUntilWithin() > 0) return this.resumeWhenWithin(record, share);
        share.resumeTimer = undefined;
        this.host.gate.release(record.link, 'budget');
      },
      Math.max(1, Math.ceil(share.budget.msUntilWithin())),
    );
  }

  /**
   * `record`'s link reads again after `pausedMs` paused by us: the frame it is in the middle of is
   * timed as if it began that much later, so our own backpressure never makes it look slow.
   */
  resumed(record: ConnectionRecord, pausedMs: number): void {
    const share = this.shares.get(record);
    if (share && this.midFrame.has(record)) share.frameStartedAt = Math.min(this.host.clock.now(), share.frameStartedAt + pausedMs);
  }

  /** How often `record` ran into its rate. */
  throttling(record: ConnectionRecord): Throttling {
    const share = this.shares.get(record);
    return { readPauses: share?.pauses ?? 0, discarded: share?.discarded ?? 0 };
  }

  /** Charges what a compressed body inflated to beyond its compressed size. */
  inflated(record: ConnectionRecord, compressed: number, inflated: number): void {
    if (inflated > compressed) this.shares.get(record)?.budget.chargeBytes(inflated - compressed);
  }

  /** Whether `record` may be sent an answer of `bytes` now (a resend, a sync record answering its own). */
  mayAnswer(record: ConnectionRecord, bytes: number): boolean {
    const allowed = this.shares.get(record)?.budget.answer(bytes) ?? false;
    if (!allowed) this.host.debug.print(1, () => `not answering ${record}: over ${this.host.limits.answerBytesPerSecond} bytes of answers a second`);
    return allowed;
  }

  /**
   * Drops connections that have been mid-frame for STALLED_FRAME_MS at less than
   * minFrameBytesPerSecond on average: the time counts from the frame's first byte, so trickling
   * one byte now and then does not keep a half-frame alive.
   */
  dropSlowFrames(): void {
    const now = this.host.clock.now();
    const { minFrameBytesPerSecond } = this.host.limits;
    for (const record of [...this.midFrame]) {
      if (this.host.gate.held(record.link)) continue; // its silence is our pause
      const share = this.shares.get(record)!;
      const elapsed = now - share.frameStartedAt;
      if (elapsed < STALLED_FRAME_MS) continue;
      const rate = (share.frameBytes * 1000) / elapsed;
      if (rate >= minFrameBytesPerSecond) continue;
      this.fail(record, new PeerLimitError('slow-frame', String(record), `a frame has been arriving at ${Math.round(rate)} bytes/s for ${Math.round(elapsed / 1000)} s`));
    }
  }

  private fail(record: ConnectionRecord, error: PeerLimitError): void {
    this.host.debug.print(0, () => error.message);
    this.host.report(error);
    this.host.drop(record, error);
    // The record lives on until its link has closed (a graceful close can take seconds); what it
    // held of a frame need not.
    record.reader.discard();
  }
}
