/**
 * Largest data-channel message we send when the peer's limit is unknown: 64 KiB is the
 * max-message-size every SCTP endpoint must accept when the SDP does not say otherwise (RFC 8841
 * §6.1), so it is safe with any browser or libdatachannel peer.
 */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Largest message we send to a peer that advertises room for it (`pc.sctp.maxMessageSize`:
 * Chromium says 256 KiB). A 64 KiB application message makes a frame a little over 64 KiB (header,
 * id, sender, time), which 64 KiB chunks would split in two; in Chromium every data-channel message
 * costs about as much as 64 KiB of payload, so that alone cost a fifth of the throughput.
 */
export const LARGE_CHUNK_BYTES = 256 * 1024;

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

/**
 * First wait before reconnecting to a signaling server that dropped us. Half a second rides out a
 * server restart or a proxy reload without hammering it when a whole room reconnects at once
 * (each wait is also jittered, see RECONNECT_JITTER).
 */
export const RECONNECT_BASE_MS = 500;

/**
 * Longest wait between reconnection attempts; the wait doubles from RECONNECT_BASE_MS up to this.
 * 30 s bounds how long a room stays unreachable after a long outage ends, while a server that is
 * down for hours sees two attempts a minute from each client.
 */
export const RECONNECT_MAX_MS = 30_000;

/**
 * Each reconnect wait is scaled by a random factor in [1 - RECONNECT_JITTER, 1], so that the clients
 * a restart dropped all at once do not all come back in the same millisecond.
 */
export const RECONNECT_JITTER = 0.5;

/**
 * How long a (re)connection to the signaling server may take from opening the WebSocket to the
 * `peers` reply. The server itself closes a connection that has not joined in 10 s; waiting as long
 * covers a slow TLS proxy, and then the attempt counts as a drop and backs off.
 */
export const SIGNALING_JOIN_TIMEOUT_MS = 10_000;

/**
 * After `id-taken` on a rejoin, the server still holds our previous, dead connection. PROTOCOL.md:
 * its heartbeat drops it within 2 x heartbeatMs (15 s by default); one more second covers the ping
 * round trip.
 */
export const ID_TAKEN_RETRY_MS = 31_000;

/**
 * A newcomer offers to at most this many members of a room at once (chosen at random). The socket
 * keeps 4 outgoing connections by default and learns further peers through peer exchange, so more
 * offers would only open links it did not ask for and slow a join on a weak device.
 */
export const ROOM_OFFER_LIMIT = 4;

/**
 * How long a connection may stay `disconnected` (ICE consent checks failing) before we close it. A
 * page that was closed or lost its network never comes back; a brief Wi-Fi hiccup recovers within a
 * few seconds. 5 s lets the socket notice a departed peer quickly without cutting healthy links.
 */
export const DISCONNECTED_GRACE_MS = 5_000;

/**
 * Random bytes in a signaling session id (one per peer-connection attempt, chosen by the offerer).
 * 64 bits: two attempts between one pair of peers never share one, and it costs 16 hex characters.
 */
export const SESSION_ID_BYTES = 8;

/**
 * How many more times a connection we initiated (or answered while a dial of ours waits on it: a
 * glare) is tried when it fails in ICE or DTLS before its data channel opens (WebRtcHandshakeError). Such failures are rare and independent: two retries
 * turn a few percent into a few in a hundred thousand, without hiding a peer that is really gone
 * (that one times out instead, and is not retried).
 */
export const HANDSHAKE_RETRIES = 2;

/**
 * Further immediate retries, on top of HANDSHAKE_RETRIES, for attempts whose DTLS handshake failed
 * after ICE connected ('dtls-failed'). With node-datachannel that is a race inside libdatachannel,
 * not the network: its setRemoteDescription gives ICE the answer before it stores the fingerprint
 * the peer's certificate is checked against (and its DTLS start takes records before it sets the
 * MTU), so a handshake that arrives while the thread applying the answer is descheduled fails on
 * both sides. On 2 cores shared by 3 busy processes that hit 7 attempts in 900 (multi-process
 * loopback repro), in bursts: three in a row, within one load spike, failed whole dials in CI.
 * Six more attempts (a few ms each on a host path) outlast such a spike; a peer whose certificate
 * really is not the one its signals announced fails them all in seconds and goes to the backoff.
 */
export const DTLS_RACE_RETRIES = 6;

/**
 * After a local close the link stays up while what was sent still goes out and until the peer
 * acknowledges the close, but no more than this without progress (a peer that vanished, or one
 * that predates the close messages); normally the acknowledgement takes a round trip.
 */
export const CLOSE_LINGER_MS = 1_000;

/**
 * The graceful close of a data-channel link, as text messages (py2p frames are always binary, so
 * neither can be mistaken for one): the closing side sends CLOSE_REQUEST after its last bytes; the
 * peer answers CLOSE_ACK once it has read them, then hangs up.
 */
export const CLOSE_REQUEST = 'web2p:close';
export const CLOSE_ACK = 'web2p:close-ack';

/**
 * A liveness probe, as text messages like the close ones: PROBE asks the peer to answer PROBE_ANSWER
 * at once. Sent when the signaling server says the peer left, which it also says of a page that
 * closed or crashed without its goodbye reaching us (its WebSocket closes with it, its peer
 * connection goes silent), long before ICE would tell.
 */
export const PROBE = 'web2p:probe';
export const PROBE_ANSWER = 'web2p:probe-answer';

/**
 * How long a probed link may stay silent (no answer, no message from the peer, and none of our own
 * bytes acknowledged by it) before it is closed as gone. Any of those restarts the wait, so a
 * healthy peer behind a busy or slow link is not cut; a gone one is dropped about this long after
 * the server announced it. A loaded page answers within tens of milliseconds.
 */
export const PROBE_SILENCE_MS = 3_000;

/**
 * Most ICE servers taken from a signaling server's `ice` message, and URLs per server: every one
 * costs each connection STUN requests or a relay allocation, and browsers warn past a handful.
 * A list longer than that is refused whole (and the servers already known are kept).
 */
export const MAX_ICE_SERVERS = 8;
export const MAX_ICE_URLS_PER_SERVER = 8;

/** Longest URL, username or credential taken from an `ice` message: real ones are under 200 characters. */
export const MAX_ICE_STRING_LENGTH = 512;

/**
 * After every attempt to reach a peer failed (its handshake retries included), the next try waits
 * this long, doubling with each further failure up to UNREACHABLE_RETRY_MAX_MS. A peer behind a NAT
 * we cannot pierce costs at most five RTCPeerConnections in its first minute and then one every few
 * minutes, instead of one every timeout forever (34 in 160 s before); a peer that only lost a race
 * (a tab reloading) is back within seconds.
 */
export const UNREACHABLE_RETRY_BASE_MS = 4_000;
export const UNREACHABLE_RETRY_MAX_MS = 300_000;

/**
 * Unreachable peers remembered at once, for their backoff: past this the oldest is forgotten (and
 * only loses its backoff). An entry is a few dozen bytes, so a hostile room cannot grow it unbounded.
 */
export const MAX_UNREACHABLE_PEERS = 1_024;

/**
 * Members a signaling room said left, remembered at once so that a dial to one of them (the mesh
 * redials departed neighbours and peers from its peer book) fails before it builds an
 * RTCPeerConnection no signal could reach: Chromium refuses a page its 501st connection until
 * closed ones are garbage-collected, and a long-lived page in a churning room reached that after
 * 134 rejoins, about 3.7 futile connections each. Past this the oldest is forgotten (a dial to it
 * builds a connection again and fails as before); an entry is one id, so a hostile room cannot grow it.
 */
export const MAX_DEPARTED_MEMBERS = 1_024;
