/**
 * Streams of any size between two nodes of the mesh (PROTOCOL.md §14.10): `sendStream` on one side,
 * the 'stream' event on the other. The bytes go in chunks well under the frame limit, never more
 * than the receiver's window ahead of its reader (credit comes back as it reads), straight to a
 * neighbour or along a route found through the mesh (mesh-routes.ts) whose relays keep the same
 * books (stream-relays.ts). Either side can stop: the sender with an AbortSignal, the receiver by
 * cancelling its readable; a departure on the way ends the stream at both ends with a typed error.
 */
import {
  AbortError,
  FrameError,
  SocketClosedError,
  StreamCancelledError,
  StreamError,
  StreamIdCollisionError,
  StreamPeerLeftError,
  StreamRefusedError,
  TimeoutError,
} from '../../errors.js';
import { toHex } from '../../wire/packet.js';
import type { Connection } from '../connection.js';
import type { Message } from '../message.js';
import type { MeshContext, Service } from '../service.js';
import {
  MAX_INCOMING_STREAMS,
  MAX_INCOMING_STREAMS_PER_PEER,
  MAX_RELAYED_STREAMS,
  MAX_STREAM_LABEL_CHARS,
  MAX_STREAM_WINDOW_BYTES,
  STREAM_CHUNK_BYTES,
  STREAM_OPEN_TIMEOUT_MS,
  STREAM_WINDOW_BYTES,
} from './constants.js';
import { IncomingStream } from './incoming-stream.js';
import { MeshRoutes } from './mesh-routes.js';
import { OutgoingStream } from './outgoing-stream.js';
import { decodeStreamFrame, encodeStreamFrame, STREAM_SUBFLAG, whisper, type CancelCode, type StreamFrame } from './stream-messages.js';
import { StreamRelays } from './stream-relays.js';
import { streamSource, type StreamData } from './stream-source.js';

/** The socket option `streams`: how this node sends and receives streams. */
export interface StreamOptions {
  /** Payload bytes per data frame. Default 64 KiB (STREAM_CHUNK_BYTES). */
  chunkBytes?: number;
  /** Unread bytes a sender may have in flight to us, per stream. Default 1 MiB; at most 16 MiB. */
  windowBytes?: number;
  /** How long a sender waits for a route and the receiver's accept. Default 15 s. */
  openTimeoutMs?: number;
  /** Streams coming in at once, from all senders (each holds up to a window). Default 64. */
  maxIncoming?: number;
  /** Streams coming in at once from one sender. Default 8. */
  maxIncomingPerPeer?: number;
  /** Streams this node carries for others at once (each up to 1 MiB queued). Default 32. */
  maxRelayed?: number;
}

/** The options of `sock.sendStream(to, data, options)`. */
export interface SendStreamOptions {
  /** Shown to the receiver as `stream.label` (a file name…); at most 1024 chars. */
  label?: string;
  /** Stops the stream: the promise rejects with AbortError and the receiver's readable errors with one. */
  signal?: AbortSignal;
  /** Called as the receiver's reader takes bytes: `delivered` in all (never decreasing), of `size` when known. */
  onProgress?: (delivered: number, size: number | undefined) => void;
}

export class StreamService implements Service {
  readonly name = 'streams';
  readonly subFlags = [STREAM_SUBFLAG];
  /** Finds paths to non-neighbours; a service of its own (its sub-flag), registered next to this one. */
  readonly routes: MeshRoutes;
  private mesh!: MeshContext;
  private readonly relays: StreamRelays;
  private readonly outgoing = new Map<string, OutgoingStream>();
  private readonly incoming = new Map<string, IncomingStream>();
  private readonly chunkBytes: number;
  private readonly windowBytes: number;
  private readonly openTimeoutMs: number;
  private readonly maxIncoming: number;
  private readonly maxIncomingPerPeer: number;

  constructor(
    options: StreamOptions,
    /** Whether anyone listens for 'stream' (else incoming streams are refused, not left hanging). */
    private readonly hasListener: () => boolean,
  ) {
    this.chunkBytes = options.chunkBytes ?? STREAM_CHUNK_BYTES;
    this.windowBytes = options.windowBytes ?? STREAM_WINDOW_BYTES;
    this.openTimeoutMs = options.openTimeoutMs ?? STREAM_OPEN_TIMEOUT_MS;
    this.maxIncoming = options.maxIncoming ?? MAX_INCOMING_STREAMS;
    this.maxIncomingPerPeer = options.maxIncomingPerPeer ?? MAX_INCOMING_STREAMS_PER_PEER;
    this.relays = new StreamRelays(options.maxRelayed ?? MAX_RELAYED_STREAMS);
    if (!(this.chunkBytes > 0) || !(this.windowBytes >= 1 && this.windowBytes <= MAX_STREAM_WINDOW_BYTES)) {
      throw new RangeError(`streams: chunkBytes must be positive and windowBytes within 1..${MAX_STREAM_WINDOW_BYTES}`);
    }
    this.routes = new MeshRoutes(this.openTimeoutMs, (id, up, down) => !this.inUse(id) && this.relays.add(id, up, down));
  }

  start(mesh: MeshContext): void {
    this.mesh = mesh;
  }

  /** Sends `data` to `to` (see MeshSocket.sendStream). */
  async send(to: string, data: StreamData, options: SendStreamOptions = {}): Promise<void> {
    const { signal, label = '' } = options;
    if (this.mesh.closed) throw new SocketClosedError();
    if (label.length > MAX_STREAM_LABEL_CHARS) throw new RangeError(`a stream label is at most ${MAX_STREAM_LABEL_CHARS} chars`);
    if (to === this.mesh.id) throw new RangeError('sendStream: cannot stream to this node itself');
    if (signal?.aborted) throw new AbortError(signal.reason);
    const source = streamSource(data, this.chunkBytes);
    const id = toHex(this.mesh.random.bytes(16));
    const hop = await this.routes.find(to, id, signal);
    if (hop.closed) throw new StreamPeerLeftError(to); // it left while the route was being found
    const stream = new OutgoingStream(id, to, hop, (delivered) => options.onProgress?.(delivered, source.size));
    this.outgoing.set(id, stream);
    const onAbort = (): void => this.stopOutgoing(stream, 'abort', new AbortError(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = this.mesh.clock.setTimeout(
      () => stream.fail(new TimeoutError(`${to} did not accept the stream within ${this.openTimeoutMs} ms`)),
      this.openTimeoutMs,
    );
    try {
      whisper(hop, encodeStreamFrame({ kind: 'open', id, from: this.mesh.id, to, label, size: source.size }));
      await stream.until(() => stream.window !== undefined);
      this.mesh.clock.clearTimeout(deadline);
      const nextChunk = () => stream.orFailure(source.chunks.next());
      for (let next = await nextChunk(); !next.done; next = await nextChunk()) {
        // A window smaller than our chunks (a relay may lower it) cuts them smaller still.
        for (let at = 0; at < next.value.length; ) {
          const bytes = next.value.subarray(at, at + stream.window!);
          await stream.until(() => stream.fits(bytes.length));
          whisper(hop, encodeStreamFrame({ kind: 'data', id, bytes }));
          stream.sent += bytes.length;
          at += bytes.length;
        }
      }
      whisper(hop, encodeStreamFrame({ kind: 'end', id, total: stream.sent }));
      stream.ended = true;
      await stream.until(() => stream.delivered);
    } catch (error) {
      // Our source failed (or we did): the receiver must not wait for the rest.
      if (!stream.failure) this.stopOutgoing(stream, 'abort', error instanceof Error ? error : new StreamError(String(error)));
      void source.chunks.return?.().catch(() => {}); // not awaited: a source stuck in a read would hold us
      throw stream.failure ?? error;
    } finally {
      this.mesh.clock.clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      this.outgoing.delete(id);
    }
  }

  handle(msg: Message, conn: Connection): void {
    const frame = decodeStreamFrame(msg.wire.payload);
    if (this.relays.has(frame.id)) return this.relays.forward(frame, conn);
    if (frame.kind === 'open') return this.open(frame, conn);
    const outgoing = this.outgoing.get(frame.id);
    const incoming = this.incoming.get(frame.id);
    try {
      if (outgoing?.hop === conn) this.toSender(outgoing, frame);
      else if (incoming?.hop === conn) this.toReceiver(incoming, frame);
      else this.mesh.debug.print(3, () => `stream frame ${frame.kind} for unknown stream ${frame.id.slice(0, 8)} ignored`);
    } catch (error) {
      // Against the rules: the stream ends at both ends, and the neighbour is dropped (FrameError).
      if (!(error instanceof StreamError)) throw error;
      if (outgoing) this.stopOutgoing(outgoing, error.code === 'window' ? 'window' : 'protocol', error);
      if (incoming) this.stopIncoming(incoming, error.code === 'window' ? 'window' : 'protocol', error);
      throw new FrameError(error.message);
    }
  }

  peerDown(peerId: string): void {
    this.relays.peerDown(peerId);
    for (const stream of this.outgoing.values()) if (stream.hop.id === peerId) stream.fail(new StreamPeerLeftError(stream.to));
    for (const stream of this.incoming.values()) {
      if (stream.hop.id === peerId) this.stopIncoming(stream, undefined, new StreamPeerLeftError(stream.from));
    }
  }

  /** Every stream ends; the other ends are told now rather than when the connection drops. */
  stop(): void {
    this.routes.stop();
    for (const stream of this.outgoing.values()) this.stopOutgoing(stream, 'closed', new SocketClosedError());
    for (const stream of this.incoming.values()) this.stopIncoming(stream, 'closed', new SocketClosedError());
  }

  private inUse(id: string): boolean {
    return this.relays.has(id) || this.outgoing.has(id) || this.incoming.has(id);
  }

  private open(frame: Extract<StreamFrame, { kind: 'open' }>, conn: Connection): void {
    const { id, from, to } = frame;
    const arrival = this.routes.takeArrival(id);
    const refuse = (code: CancelCode, text: string): void => {
      this.mesh.debug.print(2, () => `stream ${id.slice(0, 8)} from ${from} refused: ${text}`);
      whisper(conn, encodeStreamFrame({ kind: 'cancel', id, code, text }));
    };
    if (to !== this.mesh.id || (conn.id !== from && arrival !== conn)) throw new FrameError(`stream open from ${conn.id} for ${to} on no route`);
    if (this.inUse(id)) return refuse('collision', `stream id ${id} is in use here`);
    if (!this.hasListener()) return refuse('refused', "nobody listens for 'stream' there");
    let fromPeer = 0;
    for (const stream of this.incoming.values()) if (stream.from === from) fromPeer++;
    if (fromPeer >= this.maxIncomingPerPeer || this.incoming.size >= this.maxIncoming) {
      return refuse('refused', `too many streams open (at most ${this.maxIncomingPerPeer} per sender, ${this.maxIncoming} in all)`);
    }
    const stream: IncomingStream = new IncomingStream(from, frame.label, frame.size, id, conn, this.windowBytes, {
      ack: (consumed) => whisper(conn, encodeStreamFrame({ kind: 'ack', id, consumed })),
      cancel: (reason) => this.stopIncoming(stream, 'cancel', undefined, reason),
      finished: () => this.incoming.delete(id),
    });
    this.incoming.set(id, stream);
    whisper(conn, encodeStreamFrame({ kind: 'accept', id, window: this.windowBytes }));
    this.mesh.emit('stream', stream);
  }

  /** A frame from the receiver of one of our streams. */
  private toSender(stream: OutgoingStream, frame: StreamFrame): void {
    switch (frame.kind) {
      case 'accept':
        if (frame.window > MAX_STREAM_WINDOW_BYTES) throw new StreamError(`window ${frame.window} over ${MAX_STREAM_WINDOW_BYTES}`);
        return stream.accepted(frame.window);
      case 'ack':
        return stream.took(frame.consumed);
      case 'cancel':
        this.outgoing.delete(stream.id);
        return stream.fail(senderError(frame, stream.to));
      default:
        throw new StreamError(`${frame.kind} from the receiver`);
    }
  }

  /** A frame from the sender of a stream coming to us. */
  private toReceiver(stream: IncomingStream, frame: StreamFrame): void {
    switch (frame.kind) {
      case 'data':
        return stream.push(frame.bytes);
      case 'end':
        return stream.end(frame.total);
      case 'cancel':
        return this.stopIncoming(stream, undefined, receiverError(frame, stream.from));
      default:
        throw new StreamError(`${frame.kind} from the sender`);
    }
  }

  /** Ends one of our streams with `error`, telling the receiver (`code`). */
  private stopOutgoing(stream: OutgoingStream, code: CancelCode, error: Error): void {
    if (stream.failure || !this.outgoing.has(stream.id)) return;
    stream.fail(error);
    this.outgoing.delete(stream.id);
    if (!stream.hop.closed) whisper(stream.hop, encodeStreamFrame({ kind: 'cancel', id: stream.id, code, text: error.message }));
  }

  /** Ends a stream coming to us: its reader gets `error` (none when it cancelled), the sender `code` (none when it ended it). */
  private stopIncoming(stream: IncomingStream, code: CancelCode | undefined, error?: Error, reason?: unknown): void {
    if (!this.incoming.delete(stream.id)) return;
    if (error) stream.fail(error);
    if (code && !stream.hop.closed) {
      const text = code === 'cancel' ? (reason === undefined ? '' : String(reason instanceof Error ? reason.message : reason)) : (error?.message ?? '');
      whisper(stream.hop, encodeStreamFrame({ kind: 'cancel', id: stream.id, code, text: text.slice(0, MAX_STREAM_LABEL_CHARS) }));
    }
  }
}

/** What the sender's promise rejects with when the receiver's side cancels. */
function senderError(frame: Extract<StreamFrame, { kind: 'cancel' }>, to: string): Error {
  switch (frame.code) {
    case 'cancel':
      return new StreamCancelledError(frame.text || undefined);
    case 'refused':
      return new StreamRefusedError(frame.text);
    case 'collision':
      return new StreamIdCollisionError(frame.id);
    case 'peer-left':
    case 'closed':
      return new StreamPeerLeftError(to);
    default:
      return new StreamError(`the stream to ${to} was cut (${frame.code}): ${frame.text}`, frame.code);
  }
}

/** What the receiver's readable errors with when the sender's side cancels. */
function receiverError(frame: Extract<StreamFrame, { kind: 'cancel' }>, from: string): Error {
  switch (frame.code) {
    case 'abort':
      return new AbortError(frame.text || undefined);
    case 'peer-left':
    case 'closed':
      return new StreamPeerLeftError(from);
    default:
      return new StreamError(`the stream from ${from} was cut (${frame.code}): ${frame.text}`, frame.code);
  }
}
