/**
 * Round-robin reading (issue 16, PROTOCOL.md §14.17): at most `framesPerTurn` frames of one connection are handled in
 * one task; the rest of what it sent waits for a later task, its link paused (read-gate.ts), so the
 * frames of other peers, which arrive as tasks of their own, are read in between. On a node too slow
 * for a flood, the flooder thus gets one turn among the others instead of all the node's time, and
 * TCP pushes back on it for what we do not read. Links that cannot pause (a data channel) are read
 * whole, as they arrive: each of their messages is a task of its own already.
 *
 * Each turn is timed on the injected clock, with how long it waited for the event loop; the
 * connection's budget charges that time while the node lags (connection-limits.ts).
 */
import type { Clock } from '../runtime/clock.js';
import type { ConnectionRecord } from './connection-record.js';
import type { NodeLimits } from './node-limits.js';
import type { ReadGate } from './read-gate.js';

export interface FairReadingHost {
  readonly clock: Clock;
  readonly limits: Pick<NodeLimits, 'framesPerTurn'>;
  readonly gate: ReadGate;
  /** Handles one frame (FrameReader.pushFrames); throws on bad input. */
  handle(record: ConnectionRecord, frame: Uint8Array): void;
  /** A frame threw: the connection is to be dropped. */
  failed(record: ConnectionRecord, error: unknown): void;
  /** A turn of `record` took `ms`, after waiting `lagMs` for its task (0 for a turn taken at once). */
  turnTook(record: ConnectionRecord, ms: number, lagMs: number): void;
}

/** Frames read from one connection and not handled yet. */
interface Waiting {
  readonly frames: Uint8Array[];
  next: number;
  /** When its next turn was asked for. */
  since: number;
}

export class FairReading {
  private readonly waiting = new Map<ConnectionRecord, Waiting>();
  /** Turns that ended with frames left for later, since the socket started. */
  yields = 0;

  constructor(private readonly host: FairReadingHost) {}

  /**
   * Frames just read from `record`, at `readAt` on the clock (the caller's reading of it for the
   * same bytes: one read fewer per chunk; the turn then counts framing them too): handled now, up
   * to one turn's worth.
   */
  take(record: ConnectionRecord, frames: Uint8Array[], readAt: number): void {
    const waiting = this.waiting.get(record);
    if (waiting) waiting.frames.push(...frames);
    else this.timedTurn(record, frames, 0, 0, readAt);
  }

  forget(record: ConnectionRecord): void {
    this.waiting.delete(record);
  }

  private timedTurn(record: ConnectionRecord, frames: Uint8Array[], from: number, lagMs: number, started: number): void {
    this.turn(record, frames, from);
    if (!record.closed) this.host.turnTook(record, this.host.clock.now() - started, lagMs);
  }

  private turn(record: ConnectionRecord, frames: Uint8Array[], from: number): void {
    const { framesPerTurn } = this.host.limits;
    try {
      for (let i = from; i < frames.length; i++) {
        if (record.closed) return;
        if (i - from === framesPerTurn && this.host.gate.hold(record.link, 'turn')) {
          this.waiting.set(record, { frames, next: i, since: this.host.clock.now() });
          this.yields++;
          this.host.clock.setTimeout(() => this.nextTurn(record), 0);
          return;
        }
        this.host.handle(record, frames[i]!);
      }
    } catch (error) {
      this.host.failed(record, error);
    }
  }

  private nextTurn(record: ConnectionRecord): void {
    const waiting = this.waiting.get(record);
    if (!waiting) return;
    this.waiting.delete(record);
    if (record.closed) return;
    const now = this.host.clock.now();
    this.timedTurn(record, waiting.frames, waiting.next, now - waiting.since, now);
    if (!this.waiting.has(record)) this.host.gate.release(record.link, 'turn');
  }
}
