/**
 * Frames on a byte stream (PROTOCOL.md §1): a 4-byte big-endian length, then the body, which is
 * `id || msgpack`, possibly compressed.
 */
import { FrameError, FrameTooLargeError } from '../errors.js';
import { compress, decompressBody, inflateLimit, namesCompression } from './compression.js';
import { concatBytes } from './packet.js';
import { parseBody, type BodyOptions, type WireMessage } from './message.js';
import { DEFAULT_DECODE_LIMITS, DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, ID_BYTES, type DecodeLimits } from './constants.js';

/**
 * The frame carrying `message`, compressed with `method` when given. A body that compresses past
 * MAX_INFLATE_RATIO (a buffer of zeros) goes out uncompressed instead: receivers refuse such a body
 * as a bomb, and every receiver takes an uncompressed body whatever was negotiated (§1.2 step 3).
 */
export function encodeFrame(message: WireMessage, method?: number): Uint8Array {
  const compressed = method === undefined ? undefined : compress(concatBytes([message.id, message.body]), method);
  if (compressed === undefined || inflateLimit(compressed.length) < ID_BYTES + message.bodyLength) {
    const frame = new Uint8Array(HEADER_BYTES + ID_BYTES + message.bodyLength);
    new DataView(frame.buffer).setUint32(0, ID_BYTES + message.bodyLength);
    frame.set(message.id, HEADER_BYTES);
    frame.set(message.body, HEADER_BYTES + ID_BYTES);
    return frame;
  }
  const frame = new Uint8Array(HEADER_BYTES + compressed.length);
  new DataView(frame.buffer).setUint32(0, compressed.length);
  frame.set(compressed, HEADER_BYTES);
  return frame;
}

/**
 * Turns a frame body (what follows the header) into a message, held to `options.limits` (a
 * compression bomb or a flood of tiny values is a FrameError). `options.whisperIdUnchecked`: see
 * parseBody; pass it only for a peer that cannot compress, where no checksum is needed to tell a
 * compressed body from a plain one.
 */
export function decodeBody(
  body: Uint8Array,
  peerMethods: readonly number[],
  maxBytes = DEFAULT_MAX_FRAME_BYTES,
  options: BodyOptions = {},
): WireMessage {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  const data = decompressBody(body, peerMethods, maxBytes, limits.maxInflateRatio);
  // An uncompressed body read from a stream still has its header just before it: the message's
  // frame is then the bytes as they came (made when first asked for), so relaying it costs no copy.
  return parseBody(data, options, data === body && body.byteOffset >= HEADER_BYTES);
}

/**
 * `decodeBody` of a whole frame as FrameReader.pushFrames returns it (its header is not checked
 * again). From a peer whose list names no method we know, nothing can be inflated (decompressBody
 * would return the body as it is), so the body is read in place, without a view of it.
 */
export function decodeFramed(
  frame: Uint8Array,
  peerMethods: readonly number[],
  maxBytes = DEFAULT_MAX_FRAME_BYTES,
  options: BodyOptions = {},
): WireMessage {
  if (namesCompression(peerMethods)) return decodeBody(frame.subarray(HEADER_BYTES), peerMethods, maxBytes, options);
  return parseBody(frame, options, true, HEADER_BYTES);
}

/**
 * Decodes one whole frame, header included, as py2p's `feed_string`: the header must equal the
 * length of what follows.
 */
export function decodeFrame(frame: Uint8Array, peerMethods: readonly number[] = [], maxBytes = DEFAULT_MAX_FRAME_BYTES): WireMessage {
  if (frame.length < HEADER_BYTES) throw new FrameError(`a frame needs a ${HEADER_BYTES}-byte header; got ${frame.length} bytes`);
  const length = readLength(frame, 0);
  if (length !== frame.length - HEADER_BYTES) {
    throw new FrameError(`bad length: the header says ${length} bytes but ${frame.length - HEADER_BYTES} follow`);
  }
  checkLength(length, maxBytes);
  return decodeFramed(frame, peerMethods, maxBytes);
}

function readLength(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function checkLength(length: number, maxBytes: number): void {
  if (length > maxBytes) throw new FrameTooLargeError(`frame of ${length} bytes exceeds the ${maxBytes}-byte maximum`);
  if (length === 0) throw new FrameError('bad length: a frame body cannot be empty');
}

/**
 * Splits a byte stream into frame bodies. Chunks may hold several frames or part of one. A header
 * announcing more than `maxBytes` is refused at once, before its body is buffered.
 */
export class FrameReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Body length of the frame being assembled, once its header is in. */
  private expected: number | undefined;

  constructor(private readonly maxBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held for a frame that is not complete yet. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Returns the bodies completed by `chunk`, in order. Throws FrameError on a bad header. */
  push(chunk: Uint8Array): Uint8Array[] {
    return this.pushFrames(chunk).map((frame) => frame.subarray(HEADER_BYTES));
  }

  /**
   * Returns the frames completed by `chunk`, header included, in order; throws FrameError on a bad
   * header. A chunk that is one whole frame (a data-channel message, most TCP reads of small
   * frames) comes back as it is: no view of it is made, which in Chromium costs microseconds
   * (message.ts, MessageBytes). Read them with decodeFramed.
   */
  pushFrames(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (!this.canComplete()) return frames;
      data = concatBytes(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let at = 0;
    while (data.length - at >= HEADER_BYTES) {
      const length = readLength(data, at);
      checkLength(length, this.maxBytes);
      if (data.length - at - HEADER_BYTES < length) {
        this.expected = length;
        break;
      }
      const end = at + HEADER_BYTES + length;
      frames.push(at === 0 && end === data.length ? data : data.subarray(at, end));
      at = end;
      this.expected = undefined;
    }
    if (at < data.length) {
      this.pending = [data.subarray(at)];
      this.pendingBytes = data.length - at;
      this.checkPendingHeader();
    }
    return frames;
  }

  /** Lets go of the bytes held for an incomplete frame: the connection was dropped. */
  discard(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.expected = undefined;
  }

  /** Whether the held bytes now hold the frame being assembled (so joining them is worth it). */
  private canComplete(): boolean {
    if (this.expected === undefined) {
      if (this.pendingBytes < HEADER_BYTES) return false;
      const head = concatBytes(this.pending);
      this.pending = [head];
      this.expected = readLength(head, 0);
      checkLength(this.expected, this.maxBytes);
    }
    return this.pendingBytes >= HEADER_BYTES + this.expected;
  }

  private checkPendingHeader(): void {
    if (this.expected === undefined && this.pendingBytes >= HEADER_BYTES) {
      this.expected = readLength(this.pending[0]!, 0);
      checkLength(this.expected, this.maxBytes);
    }
  }
}

const compressedFrames = new WeakMap<WireMessage, Map<number, Uint8Array>>();

/**
 * `encodeFrame` with memory: a relayed broadcast goes to every neighbour, and those that chose the
 * same compression get the very same bytes, so each variant is built once per message (the
 * uncompressed one usually exists already: see WireMessage.frame).
 */
export function frameOf(message: WireMessage, method?: number): Uint8Array {
  if (method === undefined) return (message.frame ??= encodeFrame(message));
  let variants = compressedFrames.get(message);
  if (!variants) compressedFrames.set(message, (variants = new Map()));
  let frame = variants.get(method);
  if (!frame) variants.set(method, (frame = encodeFrame(message, method)));
  return frame;
}
