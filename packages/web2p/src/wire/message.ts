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
import { decode, encodeWithHeadroom } from './msgpack.js';
import { bytesEqual, fromUtf8, toHex, type OutgoingPacket, type Packet } from './packet.js';
import { DEFAULT_DECODE_LIMITS, DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, ID_BYTES, type DecodeLimits } from './constants.js';
import { flags } from './flags.js';

/** One py2p message as it travels: type, sender, time and payload, with its network-wide id (PROTOCOL.md §1.2). */
export class WireMessage {
  private hexId: string | undefined;
  /** The id, once known: as received, or hashed when first asked for. */
  private knownId: Uint8Array | undefined;
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
    /** SHA-256 of `body` as received, or undefined for a message we built (hashed on demand). */
    id: Uint8Array | undefined,
    /** msgpack of the packets. */
    readonly body: Uint8Array,
    /** Whether the sender id came as msgpack bin (py2p types its ids so; PROTOCOL.md §2.4). */
    readonly senderIsBin = false,
  ) {
    this.knownId = id;
  }

  /**
   * SHA-256 of `body` (PROTOCOL.md §1.2), computed the first time it is asked for and written into
   * `frame`'s id slot. A received whisper's id is as the sender wrote it: all zeros when it left
   * the id out (§14.11).
   */
  get id(): Uint8Array {
    if (this.knownId) return this.knownId;
    const id = messageHash(this.body);
    if (this.frame) {
      this.frame.set(id, HEADER_BYTES);
      this.knownId = this.frame.subarray(HEADER_BYTES, HEADER_BYTES + ID_BYTES);
    } else {
      this.knownId = id;
    }
    return this.knownId;
  }

  /** Whether the id has been computed (or came with the message): a frame sent now carries it. */
  get hashed(): boolean {
    return this.knownId !== undefined;
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
  new DataView(frame.buffer, frame.byteOffset).setUint32(0, ID_BYTES + body.length);
  // The id slot stays zero until `id` is first read (see the top of this file).
  const message = new WireMessage(type, sender, time, payload as readonly Packet[], undefined, body);
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
}

/**
 * Parses `id || msgpack` (a frame body after decompression), checking the shape and the id; the
 * packets may cost no more memory than `options.limits` allow for their size. With
 * `options.whisperIdUnchecked`, a whisper's id is not checked: it protects nothing (whispers are
 * neither deduplicated nor relayed), so the caller passes it where the checksum is not needed either
 * to tell a compressed body from an uncompressed one (PROTOCOL.md §14.11).
 */
export function parseBody(data: Uint8Array, options: BodyOptions = {}): WireMessage {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  const whisperIdUnchecked = options.whisperIdUnchecked ?? false;
  if (data.length <= ID_BYTES) {
    throw new FrameError(`frame body of ${data.length} bytes is too short for a ${ID_BYTES}-byte id and packets`);
  }
  const id = data.subarray(0, ID_BYTES);
  const body = data.subarray(ID_BYTES);
  if (!whisperIdUnchecked) checkId(id, body);
  const packets = decode(body, limits);
  if (!Array.isArray(packets) || packets.length < 4) {
    throw new FrameError('bad shape: packets must be an array [type, sender, time, sub-flag, ...]');
  }
  const [type, sender, time] = packets;
  if (whisperIdUnchecked && type !== flags.whisper) checkId(id, body);
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

function checkId(id: Uint8Array, body: Uint8Array): void {
  if (!bytesEqual(messageHash(body), id)) throw new FrameError('bad checksum: the id is not the SHA-256 of the packets');
}
