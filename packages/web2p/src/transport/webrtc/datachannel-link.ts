import { ConnectionClosedError } from '../../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/clock.js';
import type { Link, LinkFingerprints, LinkHandlers, LinkStats } from '../types.js';
import type { DataChannel, PeerConnection } from './rtc-types.js';
import {
  CHUNK_BYTES,
  CLOSE_ACK,
  CLOSE_LINGER_MS,
  CLOSE_REQUEST,
  HIGH_WATER_BYTES,
  LARGE_CHUNK_BYTES,
  LOW_WATER_BYTES,
  PROBE,
  PROBE_ANSWER,
  PROBE_SILENCE_MS,
} from './constants.js';

export type { PeerConnection } from './rtc-types.js';

/** The tunable sizes of a link; defaults in constants.ts. */
export interface DataChannelLinkLimits {
  chunkBytes: number;
  highWaterBytes: number;
  lowWaterBytes: number;
}

export interface DataChannelLinkOptions extends Partial<DataChannelLinkLimits> {
  outgoing: boolean;
  remoteAddress?: string | undefined;
  /** The node id the signals named (Link.peerId). */
  peerId?: string | undefined;
  /**
   * Both DTLS fingerprints, from the SDPs the negotiation set. Not read back from the connection
   * when the channel opens: Chromium may open it while `remoteDescription` still reads as null or
   * without its fingerprint, and the link would then be without them (no bound proof, and the
   * peer's refused).
   */
  fingerprints?: LinkFingerprints | undefined;
  /**
   * What the channel delivered before the link took it over, in order (simple-peer keeps what
   * arrives between the channel opening and its 'connect'): read before anything after it.
   */
  received?: readonly Uint8Array[] | undefined;
  /** For the linger after a local close; default the system clock. */
  clock?: Clock;
}

/** Our frames travel as binary messages; text other than the close and probe messages is judged as bytes by the frame decoder. */
const textEncoder = new TextEncoder();

/**
 * What a flush at the end of the task hangs on. `queueMicrotask` would do the same, but in Chromium
 * it cost 12–70 µs a call (a binding that wraps its callback), `then` on a settled promise 0.3 µs,
 * and a send that waits for its flush is every whisper's round trip.
 */
const settled = Promise.resolve();

/**
 * A `Link` over one open, ordered, reliable RTCDataChannel. The link owns the peer connection:
 * when it ends, for whatever reason, it closes the channel and the connection. Close it with
 * `close()` rather than `peerConnection.close()`: browsers fire no event for a local `pc.close()`,
 * so the link would not learn of it.
 *
 * `close()` is graceful, with its own two text messages after the data (CLOSE_REQUEST, answered by
 * CLOSE_ACK): a closing data channel cannot be trusted to deliver what it had buffered, since
 * node-datachannel loses it (its issues #188 and #375) and a peer-connection close loses it anywhere.
 *
 * `send()` keeps a reference to `bytes` until they are handed to the channel, as Node's
 * `stream.write()` does: do not modify them afterwards.
 */
export class DataChannelLink implements Link {
  readonly outgoing: boolean;
  readonly remoteAddress: string | undefined;
  readonly peerId: string | undefined;
  /** Only web2p speaks over WebRTC. */
  readonly peerIsWeb2p = true;
  readonly peerConnection: PeerConnection;
  readonly #channel: DataChannel;
  readonly #chunkBytes: number;
  readonly #highWaterBytes: number;
  readonly #clock: Clock;
  /** Removes every listener at once when the connection is torn down. */
  readonly #listening = new AbortController();

  /** Sends not yet wholly handed to the channel, oldest at `#head`, its first `#headOffset` bytes gone. */
  #queue: Uint8Array[] = [];
  #head = 0;
  #headOffset = 0;
  #queuedBytes = 0;
  /** A flush is due at the end of this task (see send()). */
  #flushQueued = false;
  /** The end-of-task flush, made once: a closure per send would cost an allocation each. */
  readonly #flushAtTaskEnd = (): void => {
    this.#flushQueued = false;
    this.#flush();
  };

  #handlers: LinkHandlers | undefined;
  /** Messages that arrived before `attach()`. */
  #held: Uint8Array[] = [];
  /** Over for the user: nothing more is delivered or sent. */
  #ended = false;
  #endError: Error | undefined;
  #closeReported = false;
  /** We closed and are sending the rest of the queue, then CLOSE_REQUEST, then awaiting CLOSE_ACK. */
  #closing = false;
  #closeRequestSent = false;
  #linger: TimerHandle | undefined;
  /** Set while a liveness probe waits for a sign of the peer. */
  #probe: TimerHandle | undefined;
  #tornDown = false;

  /**
   * Both DTLS certificate fingerprints, from the two SDPs, as whoever negotiated the connection
   * captured them (DataChannelLinkOptions.fingerprints). The identity proof signs them
   * (mesh/identity-proof.ts).
   */
  readonly fingerprints: LinkFingerprints | undefined;

  /** `channel` must be open; the link takes over its `binaryType` and `bufferedAmountLowThreshold`. */
  constructor(channel: DataChannel, peerConnection: PeerConnection, options: DataChannelLinkOptions) {
    this.outgoing = options.outgoing;
    this.remoteAddress = options.remoteAddress;
    this.peerId = options.peerId;
    this.peerConnection = peerConnection;
    this.fingerprints = options.fingerprints;
    this.#channel = channel;
    this.#clock = options.clock ?? systemClock;
    this.#highWaterBytes = options.highWaterBytes ?? HIGH_WATER_BYTES;
    // The peer says how large a message it takes (a=max-message-size); without word, 64 KiB is safe.
    const peerMax = peerConnection.sctp?.maxMessageSize;
    const known = typeof peerMax === 'number' && peerMax > 0;
    const chunkBytes = options.chunkBytes ?? (known ? LARGE_CHUNK_BYTES : CHUNK_BYTES);
    this.#chunkBytes = known ? Math.min(chunkBytes, peerMax) : chunkBytes;

    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = options.lowWaterBytes ?? LOW_WATER_BYTES;
    for (const bytes of options.received ?? []) this.#receive(bytes);
    const signal = this.#listening.signal;
    channel.addEventListener('message', (event) => this.#receive(event.data), { signal });
    channel.addEventListener('bufferedamountlow', () => this.#drained(), { signal });
    channel.addEventListener('close', () => this.#hungUp(undefined), { signal });
    channel.addEventListener(
      'error',
      (event) => this.#hungUp(new ConnectionClosedError(`the WebRTC data channel failed: ${describe(event)}`)),
      { signal },
    );
    peerConnection.addEventListener(
      'connectionstatechange',
      () => {
        const state = peerConnection.connectionState;
        if (state === 'failed') {
          this.#hungUp(new ConnectionClosedError('the WebRTC connection failed (ICE or DTLS lost the peer); reconnect'));
        } else if (state === 'closed') {
          this.#hungUp(undefined);
        }
      },
      { signal },
    );
  }

  get bufferedAmount(): number {
    return this.#ended ? 0 : this.#queuedBytes + this.#channel.bufferedAmount;
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    const held = this.#held;
    this.#held = [];
    for (const bytes of held) {
      // A handler may close the link; nothing is delivered after its close callback.
      if (this.#closeReported) return;
      handlers.data(bytes);
    }
    if (this.#ended) this.#reportClose();
  }

  /**
   * Sends `bytes`: on an idle link the task's first send at once, the rest together when the task
   * ends (a microtask), so small frames sent one after another are joined into one data-channel
   * message (PROTOCOL.md §14.12): a message costs the engine far more than its bytes, and 100 bytes
   * of payload took ~214 bytes framed alone. A large frame still goes as a view, without a copy.
   * Past the high-water mark everything waits for the channel to drain.
   */
  send(bytes: Uint8Array): void {
    if (this.#ended || bytes.byteLength === 0) return;
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.byteLength;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // On an idle link the task's first send leaves at once: held to the task's end, a reply would
    // wait for all the work after it (the rest of its handler, the reading's bookkeeping), on every
    // round trip. A busy link (bytes queued here or in the channel) joins it with the rest.
    if (this.#queuedBytes === bytes.byteLength && this.#channel.bufferedAmount === 0) this.#flush();
    void settled.then(this.#flushAtTaskEnd);
  }

  /**
   * Ends the link for its user at once (the close callback runs, nothing more is delivered or sent),
   * and gracefully on the wire: what was sent before still reaches the peer (the handshake that
   * tells a peer of another protocol why we hang up, the last message before a socket closes),
   * followed by CLOSE_REQUEST. The connection is closed when the peer acknowledges it or hangs up,
   * or after CLOSE_LINGER_MS without progress.
   */
  close(): void {
    if (this.#ended) return;
    this.#closing = true;
    this.#end(undefined);
    this.#restartLinger();
    this.#flush();
  }

  /** Ends at once for both sides: what is queued is discarded, the channel and connection closed. */
  abort(): void {
    this.#hungUp(undefined);
  }

  /**
   * A data channel has no read pause (Link.pause): the engine drains SCTP's receive window into
   * 'message' events whatever we do. The mesh bounds such a peer by discarding over its budget.
   */
  pause(): boolean {
    return false;
  }

  resume(): void {}

  /** The selected ICE pair's route, candidate types and round-trip time; empty once closed or unknown. */
  async stats(): Promise<LinkStats> {
    if (this.#ended) return {};
    // Loaded the first time an app asks (sock.stats()): a bundle that never asks leaves it out (issue 20).
    const { routeOf, selectedPair } = await import('./selected-candidate.js');
    const pair = await selectedPair(this.peerConnection).catch(() => undefined);
    return pair ? { route: routeOf(pair.types), candidates: pair.types, rttMs: pair.rttMs } : {};
  }

  /**
   * Checks that the peer is still there, for when something else (the signaling server) says it
   * left: the link closes with ConnectionClosedError unless, within PROBE_SILENCE_MS, the peer
   * answers, sends anything, or takes bytes of ours; each of those restarts the wait. A probe
   * already under way carries on.
   */
  probe(): void {
    if (this.#ended || this.#probe !== undefined) return;
    this.#sendQuietly(PROBE);
    this.#armProbe();
  }

  /** Hands chunks to the channel, in order, until its buffer reaches the high-water mark. */
  #flush(): void {
    try {
      while (
        this.#queuedBytes > 0 &&
        this.#channel.readyState === 'open' &&
        this.#channel.bufferedAmount < this.#highWaterBytes
      ) {
        // Our bytes never live in a SharedArrayBuffer, which is all the DOM type rules out.
        this.#channel.send(this.#nextChunk() as Uint8Array<ArrayBuffer>);
      }
      if (this.#closing && this.#queuedBytes === 0 && !this.#closeRequestSent) {
        this.#closeRequestSent = true;
        this.#channel.send(CLOSE_REQUEST);
      }
    } catch (error) {
      const reason = describe(error);
      const refused = new ConnectionClosedError(`the WebRTC data channel refused a message: ${reason}`, { cause: error });
      // Reported once the current call returns: a flush may run inside the app's send(), which
      // must not run the close's handlers (the peer gone, 'disconnect') before it returns.
      void settled.then(() => this.#hungUp(refused));
    }
  }

  /**
   * The channel's buffer ran low, so the peer is taking our bytes: refill it. While closing, that is
   * progress, so the linger restarts; while probing, it is a sign of life.
   */
  #drained(): void {
    if (this.#closing) this.#restartLinger();
    this.#heardFromPeer();
    this.#flush();
    this.#handlers?.drain?.();
  }

  /**
   * Up to one chunk from the front of the queue. Small sends that waited behind one another are
   * joined into one message (one copy): a data-channel message costs far more than its bytes, so
   * under backpressure this is what keeps many small frames fast. A lone or large send goes as a view.
   */
  #nextChunk(): Uint8Array {
    // Non-null: the caller checked that bytes are queued, so the head exists.
    const headLeft = this.#queue[this.#head]!.byteLength - this.#headOffset;
    if (headLeft >= this.#chunkBytes || headLeft === this.#queuedBytes) return this.#take(this.#chunkBytes);
    const chunk = new Uint8Array(Math.min(this.#chunkBytes, this.#queuedBytes));
    for (let filled = 0; filled < chunk.byteLength; ) {
      const piece = this.#take(chunk.byteLength - filled);
      chunk.set(piece, filled);
      filled += piece.byteLength;
    }
    return chunk;
  }

  /**
   * Removes up to `max` bytes from the front of the queue: the oldest send itself when it goes
   * whole, else a view into it (a view costs microseconds in Chromium: wire/message.ts).
   */
  #take(max: number): Uint8Array {
    const head = this.#queue[this.#head]!;
    const end = Math.min(this.#headOffset + max, head.byteLength);
    const piece = this.#headOffset === 0 && end === head.byteLength ? head : head.subarray(this.#headOffset, end);
    this.#queuedBytes -= piece.byteLength;
    if (end < head.byteLength) {
      this.#headOffset = end;
    } else {
      this.#advance();
    }
    return piece;
  }

  /** Drops the finished head; the array is compacted so a queue that never empties stays bounded. */
  #advance(): void {
    this.#head += 1;
    this.#headOffset = 0;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #receive(data: ArrayBuffer | ArrayBufferView | string): void {
    if (data === PROBE_ANSWER) {
      this.#stopProbe();
      return;
    }
    this.#heardFromPeer();
    if ((typeof data === 'string' && this.#control(data)) || this.#ended) return;
    const bytes = toBytes(data);
    if (this.#handlers) {
      this.#handlers.data(bytes);
    } else {
      this.#held.push(bytes);
    }
  }

  /** Acts on one of our text control messages (true), or leaves other text to the frame decoder (false). */
  #control(text: string): boolean {
    switch (text) {
      case PROBE:
        this.#sendQuietly(PROBE_ANSWER);
        return true;
      case CLOSE_REQUEST:
        // Everything the peer sent is here. Say so, even while closing ourselves (both may close at once).
        this.#sendQuietly(CLOSE_ACK);
        if (!this.#closing) this.#hungUp(undefined);
        return true;
      case CLOSE_ACK:
        if (this.#closing) this.#tearDown(); // the peer has everything we sent
        return true;
      default:
        return false;
    }
  }

  /** The peer hung up, acknowledged our close, or the link failed: nothing more can pass. */
  #hungUp(error: Error | undefined): void {
    this.#end(error);
    this.#tearDown();
  }

  /** Over for the user: the close reported once (or on attach), nothing delivered after it. */
  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    if (this.#handlers) this.#reportClose();
  }

  #tearDown(): void {
    if (this.#tornDown) return;
    this.#tornDown = true;
    if (this.#linger !== undefined) this.#clock.clearTimeout(this.#linger);
    this.#stopProbe();
    this.#listening.abort();
    this.#queue = [];
    this.#head = 0;
    this.#headOffset = 0;
    this.#queuedBytes = 0;
    this.#channel.close();
    this.peerConnection.close();
  }

  #restartLinger(): void {
    if (this.#linger !== undefined) this.#clock.clearTimeout(this.#linger);
    this.#linger = this.#clock.setTimeout(() => this.#tearDown(), CLOSE_LINGER_MS);
  }

  /** While a probe waits, a sign of the peer restarts its silence timer. */
  #heardFromPeer(): void {
    if (this.#probe !== undefined) this.#armProbe();
  }

  #armProbe(): void {
    if (this.#probe !== undefined) this.#clock.clearTimeout(this.#probe);
    this.#probe = this.#clock.setTimeout(() => {
      this.#probe = undefined;
      this.#hungUp(new ConnectionClosedError(`the WebRTC peer is gone: silent for ${PROBE_SILENCE_MS} ms after a liveness probe`));
    }, PROBE_SILENCE_MS);
  }

  #stopProbe(): void {
    if (this.#probe !== undefined) this.#clock.clearTimeout(this.#probe);
    this.#probe = undefined;
  }

  /** A control message that may find the channel already closing; then the peer needs it no more. */
  #sendQuietly(text: string): void {
    try {
      if (this.#channel.readyState === 'open') this.#channel.send(text);
    } catch {
      // the channel closed under us: the peer has hung up, which tells it all this would have
    }
  }

  #reportClose(): void {
    if (this.#closeReported) return;
    this.#closeReported = true;
    this.#handlers?.close(this.#endError);
  }
}

/** node-datachannel may hand over a Uint8Array (or Buffer) view; wrap it without copying. */
function toBytes(data: ArrayBuffer | ArrayBufferView | string): Uint8Array {
  if (typeof data === 'string') return textEncoder.encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** A readable reason from an RTCErrorEvent or a thrown value. */
function describe(reason: unknown): string {
  const error = reason instanceof Event && 'error' in reason ? reason.error : reason;
  return error instanceof Error ? error.message : String(error);
}
