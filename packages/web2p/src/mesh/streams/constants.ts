/**
 * Stream limits and timings (PROTOCOL.md §14.10). Those a user may need to change are options of the
 * socket (`streams: { … }`); the rest bound what a hostile peer can make this node hold.
 */

/**
 * Bytes of payload per data frame. Far under the 16 MiB frame limit; the link splits frames into
 * data-channel messages anyway. Measured (bench/stream.js, node-datachannel; two Chromium pages in
 * test/e2e/streams.spec.ts): 256 KiB chunks carry up to 1.7× the bytes of 64 KiB in Node, while
 * between Chromium pages the two are within the noise (6–10 MiB/s each). 64 KiB keeps what else
 * shares the link (chat messages, acks of other streams) from waiting behind a large frame (a
 * 256 KiB frame is 25 ms at 10 MB/s), keeps 16 chunks in a 1 MiB window and progress fine-grained.
 * `streams.chunkBytes` raises it for bulk transfers between Node peers.
 */
export const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * Bytes a receiver lets a sender have in flight before its reader takes them (the credit window).
 * 1 MiB keeps a WebRTC or TCP path busy at tens of MB/s across a few milliseconds of round trip, and
 * is what each stream can cost the receiver and each relay at most.
 */
export const STREAM_WINDOW_BYTES = 1024 * 1024;

/** The largest window a receiver may grant: a hop refuses a larger one (16 streams of it fit in 256 MiB). */
export const MAX_STREAM_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * A relay lowers the window it passes back to the sender to this, so every stream it carries costs
 * it at most 1 MiB of queued bytes, whatever the two ends agreed.
 */
export const RELAY_WINDOW_BYTES = 1024 * 1024;

/** Streams one relay carries at once: with RELAY_WINDOW_BYTES, at most 32 MiB queued for others. */
export const MAX_RELAYED_STREAMS = 32;

/**
 * Incoming streams from one sender at once; more are refused (StreamRefusedError at the sender).
 * Each holds up to a window of unread bytes, so this bounds what one peer can pin here.
 */
export const MAX_INCOMING_STREAMS_PER_PEER = 8;

/** Incoming streams from all senders at once (8 windows of 1 MiB each from 8 peers: 64 MiB). */
export const MAX_INCOMING_STREAMS = 64;

/** A stream's label is for display (a file name): longer ones are refused as hostile. */
export const MAX_STREAM_LABEL_CHARS = 1024;

/**
 * How long a sender waits for a route to a non-neighbour (a route probe crosses the mesh and the
 * answer comes back; seconds on any mesh we run) and then for the receiver's accept.
 */
export const STREAM_OPEN_TIMEOUT_MS = 15_000;

/**
 * Route probes remembered by a node on the way (each: the neighbour towards the sender), pruned
 * after STREAM_OPEN_TIMEOUT_MS. A flood of probes evicts the oldest; it cannot grow the table.
 */
export const MAX_PENDING_ROUTES = 1024;

/** The receiver grants more credit once its reader has taken this share of the window. */
export const ACK_EVERY_WINDOW_FRACTION = 4;
