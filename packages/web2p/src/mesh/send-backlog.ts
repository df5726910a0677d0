/**
 * Backpressure for the app: the bytes a socket holds for its peers and has not handed to the
 * network yet. It counts every open connection's send queue (send-queue.ts: the link's own queue
 * and, on WebRTC, the data channel's buffer) and the broadcasts the same-second rule holds back (broadcast-outbox.ts),
 * so "nothing is waiting" means nothing at all. `send()` reports the high mark being passed, 'drain'
 * fires when the bytes fall back to the low mark, and `whenWritable()` waits for a mark: the same
 * signal an app writes against a raw RTCDataChannel's `bufferedAmount`, for the whole socket.
 *
 * Links tell of progress through `LinkHandlers.drain`, the outbox when it lets held broadcasts go;
 * both call `progressed()`, which costs nothing while nobody waits.
 *
 * `afterSend()` runs on every send, and reading every queue (on WebRTC a call into the engine for
 * each channel's buffer) cost 1.5-2.4 µs of a whisper's send in Chromium. Held bytes only grow by
 * what is handed to a queue or the outbox, so the last figure read plus what was handed over since
 * bounds them from above: while that bound is within the high mark, so are the bytes, and nothing
 * is read. The queues are read when the bound passes the mark, and the bound starts again from there.
 */
import { SocketClosedError } from '../errors.js';
import { MIN_SEND_LOW_WATER_BYTES } from './constants.js';

export interface SendBacklogHost {
  /** The send queues bytes may be held in: every connection's not yet closed (send-queue.ts). */
  queues(): Iterable<{ readonly queuedBytes: number }>;
  /** Bytes of broadcasts waiting for the next second. */
  heldBroadcastBytes(): number;
  /**
   * Bytes ever handed to the send queues and the outbox, with what a link may add for each frame
   * (SendQueueTotal.acceptedBytes, BroadcastOutbox.pushedBytes): only grows, so the growth since the
   * queues were last read bounds what they took since.
   */
  handedBytes(): number;
  /** Emits the socket's 'drain' event. */
  drain(): void;
}

interface Waiter {
  mark: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class SendBacklog {
  /** A send passed the high mark, and 'drain' has not fired since. */
  #needDrain = false;
  #waiters: Waiter[] = [];
  #closed = false;
  /** `bytes` when last read, and `handedBytes()` just before: their sum bounds the bytes now. */
  #read = 0;
  #handedAtRead = 0;

  constructor(
    private readonly host: SendBacklogHost,
    readonly highWaterBytes: number,
    readonly lowWaterBytes: number,
  ) {}

  /** Bytes held for peers right now. */
  get bytes(): number {
    this.#handedAtRead = this.host.handedBytes();
    let total = this.host.heldBroadcastBytes();
    for (const queue of this.host.queues()) total += queue.queuedBytes;
    return (this.#read = total);
  }

  /** At least `bytes`, without reading the queues (see above). */
  get bound(): number {
    return this.#read + this.host.handedBytes() - this.#handedAtRead;
  }

  /** Called after each send: false once the high mark is passed ('drain' will follow). */
  afterSend(): boolean {
    if (this.bound <= this.highWaterBytes || this.bytes <= this.highWaterBytes) return true;
    this.#needDrain = true;
    return false;
  }

  /** Resolves once the held bytes are at `mark` or below (at once if they are already). */
  whenWritable(mark = this.lowWaterBytes): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosedError());
    const floor = Math.max(mark, MIN_SEND_LOW_WATER_BYTES);
    if (this.bytes <= floor) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ mark: floor, resolve, reject }));
  }

  /** Bytes left: settle the waiters whose mark is reached, and fire 'drain' when due. */
  progressed(): void {
    if (!this.#needDrain && this.#waiters.length === 0) return;
    const bytes = this.bytes;
    if (this.#waiters.length > 0) {
      const still: Waiter[] = [];
      for (const waiter of this.#waiters) {
        if (bytes <= waiter.mark) waiter.resolve();
        else still.push(waiter);
      }
      this.#waiters = still;
    }
    if (this.#needDrain && bytes <= Math.max(this.lowWaterBytes, MIN_SEND_LOW_WATER_BYTES)) {
      this.#needDrain = false;
      this.host.drain();
    }
  }

  /** The socket closed: whoever waits learns it will never be writable again. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new SocketClosedError());
  }
}
