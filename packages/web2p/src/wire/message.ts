/**
 * A py2p message as it travels: `[type, sender, time, ...payload]` msgpack-encoded, preceded by the
 * SHA-256 of those bytes (PROTOCOL.md §1.1). The encoded bytes are kept so a relay sends exactly what
 * it received (§1.2 step 6): re-encoding could change the bytes and so the id.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { FrameError, MessageTooLargeError } from '../errors.js';
import { decode, encodeWithHeadroom } from './msgpack.js';
import { bytesEqual, fromUtf8, toHex, type OutgoingPacket, type Packet } from './packet.js';
import { DEFAULT_DECODE_LIMITS, DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, ID_BYTES, type DecodeLimits } from './constants.js';

/** One py2p message as it travels: type, sender, time and payload, with its network-wide id (PROTOCOL.md §1.2). */
export class WireMessage {
  private hexId: string | undefined;
  /**
   * The whole uncompressed frame (header, id, body) when it is at hand: built with the message, or
   * the bytes it arrived in. Relays and repeated sends reuse it instead of copying.
   */
  frame: Uint8Array | undefined;

  constructor(
    /** The main flag (§3.1): broadcast, renegotiate or whisper. */
    readonly type: number,
    /** The originator's node id, normalised to a string whichever msgpack type it came as. */
    readonly sender: string,
    /** Unix seconds at the originator. */
    readonly time: number,
    /** `payload[0]` is the sub-flag (§3.2). */
    readonly payload: readonly Packet[],
    /** SHA-256 of `body`. */
    readonly id: Uint8Array,
    /** msgpack of the packets. */
    readonly body: Uint8Array,
    /** Whether the sender id came as msgpack bin (py2p types its ids so; PROTOCOL.md §2.4). */
    readonly senderIsBin = false,
  ) {}

  /** `[type, sender, time, ...payload]`, as py2p's `InternalMessage.packets`. */
  get packets(): Packet[] {
    return [this.type, this.sender, this.time, ...this.payload];
  }

  /** The id as hex, for maps and logs. */
  get idHex(): string {
    return (this.hexId ??= toHex(this.id));
  }
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
  const frame = encodeWithHeadroom([type, sender, time, ...payload], HEADER_BYTES + ID_BYTES);
  const body = frame.subarray(HEADER_BYTES + ID_BYTES);
  if (ID_BYTES + body.length > maxFrameBytes) throw new MessageTooLargeError(ID_BYTES + body.length, maxFrameBytes);
  frame.set(sha256(body), HEADER_BYTES);
  new DataView(frame.buffer, frame.byteOffset).setUint32(0, ID_BYTES + body.length);
  const message = new WireMessage(type, sender, time, payload as readonly Packet[], frame.subarray(HEADER_BYTES, HEADER_BYTES + ID_BYTES), body);
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

/**
 * Parses `id || msgpack` (a frame body after decompression), checking the id and the shape; the
 * packets may cost no more memory than `limits` allow for their size.
 */
export function parseBody(data: Uint8Array, limits: Pick<DecodeLimits, 'costPerByte' | 'maxCost'> = DEFAULT_DECODE_LIMITS): WireMessage {
  if (data.length <= ID_BYTES) {
    throw new FrameError(`frame body of ${data.length} bytes is too short for a ${ID_BYTES}-byte id and packets`);
  }
  const id = data.subarray(0, ID_BYTES);
  const body = data.subarray(ID_BYTES);
  if (!bytesEqual(sha256(body), id)) throw new FrameError('bad checksum: the id is not the SHA-256 of the packets');
  const packets = decode(body, limits);
  if (!Array.isArray(packets) || packets.length < 4) {
    throw new FrameError('bad shape: packets must be an array [type, sender, time, sub-flag, ...]');
  }
  const [type, sender, time] = packets;
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
  return new WireMessage(type, senderId, time, packets.slice(3), id, body, sender instanceof Uint8Array);
}
