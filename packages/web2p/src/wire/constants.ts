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
