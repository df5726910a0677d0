/**
 * The subset of msgpack that py2p 0.7 speaks (PROTOCOL.md §1.4), written here rather than imported
 * so that decoding untrusted bytes is strict (every length checked against what is left, a depth
 * limit, no ext types) and the browser bundle stays small.
 *
 * Encoding matches msgpack-lite/u-msgpack: the smallest int width, float64 for non-integers, str for
 * strings, bin for bytes (any ArrayBuffer or ArrayBufferView goes out as its bytes). Values msgpack
 * cannot carry faithfully (functions, symbols, Date, Map, Set, class instances) are refused with a
 * TypeError rather than sent mangled. Decoding gives strings for str, Uint8Array for bin and plain objects for
 * maps. Bins are copies, not views: a user who changes a received Uint8Array must not change the
 * bytes the socket relays.
 */
import { DecodeCostError, FrameError } from '../errors.js';
import { DECODE_COST_FLOOR, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './constants.js';
import { utf8, type OutgoingPacket, type Packet } from './packet.js';

/** Nesting deeper than this is refused: py2p messages nest a few levels, not hundreds. */
const MAX_DEPTH = 256;

class Writer {
  private buffer = new Uint8Array(4096);
  private view = new DataView(this.buffer.buffer);
  length = 0;
  /** The sender id last written by writeSender(), and its str encoding (header and bytes). */
  private sender = '';
  private senderBytes: Uint8Array | undefined;

  /** Starts a value after `headroom` zero bytes (the frame's header and id slot). */
  reset(headroom: number): void {
    this.length = 0;
    this.reserve(headroom);
    this.buffer.fill(0, 0, headroom);
    this.length = headroom;
  }

  /**
   * `id` as a str, from the encoding kept of the last one: a socket names itself in every message
   * it makes, and copying its 68 bytes in one call beats checking and writing them one by one,
   * which was much of a small whisper's encoding (issue 20: the sender id encoded once).
   */
  writeSender(id: string): void {
    if (id === this.sender && this.senderBytes) return this.bytes(this.senderBytes);
    const start = this.length;
    writeStr(this, id);
    this.sender = id;
    this.senderBytes = this.buffer.slice(start, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  head(tag: number, value: number, width: 1 | 2 | 4 | 8): void {
    this.reserve(1 + width);
    this.buffer[this.length++] = tag;
    if (width === 1) this.view.setUint8(this.length, value);
    else if (width === 2) this.view.setUint16(this.length, value);
    else if (width === 4) this.view.setUint32(this.length, value);
    else this.view.setFloat64(this.length, value);
    this.length += width;
  }

  big(tag: number, value: bigint, signed: boolean): void {
    this.reserve(9);
    this.buffer[this.length++] = tag;
    if (signed) this.view.setBigInt64(this.length, value);
    else this.view.setBigUint64(this.length, value);
    this.length += 8;
  }

  /**
   * Writes `text` if it is ASCII (node ids, protocol ids, most keys), one byte per character, and
   * returns true; else writes nothing and returns false. Saves a TextEncoder call and an array per
   * string: encoding the ids in every message was a tenth of a sender's time.
   */
  ascii(text: string): boolean {
    this.reserve(text.length);
    const start = this.length;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) {
        this.length = start;
        return false;
      }
      this.buffer[this.length++] = code;
    }
    return true;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /**
   * The bytes written, headroom included, as a fresh array: one copy by the engine, with no view of
   * the scratch buffer to copy from (in Chromium each typed array over an off-heap buffer costs
   * microseconds: message.ts, MessageBytes) and no loop over the bytes (a whisper's encoding runs
   * mostly before the engine optimizes it, where a loop costs per byte).
   */
  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function writeInt(w: Writer, n: number): void {
  if (n >= 0) {
    if (n < 0x80) w.u8(n);
    else if (n < 0x100) w.head(0xcc, n, 1);
    else if (n < 0x10000) w.head(0xcd, n, 2);
    else if (n < 0x100000000) w.head(0xce, n, 4);
    else w.big(0xcf, BigInt(n), false);
  } else if (n >= -32) w.u8(n & 0xff);
  else if (n >= -0x80) w.head(0xd0, n & 0xff, 1);
  else if (n >= -0x8000) w.head(0xd1, n & 0xffff, 2);
  else if (n >= -0x80000000) w.head(0xd2, n >>> 0, 4);
  else w.big(0xd3, BigInt(n), true);
}

function writeLength(w: Writer, n: number, fix: number, fixMax: number, tags: [number, number, number]): void {
  if (n < fixMax && fix >= 0) w.u8(fix | n);
  else if (n < 0x100 && tags[0] >= 0) w.head(tags[0], n, 1);
  else if (n < 0x10000) w.head(tags[1], n, 2);
  else w.head(tags[2], n, 4);
}

/** An array's header: fixarray, array16 or array32 (msgpack has no array8). */
function writeArrayHeader(w: Writer, n: number): void {
  writeLength(w, n, 0x90, 16, [-1, 0xdc, 0xdd]);
}

/** A str: ASCII straight into the buffer (its byte length is its length), anything else through UTF-8. */
function writeStr(w: Writer, text: string): void {
  const start = w.length;
  writeLength(w, text.length, 0xa0, 32, [0xd9, 0xda, 0xdb]);
  if (w.ascii(text)) return;
  w.length = start;
  const bytes = utf8(text);
  writeLength(w, bytes.length, 0xa0, 32, [0xd9, 0xda, 0xdb]);
  w.bytes(bytes);
}

function write(w: Writer, value: OutgoingPacket, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError(`cannot encode: nested more than ${MAX_DEPTH} levels`);
  if (value === null || value === undefined) w.u8(0xc0);
  else if (value === false) w.u8(0xc2);
  else if (value === true) w.u8(0xc3);
  else if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) writeInt(w, value);
    else w.head(0xcb, value, 8);
  } else if (typeof value === 'bigint') {
    // DataView's 64-bit setters wrap silently: 2n ** 64n would go out as 0.
    if (value >= 1n << 64n || value < -(1n << 63n)) throw new RangeError(`cannot encode ${value}: msgpack ints are 64-bit`);
    if (value >= 0n) w.big(0xcf, value, false);
    else w.big(0xd3, value, true);
  } else if (typeof value === 'string') {
    writeStr(w, value);
  } else if (value instanceof Uint8Array) {
    writeBin(w, value);
  } else if (Array.isArray(value)) {
    writeArrayHeader(w, value.length);
    for (const item of value) write(w, item, depth + 1);
  } else if (ArrayBuffer.isView(value)) {
    writeBin(w, new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  } else if (value instanceof ArrayBuffer || isSharedArrayBuffer(value)) {
    writeBin(w, new Uint8Array(value));
  } else if (typeof value === 'object') {
    if (!isPlainObject(value)) throw new TypeError(`cannot send a ${typeName(value)}: ${UNFAITHFUL}`);
    const keys = Object.keys(value);
    writeLength(w, keys.length, 0x80, 16, [-1, 0xde, 0xdf]);
    for (const key of keys) {
      write(w, key, depth + 1);
      write(w, value[key]!, depth + 1);
    }
  } else {
    throw new TypeError(`cannot send a ${typeof value}: ${UNFAITHFUL}`);
  }
}

const UNFAITHFUL =
  'msgpack carries only null, booleans, numbers, bigints, strings, bytes (any ArrayBuffer or view), ' +
  'arrays and plain objects; convert it first (a Date to date.getTime(), a Map to Object.fromEntries(map), a Set to [...set])';

function writeBin(w: Writer, bytes: Uint8Array): void {
  writeLength(w, bytes.length, -1, 0, [0xc4, 0xc5, 0xc6]);
  w.bytes(bytes);
}

/** SharedArrayBuffer is absent where a page is not cross-origin isolated. */
function isSharedArrayBuffer(value: object): value is SharedArrayBuffer {
  return typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer;
}

/**
 * Only an object literal (or `Object.create(null)`) goes out as a map: any other class (Date, Map,
 * Set, RegExp, a user's class) would lose its type and usually its contents, arriving as `{}`.
 */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** 'Date', 'Map', 'Promise', … as the user would name the value's type. */
function typeName(value: object): string {
  const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof constructorName === 'string' && constructorName !== '' ? constructorName : Object.prototype.toString.call(value).slice(8, -1);
}

/**
 * One writer for every encode: encoding never re-enters itself, and reusing the buffer keeps a
 * small message from costing an allocation and a DataView of its own.
 */
const scratch = new Writer();

/** `value` as msgpack, the way py2p's u-msgpack encodes it (strings as str, bytes as bin). */
export function encode(value: OutgoingPacket): Uint8Array {
  scratch.reset(0);
  write(scratch, value, 0);
  return scratch.result();
}

/**
 * `encode([type, sender, time, ...payload])` placed after `headroom` zero bytes, so a frame is built
 * in one allocation; the sender's str comes from Writer.writeSender.
 */
export function encodeMessage(type: number, sender: string, time: number, payload: readonly OutgoingPacket[], headroom: number): Uint8Array {
  scratch.reset(headroom);
  writeArrayHeader(scratch, 3 + payload.length);
  write(scratch, type, 1);
  scratch.writeSender(sender);
  write(scratch, time, 1);
  for (const packet of payload) write(scratch, packet, 1);
  return scratch.result();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Estimated heap bytes of what decoding makes (V8, 64-bit): a map or array is an object plus a slot
 * per value (charged before it is allocated: an array32 header can ask for 16 M slots); a str or bin
 * also holds its bytes.
 */
const SLOT_COST = 8;
const CONTAINER_COST = 64;
const STRING_COST = 16;
const BIN_COST = 128;

/**
 * Reads from `bytes` at `offset` on. Ints are put together by hand and strings read in place: in
 * Chromium every typed array (a DataView, a subarray) over an off-heap buffer costs microseconds,
 * so only floats and 64-bit ints, which need one, make a DataView (see message.ts, MessageBytes).
 */
class Reader {
  private dataView: DataView | undefined;
  /** Estimated heap bytes decoded so far, and the most allowed (see DecodeLimits). */
  private cost = 0;
  private readonly maxCost: number;

  constructor(
    readonly bytes: Uint8Array,
    limits: Pick<DecodeLimits, 'costPerByte' | 'maxCost'>,
    public offset: number,
  ) {
    this.maxCost = Math.min(limits.maxCost, Math.max(DECODE_COST_FLOOR, limits.costPerByte * (bytes.length - offset)));
  }

  private get view(): DataView {
    return (this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }

  /** Counts what the next value costs; past the budget the whole value is refused at once. */
  charge(n: number): void {
    this.cost += n;
    if (this.cost > this.maxCost) {
      throw new DecodeCostError(
        `bad msgpack: ${this.bytes.length} bytes decode to over ${this.maxCost} bytes of objects (a flood of tiny maps or arrays)`,
      );
    }
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new FrameError(`bad msgpack: ${what} needs ${n} bytes but only ${this.remaining} remain`);
    }
  }

  uint(width: 1 | 2 | 4, what: string): number {
    this.need(width, what);
    const { bytes } = this;
    const at = this.offset;
    this.offset += width;
    if (width === 1) return bytes[at]!;
    if (width === 2) return (bytes[at]! << 8) | bytes[at + 1]!;
    return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  }

  int(width: 1 | 2 | 4): number {
    this.need(width, 'an int');
    const { bytes } = this;
    const at = this.offset;
    this.offset += width;
    if (width === 1) return (bytes[at]! << 24) >> 24;
    if (width === 2) return (((bytes[at]! << 8) | bytes[at + 1]!) << 16) >> 16;
    return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }

  /** 64-bit ints stay numbers when they fit exactly, and become bigints otherwise. */
  int64(signed: boolean): number | bigint {
    this.need(8, 'a 64-bit int');
    const at = this.offset;
    this.offset += 8;
    const value = signed ? this.view.getBigInt64(at) : this.view.getBigUint64(at);
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : value;
  }

  float(width: 4 | 8): number {
    this.need(width, 'a float');
    const at = this.offset;
    this.offset += width;
    return width === 4 ? this.view.getFloat32(at) : this.view.getFloat64(at);
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/** Short ASCII strings (every node id and flag name) decode faster by hand than through TextDecoder. */
const SHORT_STRING = 96;

/**
 * Short ASCII strings decoded lately, in slots picked by length and end bytes: the same few (the
 * sender's id, sub-flags) come in every message, and one compared in place is found without a view
 * or a new string. A slot is only a guess: its string is used when every byte matches.
 */
const recentStrings: string[] = new Array<string>(64).fill('');

function readStr(r: Reader, n: number): string {
  r.need(n, 'a str');
  r.charge(STRING_COST + n);
  const { bytes } = r;
  const start = r.offset;
  if (n === 0) return '';
  if (n <= SHORT_STRING) {
    // The slot first: bytes equal to an ASCII string kept there are ASCII, so a hit (the sender of
    // nearly every message) reads each byte once, not twice.
    const slot = (n * 31 + bytes[start]! * 7 + bytes[start + n - 1]!) & 63;
    const recent = recentStrings[slot]!;
    if (recent.length === n && sameAscii(recent, bytes, start)) {
      r.offset += n;
      return recent;
    }
    let ascii = true;
    for (let i = start; i < start + n; i++) if (bytes[i]! >= 0x80) ascii = false;
    if (ascii) {
      r.offset += n;
      const text = String.fromCharCode.apply(null, bytes.subarray(start, start + n) as unknown as number[]);
      recentStrings[slot] = text;
      return text;
    }
  }
  try {
    return strictUtf8.decode(r.take(n, 'a str'));
  } catch {
    throw new FrameError('bad msgpack: a str is not valid UTF-8');
  }
}

/** Whether `text` (ASCII) is the bytes at `bytes[start..]`. */
function sameAscii(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

function readBin(r: Reader, n: number): Uint8Array {
  r.need(n, 'a bin');
  r.charge(BIN_COST + n);
  const start = r.offset;
  r.offset += n;
  return r.bytes.slice(start, start + n);
}

function readArray(r: Reader, n: number, depth: number): Packet[] {
  // Every element takes at least one byte: refuse counts the input cannot hold before allocating.
  r.need(n, `an array of ${n} items`);
  r.charge(CONTAINER_COST + n * SLOT_COST);
  const out = new Array<Packet>(n);
  for (let i = 0; i < n; i++) out[i] = read(r, depth + 1);
  return out;
}

function readMap(r: Reader, n: number, depth: number): { [key: string]: Packet } {
  r.need(2 * n, `a map of ${n} entries`);
  r.charge(CONTAINER_COST + 2 * n * SLOT_COST);
  const out: { [key: string]: Packet } = {};
  for (let i = 0; i < n; i++) {
    const rawKey = read(r, depth + 1);
    const key = mapKey(rawKey);
    const value = read(r, depth + 1);
    // A plain assignment to "__proto__" would change the object's prototype instead.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Map keys become strings: py2p sends str or bin keys, JS objects only have string keys. */
function mapKey(key: Packet): string {
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) {
    try {
      return strictUtf8.decode(key);
    } catch {
      throw new FrameError('bad msgpack: a bin map key is not valid UTF-8');
    }
  }
  if (typeof key === 'number' || typeof key === 'boolean' || key === null) return String(key);
  throw new FrameError('bad msgpack: map keys must be strings, bytes or scalars');
}

function read(r: Reader, depth: number): Packet {
  if (depth > MAX_DEPTH) throw new FrameError(`bad msgpack: nested more than ${MAX_DEPTH} levels`);
  const tag = r.uint(1, 'a type byte');
  if (tag < 0x80) return tag;
  if (tag < 0x90) return readMap(r, tag & 0x0f, depth);
  if (tag < 0xa0) return readArray(r, tag & 0x0f, depth);
  if (tag < 0xc0) return readStr(r, tag & 0x1f);
  if (tag >= 0xe0) return tag - 0x100;
  switch (tag) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(r, r.uint(1, 'a bin length'));
    case 0xc5:
      return readBin(r, r.uint(2, 'a bin length'));
    case 0xc6:
      return readBin(r, r.uint(4, 'a bin length'));
    case 0xca:
      return r.float(4);
    case 0xcb:
      return r.float(8);
    case 0xcc:
      return r.uint(1, 'a uint8');
    case 0xcd:
      return r.uint(2, 'a uint16');
    case 0xce:
      return r.uint(4, 'a uint32');
    case 0xcf:
      return r.int64(false);
    case 0xd0:
      return r.int(1);
    case 0xd1:
      return r.int(2);
    case 0xd2:
      return r.int(4);
    case 0xd3:
      return r.int64(true);
    case 0xd9:
      return readStr(r, r.uint(1, 'a str length'));
    case 0xda:
      return readStr(r, r.uint(2, 'a str length'));
    case 0xdb:
      return readStr(r, r.uint(4, 'a str length'));
    case 0xdc:
      return readArray(r, r.uint(2, 'an array length'), depth);
    case 0xdd:
      return readArray(r, r.uint(4, 'an array length'), depth);
    case 0xde:
      return readMap(r, r.uint(2, 'a map length'), depth);
    case 0xdf:
      return readMap(r, r.uint(4, 'a map length'), depth);
    default:
      throw new FrameError(`bad msgpack: type byte 0x${tag.toString(16)} is not used by py2p (ext or reserved)`);
  }
}

/**
 * Decodes exactly one msgpack value that fills `bytes` from `start` on; anything else is a FrameError. What the
 * value may cost in memory is bounded by its size (`limits`, DecodeLimits): over it, a
 * DecodeCostError (a FrameError) is thrown as soon as decoding gets there.
 */
export function decode(bytes: Uint8Array, limits: Pick<DecodeLimits, 'costPerByte' | 'maxCost'> = DEFAULT_DECODE_LIMITS, start = 0): Packet {
  const r = new Reader(bytes, limits, start);
  const value = read(r, 0);
  if (r.remaining !== 0) throw new FrameError(`bad msgpack: ${r.remaining} bytes left after the value`);
  return value;
}
