/**
 * Wire limits. The py2p format allows frames up to 4 GiB and has no cap (upstream #69/#84: a memory
 * DoS); we refuse anything larger than this from its 4-byte header, before buffering a byte of it.
 * 16 MiB holds any realistic broadcast and stays far below what a browser tab can allocate.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** The frame header: a 4-byte big-endian body length (PROTOCOL.md §1.1). */
export const HEADER_BYTES = 4;

/** Every body starts with the 32-byte SHA-256 of the msgpack packets. */
export const ID_BYTES = 32;

/**
 * Bodies shorter than this go uncompressed even where compression was negotiated: zlib's 6 bytes of
 * header and trailer and the inflate on the other side cost more than the few bytes it might save.
 */
export const MIN_COMPRESSED_BODY_BYTES = 256;

/**
 * A larger body is first judged by compressing this much of it at the fastest level: incompressible
 * data (media, ciphertext, anything already compressed) cost 3.6× the throughput when compressed
 * whole, and this sample costs a small share of that.
 */
export const COMPRESSION_SAMPLE_BYTES = 4096;

/** The body is sent compressed only when its sample shrank to this share of its size or less. */
export const MAX_COMPRESSED_SAMPLE_RATIO = 0.9;

/**
 * What decoding may cost, in estimated bytes of JS heap, per byte of msgpack. A byte of msgpack can
 * become a whole object (0x80 is an empty map: about 64 bytes of heap), so 16 MiB of empty maps cost
 * a gigabyte. Honest packets (strings, bins, ints, records of a few fields) cost under 8 per byte;
 * 16 leaves room for arrays of tiny strings and refuses maps and arrays packed one per byte or two.
 */
export const DECODE_COST_PER_BYTE = 16;

/**
 * What decoding one msgpack value may cost at most, in estimated heap bytes, however large it is:
 * with the per-byte rate alone a 16 MiB frame could still cost 256 MiB. A 16 MiB frame of strings or
 * bins costs about its size; it is a frame of millions of small values that runs into this.
 */
export const MAX_DECODE_COST = 64 * 1024 * 1024;

/** Every value may cost at least this much, so a small message is never refused for its shape. */
export const DECODE_COST_FLOOR = 64 * 1024;

/**
 * The most a compressed body may inflate, as a multiple of its compressed size (a compression bomb
 * of 16 KiB inflating to 16 MiB costs the receiver some 450 ms of CPU in pure-JS zlib, and every
 * node it is relayed to pays again). zlib cannot exceed 1,032:1; text and msgpack compress 2-20:1,
 * zeroed buffers more, which is why we send a body that compresses past this uncompressed instead.
 */
export const MAX_INFLATE_RATIO = 64;

/** Bodies up to this inflated size are never refused for their ratio: small bombs cost nothing. */
export const INFLATE_RATIO_FLOOR = 256 * 1024;

/** The decoding limits one peer's input is held to; every field defaults to the constants above. */
export interface DecodeLimits {
  /** Estimated heap bytes decoding may cost per byte of msgpack. */
  costPerByte: number;
  /** Estimated heap bytes one decoded value may cost at most. */
  maxCost: number;
  /** How many times its size a compressed body may inflate to (past INFLATE_RATIO_FLOOR). */
  maxInflateRatio: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  costPerByte: DECODE_COST_PER_BYTE,
  maxCost: MAX_DECODE_COST,
  maxInflateRatio: MAX_INFLATE_RATIO,
};
