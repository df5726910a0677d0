/**
 * Streams this node carries for others (a hop of a route, mesh-routes.ts). A relay passes each
 * frame to the other neighbour of the pair and keeps the same books as the ends: the window (which
 * it lowers to RELAY_WINDOW_BYTES on the accept it passes back, so each stream costs it at most
 * that), the bytes passed on, the reader's credit. A sender that overruns the window, or any frame
 * against the rules, cancels the stream both ways and drops the neighbour that sent it, so what a
 * relay holds for others stays bounded by MAX_RELAYED_STREAMS × RELAY_WINDOW_BYTES.
 */
import { FrameError } from '../../errors.js';
import type { Connection } from '../connection.js';
import { MAX_STREAM_WINDOW_BYTES, RELAY_WINDOW_BYTES } from './constants.js';
import { encodeStreamFrame, whisper, type StreamFrame } from './stream-messages.js';

interface Relayed {
  /** The neighbour towards the sender, and towards the receiver. */
  readonly up: Connection;
  readonly down: Connection;
  opened: boolean;
  window: number | undefined;
  /** Payload bytes passed towards the receiver, and the credit passed back. */
  data: number;
  acked: number;
  ended: boolean;
}

export class StreamRelays {
  private readonly relayed = new Map<string, Relayed>();

  constructor(
    /** Streams carried at once (MAX_RELAYED_STREAMS by default). */
    private readonly maxRelayed: number,
  ) {}

  has(id: string): boolean {
    return this.relayed.has(id);
  }

  get size(): number {
    return this.relayed.size;
  }

  /** A route through us was set up; false when we carry as many as we may. */
  add(id: string, up: Connection, down: Connection): boolean {
    if (this.relayed.size >= this.maxRelayed || this.relayed.has(id)) return false;
    this.relayed.set(id, { up, down, opened: false, window: undefined, data: 0, acked: 0, ended: false });
    return true;
  }

  /** Passes a frame of a relayed stream on. Throws FrameError (after cancelling both ways) when it breaks the rules. */
  forward(frame: StreamFrame, from: Connection): void {
    const entry = this.relayed.get(frame.id)!;
    const fromSender = from === entry.up;
    if (!fromSender && from !== entry.down) return; // a third neighbour using a route id it saw in a probe
    const next = fromSender ? entry.down : entry.up;
    try {
      frame = this.check(entry, frame, fromSender);
    } catch (error) {
      this.cut(frame.id, 'protocol', String(error));
      throw error;
    }
    whisper(next, encodeStreamFrame(frame));
    const over = frame.kind === 'cancel' || (frame.kind === 'ack' && entry.ended && entry.acked === entry.data);
    if (over) this.relayed.delete(frame.id);
  }

  /** A neighbour left: every stream through it is cut, and the other side is told. */
  peerDown(peerId: string): void {
    for (const [id, entry] of this.relayed) {
      if (entry.up.id === peerId || entry.down.id === peerId) this.cut(id, 'peer-left', `${peerId} left`);
    }
  }

  /** Cancels a relayed stream towards both neighbours (the one that left or misbehaved does not get it). */
  private cut(id: string, code: 'peer-left' | 'protocol', text: string): void {
    const entry = this.relayed.get(id);
    if (!entry) return;
    this.relayed.delete(id);
    for (const conn of [entry.up, entry.down]) if (!conn.closed) whisper(conn, encodeStreamFrame({ kind: 'cancel', id, code, text }));
  }

  /** The frame to pass on (an accept with the window lowered), after checking it against the books. */
  private check(entry: Relayed, frame: StreamFrame, fromSender: boolean): StreamFrame {
    const bad = (why: string): never => {
      throw new FrameError(`relayed stream ${frame.id}: ${why}`);
    };
    if (frame.kind === 'cancel') return frame;
    if (fromSender !== (frame.kind === 'open' || frame.kind === 'data' || frame.kind === 'end')) bad(`${frame.kind} from the wrong side`);
    switch (frame.kind) {
      case 'open':
        if (entry.opened) bad('opened twice');
        entry.opened = true;
        return frame;
      case 'accept': {
        if (entry.window !== undefined) bad('accepted twice');
        if (frame.window > MAX_STREAM_WINDOW_BYTES) bad(`window ${frame.window} over ${MAX_STREAM_WINDOW_BYTES}`);
        entry.window = Math.min(frame.window, RELAY_WINDOW_BYTES);
        return { ...frame, window: entry.window };
      }
      case 'data':
        if (entry.window === undefined || entry.ended) bad('data outside the stream');
        if (entry.data + frame.bytes.length - entry.acked > entry.window!) bad(`the sender overran the ${entry.window}-byte window`);
        entry.data += frame.bytes.length;
        return frame;
      case 'end':
        if (entry.ended || frame.total !== entry.data) bad(`end at ${frame.total} bytes, ${entry.data} passed`);
        entry.ended = true;
        return frame;
      case 'ack':
        if (frame.consumed < entry.acked || frame.consumed > entry.data) bad(`ack of ${frame.consumed} outside ${entry.acked}..${entry.data}`);
        entry.acked = frame.consumed;
        return frame;
    }
  }
}
