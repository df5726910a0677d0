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
