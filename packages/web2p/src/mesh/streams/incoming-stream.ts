/**
 * A stream coming in, as the 'stream' event hands it to the user: its bytes as a ReadableStream
 * (pulled: nothing is handed on before the reader asks), `bytes()` for the whole thing, and
 * 'progress' events as bytes arrive. Credit goes back to the sender as the reader takes bytes, so a
 * slow reader slows the sender and at most one window of bytes waits here.
 */
import { Emitter } from '../../runtime/emitter.js';
import { StreamError } from '../../errors.js';
import { concatBytes } from '../../wire/packet.js';
import type { Connection } from '../connection.js';
import { ACK_EVERY_WINDOW_FRACTION } from './constants.js';

/** The events of an incoming stream. */
export type IncomingStreamEvents = {
  /** Bytes arrived: `received` in all so far (never decreasing), of `size` when the sender knew it. */
  progress: (received: number, size: number | undefined) => void;
};

/** What the stream service does for an incoming stream: grant credit, tell the sender we stopped. */
export interface IncomingStreamLink {
  /** The reader took `consumed` bytes in all: the sender may go on to `consumed + window`. */
  ack(consumed: number): void;
  /** The reader cancelled (`reason` as given to `readable.cancel()`). */
  cancel(reason: unknown): void;
  /** The last byte was read (the final ack went out): forget the stream. */
  finished(): void;
}

/**
 * A stream a peer sent with `sendStream`, as the socket's 'stream' event hands it over.
 *
 * @example
 * ```ts
 * sock.on('stream', async (stream) => {
 *   stream.on('progress', (received, size) => console.log(`${received} of ${size ?? '?'} bytes`));
 *   const bytes = await stream.bytes(); // or read stream.readable, for streams too large to hold
 * });
 * ```
 */
export class IncomingStream extends Emitter<IncomingStreamEvents> {
  /**
   * The bytes as they come, in order. Errors with AbortError when the sender aborts, with
   * StreamPeerLeftError when it leaves; cancelling it rejects the sender's `sendStream`.
   */
  readonly readable: ReadableStream<Uint8Array>;
  private arrivedBytes = 0;
  private consumed = 0;
  private lastAck = 0;
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private done = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** A pull waiting for bytes. */
  private arrived: (() => void) | undefined;

  /** @internal made by the stream service */
  constructor(
    /** The sender's node id. */
    readonly from: string,
    /** What the sender called it (a file name…); '' if nothing. */
    readonly label: string,
    /** Total bytes, when the sender knew it up front. */
    readonly size: number | undefined,
    /** @internal */ readonly id: string,
    /** @internal the neighbour this stream's frames come through */ readonly hop: Connection,
    /** @internal the credit window granted */ readonly window: number,
    private readonly link: IncomingStreamLink,
  ) {
    super();
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.pull(),
        cancel: (reason) => {
          if (this.done) return;
          this.done = true;
          this.queue.length = 0;
          this.link.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Bytes arrived so far (the last 'progress' value). */
  get received(): number {
    return this.arrivedBytes;
  }

  /**
   * Reads the whole stream into one array. Holds it all in memory: for large streams read
   * `readable` instead.
   */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    const reader = this.readable.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
    return concatBytes(parts);
  }

  /** @internal A data frame's bytes. Throws StreamError when the sender overran its window. */
  push(bytes: Uint8Array): void {
    if (this.ended) throw new StreamError(`stream ${this.id}: data after its end`);
    if (this.arrivedBytes + bytes.length - this.consumed > this.window) {
      throw new StreamError(`stream ${this.id}: the sender overran its ${this.window}-byte window`, 'window');
    }
    if (this.done) return; // cancelled: the sender is being told
    this.arrivedBytes += bytes.length;
    this.queue.push(bytes);
    this.emit('progress', this.arrivedBytes, this.size);
    this.wakePull();
  }

  /** @internal The sender sent `total` bytes in all and is done. */
  end(total: number): void {
    if (this.ended || total !== this.arrivedBytes) throw new StreamError(`stream ${this.id}: end at ${total} bytes, ${this.arrivedBytes} arrived`);
    this.ended = true;
    this.wakePull();
  }

  /** @internal The stream failed: the reader gets `error`. */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.controller.error(error);
    this.wakePull();
  }

  private async pull(): Promise<void> {
    while (!this.done && this.queue.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.arrived = resolve));
    if (this.done) return;
    const bytes = this.queue.shift();
    if (bytes) {
      this.controller.enqueue(bytes);
      this.consumed += bytes.length;
    }
    const finished = this.ended && this.queue.length === 0;
    // Credit goes back after every share of the window, and whenever the reader has caught up: a
    // relay may have lowered the window the sender sees (stream-relays.ts), and a sender waiting for
    // credit must get it once everything it sent has been read.
    const caughtUp = this.queue.length === 0 && this.consumed > this.lastAck;
    if (finished || caughtUp || this.consumed - this.lastAck >= this.window / ACK_EVERY_WINDOW_FRACTION) {
      this.lastAck = this.consumed;
      this.link.ack(this.consumed);
    }
    if (finished) {
      this.done = true;
      this.controller.close();
      this.link.finished();
    }
  }

  private wakePull(): void {
    const arrived = this.arrived;
    this.arrived = undefined;
    arrived?.();
  }
}
