/**
 * One peer connection as the mesh sees it: a Link plus what the peer told us in its handshake (id,
 * advertised address, compression methods) and the frame reader for its byte stream.
 */
import { FrameError } from '../errors.js';
import type { Link, WireAddress } from '../transport/types.js';
import { chooseCompression } from '../wire/compression.js';
import { decodeBody, frameOf, FrameReader } from '../wire/frame.js';
import { createMessage, type WireMessage } from '../wire/message.js';
import type { Packet } from '../wire/packet.js';
import { flags } from '../wire/flags.js';
import { STR_DIALECT, type PeerDialect } from './peer-dialect.js';

/** What a connection needs from its socket to build messages. */
export interface ConnectionOwner {
  readonly id: string;
  readonly compression: readonly number[];
  nowSeconds(): number;
  /** Called for every frame this connection sends, for debug output. */
  traceSend(conn: Connection, message: WireMessage): void;
}

/**
 * A link to one peer, as handlers see it (`registerHandler((msg, conn) => …)`): `conn.send()` whispers
 * to that peer alone. The socket makes and owns connections.
 */
export class Connection {
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
  /** Whether our handshake went out: at once when we dialled, in answer to the peer's otherwise. */
  handshakeSent = false;
  /** Whether the peer keeps us told of its neighbours (NEIGHBOUR_UPDATES_MARKER in its handshake). */
  announcesNeighbours = false;
  /** The peer's own neighbours, from its latest peer list; trusted only if it announces changes. */
  neighbours: ReadonlySet<string> | undefined;
  /** The id we dialled, when we dialled a known peer. */
  readonly expectedId: string | undefined;
  readonly reader: FrameReader;
  /** Virtual ms of the last bytes received, for the stalled-frame check. */
  lastDataAt: number;
  readonly openedAt: number;
  /** The last whisper or broadcast sent here, for a peer's renegotiate/resend (protocol.md §1.3). */
  lastSent: WireMessage | undefined;
  closed = false;

  constructor(
    readonly link: Link,
    private readonly owner: ConnectionOwner,
    options: { expectedId?: string; maxFrameBytes: number; now: number },
  ) {
    this.expectedId = options.expectedId;
    this.reader = new FrameReader(options.maxFrameBytes);
    this.lastDataAt = options.now;
    this.openedAt = options.now;
  }

  /** Whether we dialled this peer (else it dialled us). */
  get outgoing(): boolean {
    return this.link.outgoing;
  }

  /** Sends `[flag, ourId, now, type, ...packets]` to this peer (py2p's `conn.send`). */
  send(flag: number, type: Packet, ...packets: Packet[]): void {
    this.sendMessage(createMessage(flag, this.owner.id, this.owner.nowSeconds(), [type, ...packets]));
  }

  /** Sends an already-built message, compressed as this peer and we agreed (§1.3). */
  sendMessage(message: WireMessage, options: { uncompressed?: boolean } = {}): void {
    if (this.closed) return;
    const method = options.uncompressed ? undefined : chooseCompression(this.owner.compression, this.compression);
    if (message.type !== flags.renegotiate) this.lastSent = message;
    this.owner.traceSend(this, message);
    this.link.send(frameOf(message, method));
  }

  /** Follows the peer's new compression list (renegotiate), keeping the old one as a fallback. */
  renegotiated(methods: readonly number[]): void {
    this.previousCompression = this.compression;
    this.compression = methods;
  }

  /** Decodes a frame body from this peer; see previousCompression for the second try. */
  decode(body: Uint8Array, maxBytes: number): WireMessage {
    try {
      return decodeBody(body, this.compression, maxBytes);
    } catch (error) {
      if (!(error instanceof FrameError) || this.previousCompression === undefined) throw error;
      return decodeBody(body, this.previousCompression, maxBytes);
    }
  }

  /** Closes the link; the peer leaves the routing table. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.close();
  }

  /** A readable form, for logs. */
  toString(): string {
    return `Connection(${this.id ?? this.expectedId ?? this.link.remoteAddress ?? '?'})`;
  }
}
