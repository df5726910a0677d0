/**
 * Largest data-channel message we send. 64 KiB is the max-message-size every SCTP endpoint must
 * accept when the SDP does not say otherwise (RFC 8841 §6.1), so it is safe with any browser or
 * libdatachannel peer, and the link still caps it by `pc.sctp.maxMessageSize` when that is known.
 * Bigger messages buy nothing: node-datachannel streamed 60–77 MB/s with 16, 64 and 256 KiB
 * messages alike on this machine (the transport, not the per-message cost, is the limit), and a
 * 256 KiB message only fits peers that advertise it.
 */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Stop handing chunks to the channel once its own buffer holds this much. 1 MiB keeps a
 * 80 Mbit/s, 100 ms path full, stays far below Chromium's 16 MiB send buffer (past which `send()`
 * throws and the channel closes), and leaves the rest of a large write in our queue, where
 * `bufferedAmount` reports it and nothing is dropped.
 */
export const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Refill the channel when its buffer drains to this (`bufferedAmountLowThreshold`). A quarter of the
 * high-water mark leaves 256 KiB in flight while the `bufferedamountlow` event reaches us, so the
 * channel does not run dry between refills.
 */
export const LOW_WATER_BYTES = 256 * 1024;

/** The label of our one data channel, so a peer can tell it from channels other code opens. */
export const CHANNEL_LABEL = 'web2p';

/**
 * How long a peer connection may take from the first signal to an open data channel. Chromium pairs
 * two pages here in about 100 ms; 30 s allows for a slow signaling path, STUN and TURN
 * allocation, and ICE trying every candidate pair, before the attempt is given up.
 */
export const CONNECT_TIMEOUT_MS = 30_000;
