/**
 * The bytes all send queues hold together, for the node-wide cap (NodeLimits.maxTotalSendQueueBytes):
 * each queue is bounded on its own (send-queue.ts), but several neighbours that stop reading would
 * each fill theirs.
 *
 * What is counted is the frames the queues keep alive. A frame is one buffer however many queues it
 * was handed to: a broadcast is framed once (wire/frame.ts `frameOf` caches it on the message, one
 * buffer per compression method) and Node's sockets, ws and our data-channel link keep a reference
 * to it, not a copy. So a frame counts once, from when a queue took it until its last byte left the
 * last queue holding it. A queue's bytes leave in order (the pacer, then the link, first in first
 * out), so a queue's frames are released oldest first as its `queuedBytes` falls. Not counted: the
 * copies a data channel holds in its own buffer (at most its high-water mark, 1 MiB a link) and what
 * a graceful close still delivers after the connection is gone.
 */
import { LINK_FRAME_ALLOWANCE_BYTES } from './constants.js';

/** One queue's frames, oldest first, until the bytes queued for its peer say they have left. */
export class HeldFrames {
  #frames: Uint8Array[] = [];
  /** For each frame, the queue's accepted bytes up to and including it. */
  #ends: number[] = [];
  #head = 0;
  /** Bytes the queue accepted since it was made. */
  #accepted = 0;

  constructor(
    private readonly total: SendQueueTotal,
    /** The queue's bytes not yet sent (SendQueue.queuedBytes). */
    private readonly queuedBytes: () => number,
  ) {}

  /**
   * The queue took `frame` (already handed on: it may have left at once), and holds `queuedBytes`
   * with it. Settling here and when the link drains keeps the frames that left from being pinned by
   * this list: past the last send it holds at most what was still queued then, until the next drain.
   */
  add(frame: Uint8Array, queuedBytes: number): void {
    this.#accepted += frame.byteLength;
    this.total.acceptedBytes += frame.byteLength + LINK_FRAME_ALLOWANCE_BYTES;
    // Nothing held before and nothing queued now: the link took the frame at once (a TCP socket's
    // write). Holding and settling it would count it in and straight out again, so skip both.
    if (queuedBytes === 0 && this.#head === this.#frames.length) return;
    this.#frames.push(frame);
    this.#ends.push(this.#accepted);
    this.total.hold(frame, this);
    this.settle(queuedBytes);
  }

  /** Releases the frames whose last byte left (`queuedBytes`: the queue's now, if the caller has read it). */
  settle(queuedBytes = this.queuedBytes()): void {
    const left = this.#accepted - queuedBytes;
    while (this.#head < this.#frames.length && this.#ends[this.#head]! <= left) this.total.release(this.#frames[this.#head++]!);
    // Released frames leave the arrays once they are half of them: O(1) a frame, as the pacer does.
    // Emptied in place, as after most sends (a frame the link took at once): no new arrays then.
    if (this.#head === this.#frames.length) this.#clear();
    else if (this.#head * 2 >= this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#ends = this.#ends.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The queue was stopped: nothing it held will be sent. */
  releaseAll(): void {
    while (this.#head < this.#frames.length) this.total.release(this.#frames[this.#head++]!);
    this.#clear();
  }

  #clear(): void {
    this.#frames.length = 0;
    this.#ends.length = 0;
    this.#head = 0;
    this.total.emptied(this);
  }
}

export class SendQueueTotal {
  /** How many queues hold each frame. */
  readonly #holders = new Map<Uint8Array, number>();
  /** Queues holding frames, settled when the total is read. */
  readonly #queues = new Set<HeldFrames>();
  /** Bytes of the frames in #holders; some may have left since their queue last settled. */
  #bytes = 0;
  /**
   * Bytes the queues ever took, each queue's copy of a frame counted, with what its link may add
   * (LINK_FRAME_ALLOWANCE_BYTES): only grows, for the socket's backlog bound (send-backlog.ts).
   * Counted by HeldFrames.add, also for frames that left at once and were never held.
   */
  acceptedBytes = 0;

  constructor(
    /** NodeLimits.maxTotalSendQueueBytes. */
    readonly maxBytes: number,
  ) {}

  /** Frame bytes the send queues hold now, each frame once. */
  get bytes(): number {
    for (const queue of this.#queues) queue.settle();
    return this.#bytes;
  }

  /**
   * Whether the queues hold more than the cap. Settling only lowers the count, so while the count
   * not settled is within the cap (the usual case) this costs nothing per queue.
   */
  get over(): boolean {
    return this.#bytes > this.maxBytes && this.bytes > this.maxBytes;
  }

  /** A fresh queue's frames, released as `queuedBytes` falls. */
  track(queuedBytes: () => number): HeldFrames {
    return new HeldFrames(this, queuedBytes);
  }

  hold(frame: Uint8Array, queue: HeldFrames): void {
    const count = this.#holders.get(frame) ?? 0;
    if (count === 0) this.#bytes += frame.byteLength;
    this.#holders.set(frame, count + 1);
    this.#queues.add(queue);
  }

  release(frame: Uint8Array): void {
    const count = this.#holders.get(frame)! - 1;
    if (count > 0) {
      this.#holders.set(frame, count);
      return;
    }
    this.#holders.delete(frame);
    this.#bytes -= frame.byteLength;
  }

  emptied(queue: HeldFrames): void {
    this.#queues.delete(queue);
  }
}
