/**
 * One connection's state, in one record: its phase, what the peer said in its handshake, the frame
 * reader for its byte stream, and what was last sent (for a peer's resend request). The
 * ConnectionManager owns every record and is the only writer; everything else gets the read-only
 * `view` (connection.ts).
 */
import type { Link, WireAddress } from '../transport/types.js';
import { chooseCompression, namesCompression, needsCodec } from '../wire/compression.js';
import { compressionLoaded } from '../wire/compression-loader.js';
import { compressionFor } from '../wire/compression-choice.js';
import { flags } from '../wire/flags.js';
import { FrameError } from '../errors.js';
import { decodeFramed, frameOf, FrameReader } from '../wire/frame.js';
import { createMessage, type WireMessage } from '../wire/message.js';
import type { Packet } from '../wire/packet.js';
import { HEADER_BYTES, ID_BYTES, type DecodeLimits } from '../wire/constants.js';
import type { Clock } from '../runtime/clock.js';
import { Connection } from './connection.js';
import type { NodeLimits } from './node-limits.js';
import { STR_DIALECT, type PeerDialect } from './peer-dialect.js';
import { SendQueue } from './send-queue.js';
import type { SendQueueTotal } from './send-queue-total.js';
import type { PaceTerms } from './send-pacer.js';

/**
 * handshaking: linked, the peer's handshake not yet in; open: in the routing table; closing: we hung
 * up and the link is delivering what was sent before (nothing more goes out); closed: the link
 * ended. The phase before a link exists, dialling, is the Dials registry's (dials.ts).
 */
export type ConnectionPhase = 'handshaking' | 'open' | 'closing' | 'closed';

/** What a connection needs from its socket to build and trace messages. */
export interface ConnectionOwner {
  readonly id: string;
  readonly compression: readonly number[];
  readonly clock: Clock;
  nowSeconds(): number;
  /** Called for every frame this connection sends (seen-cache, debug output). */
  traceSend(record: ConnectionRecord, message: WireMessage): void;
  readonly limits: Pick<NodeLimits, 'maxSendQueueBytes' | 'maxResendBytes'> & PaceTerms;
  /** The peer has not read what we queued for it, past limits.maxSendQueueBytes. */
  overflowed(record: ConnectionRecord): void;
  /** What every connection's queue holds together (send-queue-total.ts). */
  readonly sendQueueTotal: SendQueueTotal;
  /** The queues together hold more than limits.maxTotalSendQueueBytes. */
  overTotal(): void;
  /** Frames that waited for the pace left for the link (send-pacer.ts). */
  paced(): void;
}

export class ConnectionRecord {
  phase: ConnectionPhase = 'handshaking';
  /** The peer's node id, once its handshake arrived. */
  id: string | undefined;
  /** The peer's advertised [host, port] from its handshake. */
  addr: WireAddress | undefined;
  /** The peer's compression methods, in its order. */
  compression: readonly number[] = [];
  /**
   * The peer's methods before its last `renegotiate/compression`. py2p renegotiates to [] when it
   * cannot parse something and then resends a message still compressed the old way (§1.3), so a
   * body that fails with the new list is tried with this one before the peer is dropped.
   */
  previousCompression: readonly number[] | undefined;
  /** What the peer expects on the wire, from its handshake (peer-dialect.ts). */
  dialect: PeerDialect = STR_DIALECT;
  /**
   * Our handshake once it went out (at once when we dialled, in answer to the peer's otherwise),
   * kept for sending again as it went (ConnectionManager.onData).
   */
  ourHandshake: WireMessage | undefined;
  /**
   * Our handshake went out before anything came from the peer, on a link we accepted over WebRTC
   * (whose answering side speaks at once): it goes again with the peer's first bytes (ConnectionManager.onData).
   */
  spokeBeforeHeard = false;
  /**
   * A proof message that came before the peer's handshake on a WebRTC link we dialled: it waits for
   * the handshake, which the peer sends again (ConnectionManager.heldForHandshake). One at most.
   */
  earlyProof: readonly Packet[] | undefined;
  /** How far the peer's clock is ahead of ours (seconds), from the time its first handshake is dated (clock-skew.ts). */
  clockAheadSeconds = 0;
  /** Whether the peer proved its id on this link (identity-proof.ts); false for trust: 'legacy' peers. */
  proven = false;
  /** Whether the peer keeps us told of its neighbours (NEIGHBOUR_UPDATES_MARKER in its handshake). */
  announcesNeighbours = false;
  /** The peer's own neighbours, from its latest peer list; trusted only if it announces changes. */
  neighbours: ReadonlySet<string> | undefined;
  readonly reader: FrameReader;
  /** Virtual ms of the last bytes received, for the stalled-frame check. */
  lastDataAt: number;
  /** Virtual ms when it entered the routing table (ConnectionManager.install). */
  installedAt = 0;
  /**
   * The last whisper or broadcast sent here, for a peer's renegotiate/resend (PROTOCOL.md §1.3),
   * when it is no larger than limits.maxResendBytes (a large one is not kept pinned here).
   */
  lastSent: WireMessage | undefined;
  /** Frame bytes handed to the link and taken from it, for stats(). */
  bytesSent = 0;
  bytesReceived = 0;
  /**
   * Frames waiting, in order, for earlier work on this link to finish (the compression codec
   * loading, an asynchronous proof check: ConnectionManager.holdUntil), and their body bytes.
   * Undefined when nothing waits.
   */
  held: { frames: Uint8Array[]; bytes: number } | undefined;
  /** What we sent that the peer has not read yet (backpressure; bounded). */
  readonly queue: SendQueue;
  /** What handlers, events and services see. */
  readonly view: Connection;

  constructor(
    readonly link: Link,
    private readonly owner: ConnectionOwner,
    /** The id we dialled, when we dialled a known peer. */
    readonly expectedId: string | undefined,
    options: { maxFrameBytes: number; now: number },
  ) {
    this.reader = new FrameReader(options.maxFrameBytes);
    this.queue = new SendQueue(link, owner.limits.maxSendQueueBytes, owner.clock, owner.limits, owner.sendQueueTotal, () => owner.paced());
    this.lastDataAt = options.now;
    this.view = new Connection(this);
  }

  get outgoing(): boolean {
    return this.link.outgoing;
  }

  /** Hung up or lost: nothing more is sent or read. */
  get closed(): boolean {
    return this.phase === 'closing' || this.phase === 'closed';
  }

  send(flag: number, type: Packet, ...packets: Packet[]): void {
    this.sendMessage(createMessage(flag, this.owner.id, this.owner.nowSeconds(), [type, ...packets]));
  }

  /**
   * Sends an already-built message, compressed as this peer and we agreed (§1.3), at the pace the
   * peer's budget admits (send-pacer.ts). A relay (someone else's broadcast, `relayFrom` the
   * connection it came from) that the pace would hold too long may be skipped.
   */
  sendMessage(message: WireMessage, options: { uncompressed?: boolean; relayFrom?: ConnectionRecord } = {}): void {
    if (this.closed) return;
    const offered = options.uncompressed ? undefined : chooseCompression(this.owner.compression, this.compression);
    // Only asked for when it may be compressed: making the body's view costs (wire/message.ts).
    const method = offered === undefined ? undefined : compressionFor(message.body, offered);
    // Hash the id now unless this peer takes a whisper without it (§14.11): the frame carries it as is.
    if (method !== undefined || message.type !== flags.whisper || !this.takesUnhashedWhispers) void message.id;
    if (message.type !== flags.renegotiate) this.lastSent = message.bodyLength <= this.owner.limits.maxResendBytes ? message : undefined;
    this.owner.traceSend(this, message);
    const frame = frameOf(message, method);
    // What the receiver charges: the frame, or the body it inflates to with its id (§14.15).
    const cost = { bytes: Math.max(frame.byteLength, ID_BYTES + message.bodyLength), broadcast: message.type === flags.broadcast, relayFrom: options.relayFrom };
    const outcome = this.queue.send(frame, cost);
    if (outcome !== 'skipped') this.bytesSent += frame.byteLength;
    if (outcome === 'overflowing') this.owner.overflowed(this);
    else if (outcome === 'queued' && this.owner.sendQueueTotal.over) this.owner.overTotal();
  }

  /**
   * Whether a whisper may go without its id: the peer said it takes that, and it cannot suspect our
   * frames of being compressed (our list names no method), which is when it skips the check.
   */
  private get takesUnhashedWhispers(): boolean {
    return this.dialect.unhashedWhispers && !namesCompression(this.owner.compression);
  }

  /** Follows the peer's new compression list (renegotiate), keeping the old one as a fallback. */
  renegotiated(methods: readonly number[]): void {
    this.previousCompression = this.compression;
    this.compression = methods;
  }

  /** Whether decoding `frame` must wait for the compression codec: it looks compressed and the codec is not loaded. */
  waitsForCodec(frame: Uint8Array): boolean {
    if (compressionLoaded()) return false;
    return (
      needsCodec(frame, this.compression, HEADER_BYTES) ||
      (this.previousCompression !== undefined && needsCodec(frame, this.previousCompression, HEADER_BYTES))
    );
  }

  /**
   * Decodes a frame from this peer (FrameReader.pushFrames: header included); see
   * previousCompression for the second try. A broadcast of `deferIdCheckFrom` bytes or more comes
   * back with its id unchecked (`idUnverified`), where no checksum is needed to tell a compressed
   * body from a plain one (BodyOptions.deferIdCheckFrom).
   */
  decode(frame: Uint8Array, maxBytes: number, limits: DecodeLimits, deferIdCheckFrom?: number): WireMessage {
    try {
      return decodeFramed(frame, this.compression, maxBytes, { whisperIdUnchecked: this.previousCompression === undefined && !namesCompression(this.compression), limits, deferIdCheckFrom });
    } catch (error) {
      if (!(error instanceof FrameError) || this.previousCompression === undefined) throw error;
      return decodeFramed(frame, this.previousCompression, maxBytes, { limits });
    }
  }

  close(): void {
    if (this.closed) return;
    this.phase = 'closing';
    this.queue.flush(); // what was sent is delivered on a graceful close, paced or not
    this.link.close();
  }

  toString(): string {
    return `Connection(${this.id ?? this.expectedId ?? this.link.remoteAddress ?? '?'})`;
  }
}
