/**
 * A py2p message as it travels: `[type, sender, time, ...payload]` msgpack-encoded, preceded by the
 * SHA-256 of those bytes (PROTOCOL.md §1.1). The encoded bytes are kept so a relay sends exactly what
 * it received (§1.2 step 6): re-encoding could change the bytes and so the id.
 *
 * The hash is the costliest step of a large message (a pure-JS SHA-256 of 64 KiB takes longer than
 * encoding it), and it protects only what is deduplicated or relayed: broadcasts and renegotiations
 * are hashed and checked always. A whisper is neither, so a message we build is hashed only when a
 * link needs its id (a py2p/js2p peer; PROTOCOL.md §14.11), and a whisper received where no
 * decompression could have gone wrong is not checked.
 */
import { FrameError, MessageTooLargeError } from '../errors.js';
import { messageHash } from './message-hash.js';
import { decode, encodeMessage } from './msgpack.js';
import { bytesEqual, fromUtf8, toHex, type OutgoingPacket, type Packet } from './packet.js';
import { DEFAULT_DECODE_LIMITS, DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, ID_BYTES, type DecodeLimits } from './constants.js';
import { flags } from './flags.js';

/**
 * Where a message's bytes are: `bytes[bodyStart..]` is its msgpack body, and the 32 bytes before it
 * its id slot. Views of them (`body`, `id`, `frame`) are made only when asked for: in Chromium every
 * typed array over an ArrayBuffer of more than 64 bytes costs microseconds (a view as much as an
 * allocation), and a small whisper read no view at all but its payload's, yet made seven, which was
 * most of its round trip beyond a raw data channel's (bench:browser).
 */
export interface MessageBytes {
  bytes: Uint8Array;
  bodyStart: number;
  /** Whether the id slot holds the id as received (else it is hashed when first asked for). */
  idReceived: boolean;
  /** The 4-byte frame header precedes the id slot in `bytes`' buffer (an uncompressed frame read as it came). */
  framed: boolean;
  /** A received id not checked yet: whoever parsed it must check it before the message is used (BodyOptions.deferIdCheckFrom). */
  idUnverified?: boolean;
}

/** One py2p message as it travels: type, sender, time and payload, with its network-wide id (PROTOCOL.md §1.2). */
export class WireMessage {
  private hexId: string | undefined;
  /** The id, once known: as received, or hashed when first asked for. */
  private knownId: Uint8Array | undefined;
  private bodyView: Uint8Array | undefined;
  private frameView: Uint8Array | undefined;
  private readonly bytes: Uint8Array;
  private readonly bodyStart: number;
  private readonly idReceived: boolean;
  /** Whether `bytes`' buffer holds the whole frame around the body (see frame). */
  private framed: boolean;
  /** Bytes of `body`, read without making it. */
  readonly bodyLength: number;
  /**
   * The id as received has not been checked against the body yet (BodyOptions.deferIdCheckFrom):
   * the message must not be used before mesh/id-verifier.ts has.
   */
  readonly idUnverified: boolean;

  constructor(
    /** The main flag (§3.1): broadcast, renegotiate or whisper. */
    readonly type: number,
    /** The originator's node id, normalised to a string whichever msgpack type it came as. */
    readonly sender: string,
    /** Unix seconds at the originator. */
    readonly time: number,
    /** `payload[0]` is the sub-flag (§3.2). */
    readonly payload: readonly Packet[],
    where: MessageBytes,
    /** Whether the sender id came as msgpack bin (py2p types its ids so; PROTOCOL.md §2.4). */
    readonly senderIsBin = false,
  ) {
    this.bytes = where.bytes;
    this.bodyStart = where.bodyStart;
    this.idReceived = where.idReceived;
    this.framed = where.framed;
    this.bodyLength = where.bytes.length - where.bodyStart;
    this.idUnverified = where.idUnverified ?? false;
  }

  /** msgpack of the packets (§1.1). */
  get body(): Uint8Array {
    return (this.bodyView ??= this.bytes.subarray(this.bodyStart));
  }

  /**
   * The whole uncompressed frame (header, id, body) when it is at hand: built with the message, or
   * the bytes it arrived in. Relays and repeated sends reuse it instead of copying.
   */
  get frame(): Uint8Array | undefined {
    if (this.frameView === undefined && this.framed) {
      const frameStart = this.bytes.byteOffset + this.bodyStart - ID_BYTES - HEADER_BYTES;
      const view = new Uint8Array(this.bytes.buffer, frameStart, HEADER_BYTES + ID_BYTES + this.bodyLength);
      if (readUint32(view) === ID_BYTES + this.bodyLength) this.frameView = view;
      else this.framed = false;
    }
    return this.frameView;
  }

  set frame(frame: Uint8Array | undefined) {
    this.frameView = frame;
  }

  /**
   * SHA-256 of `body` (PROTOCOL.md §1.2), computed the first time it is asked for and written into
   * `frame`'s id slot. A received whisper's id is as the sender wrote it: all zeros when it left
   * the id out (§14.11).
   */
  get id(): Uint8Array {
    if (this.knownId) return this.knownId;
    if (this.idReceived) return (this.knownId = this.bytes.subarray(this.bodyStart - ID_BYTES, this.bodyStart));
    this.settleId(messageHash(this.body));
    return this.knownId!;
  }

  /** Takes `id` (the SHA-256 of `body`, hashed elsewhere: message-digest.ts) as this message's id. */
  settleId(id: Uint8Array): void {
    if (this.knownId) return;
    const frame = this.frame;
    if (frame) {
      frame.set(id, HEADER_BYTES);
      this.knownId = frame.subarray(HEADER_BYTES, HEADER_BYTES + ID_BYTES);
    } else {
      this.knownId = id;
    }
  }

  /** Whether the id it came with is the SHA-256 of its body, hashed here (synchronously). */
  verifyIdInJs(): boolean {
    return bytesEqual(messageHash(this.body), this.id);
  }

  /** Whether the id has been computed (or came with the message): a frame sent now carries it. */
  get hashed(): boolean {
    return this.knownId !== undefined || this.idReceived;
  }

  /** `[type, sender, time, ...payload]`, as py2p's `InternalMessage.packets`. */
  get packets(): Packet[] {
    return [this.type, this.sender, this.time, ...this.payload];
  }

  /** The id as hex, for maps and logs. */
  get idHex(): string {
    return (this.hexId ??= toHex(this.id));
  }
}

function readUint32(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/**
 * Builds a message and, in the same allocation, its uncompressed frame. Throws, before anything can
 * be sent, a TypeError for a value msgpack cannot carry and a MessageTooLargeError for a frame body
 * over `maxFrameBytes`: a peer would drop the connection on it (FrameTooLargeError) and the data
 * would be lost.
 */
export function createMessage(
  type: number,
  sender: string,
  time: number,
  payload: readonly OutgoingPacket[],
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): WireMessage {
  const frame = encodeMessage(type, sender, time, payload, HEADER_BYTES + ID_BYTES);
  const length = frame.length - HEADER_BYTES;
  if (length > maxFrameBytes) throw new MessageTooLargeError(length, maxFrameBytes);
  // The header by hand: a DataView is one more typed-array object (see MessageBytes).
  frame[0] = length >>> 24;
  frame[1] = (length >>> 16) & 0xff;
  frame[2] = (length >>> 8) & 0xff;
  frame[3] = length & 0xff;
  // The id slot stays zero until `id` is first read (see the top of this file).
  const where = { bytes: frame, bodyStart: HEADER_BYTES + ID_BYTES, idReceived: false, framed: false };
  const message = new WireMessage(type, sender, time, payload as readonly Packet[], where);
  message.frame = frame;
  return message;
}

/**
 * `wire` built again with another time, from its own bytes: what the caller passed may have changed
 * since, and the bytes are what was checked. The packets are as a receiver sees them (bytes of any
 * ArrayBuffer as a Uint8Array).
 */
export function withTime(wire: WireMessage, time: number, maxFrameBytes?: number): WireMessage {
  const packets = decode(wire.body) as Packet[];
  return createMessage(wire.type, wire.sender, time, packets.slice(3), maxFrameBytes);
}

/** How a frame body is read: the decoding limits it is held to, and whether a whisper's id is checked. */
export interface BodyOptions {
  limits?: DecodeLimits;
  whisperIdUnchecked?: boolean;
  /**
   * With `whisperIdUnchecked`: the id of a message other than a whisper whose body has at least this
   * many bytes is not checked here but marked `idUnverified`, for the caller to check with an async
   * native digest (mesh/id-verifier.ts) before using the message.
   */
  deferIdCheckFrom?: number;
}

/**
 * Parses `id || msgpack` (a frame body after decompression), checking the shape and the id; the
 * packets may cost no more memory than `options.limits` allow for their size. With
 * `options.whisperIdUnchecked`, a whisper's id is not checked: it protects nothing (whispers are
 * neither deduplicated nor relayed), so the caller passes it where the checksum is not needed either
 * to tell a compressed body from an uncompressed one (PROTOCOL.md §14.11). The body is
 * `data[start..]`: a whole frame is read from `start` = HEADER_BYTES, with no view of its body.
 */
export function parseBody(data: Uint8Array, options: BodyOptions = {}, framed = false, start = 0): WireMessage {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  const whisperIdUnchecked = options.whisperIdUnchecked ?? false;
  const length = data.length - start;
  if (length <= ID_BYTES) {
    throw new FrameError(`frame body of ${length} bytes is too short for a ${ID_BYTES}-byte id and packets`);
  }
  if (!whisperIdUnchecked) checkId(data, start);
  const deferred = whisperIdUnchecked && length - ID_BYTES >= (options.deferIdCheckFrom ?? Infinity);
  const packets = decode(data, limits, start + ID_BYTES);
  if (!Array.isArray(packets) || packets.length < 4) {
    throw new FrameError('bad shape: packets must be an array [type, sender, time, sub-flag, ...]');
  }
  const [type, sender, time] = packets;
  if (whisperIdUnchecked && type !== flags.whisper && !deferred) checkId(data, start);
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 0xff) {
    throw new FrameError('bad shape: packets[0] (the message type) must be an integer flag');
  }
  if (typeof sender !== 'string' && !(sender instanceof Uint8Array)) {
    throw new FrameError('bad shape: packets[1] (the sender id) must be a str or bin');
  }
  if (typeof time !== 'number' || !Number.isInteger(time) || time < 0) {
    throw new FrameError('bad shape: packets[2] (the time) must be a non-negative integer');
  }
  const senderId = typeof sender === 'string' ? sender : fromUtf8(sender);
  const where = { bytes: data, bodyStart: start + ID_BYTES, idReceived: true, framed, idUnverified: deferred && type !== flags.whisper };
  return new WireMessage(type, senderId, time, packets.slice(3), where, sender instanceof Uint8Array);
}

/** Checks that `id || body` at `data[start..]` starts with the SHA-256 of the rest. */
function checkId(data: Uint8Array, start: number): void {
  if (!bytesEqual(messageHash(data.subarray(start + ID_BYTES)), data.subarray(start, start + ID_BYTES))) {
    throw new FrameError('bad checksum: the id is not the SHA-256 of the packets');
  }
}
