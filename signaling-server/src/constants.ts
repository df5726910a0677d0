/**
 * Every limit and default of the signaling server, in one place. The DEFAULT_ ones can be overridden
 * through `startSignalingServer` options (port and host also through the CLI); those marked "wire
 * protocol" are fixed by PROTOCOL.md.
 */

/** Port the CLI and `startSignalingServer` listen on when none is given. */
export const DEFAULT_PORT = 8787;

/** Loopback by default: exposing the server to a network must be a deliberate `--host 0.0.0.0`. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Largest WebSocket frame accepted, in bytes (ws `maxPayload`). An SDP offer with many candidates is
 * a few KiB; 64 KiB leaves room for that while keeping a hostile client from making us buffer much.
 */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024;

/** Sustained messages per second one client may send: a WebRTC handshake needs a few dozen in all. */
export const DEFAULT_RATE_PER_SECOND = 50;

/** Messages one client may send at once before the sustained rate applies (a burst of candidates). */
export const DEFAULT_RATE_BURST = 100;

/** How often every client is pinged; one that has not answered the previous ping is dropped. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** How long a new connection may take to send `join` before it is closed: it holds a socket meanwhile. */
export const DEFAULT_JOIN_TIMEOUT_MS = 10_000;

/**
 * When an id's owner joins again (proving it) while the room still holds its old connection (dead,
 * but not yet past its heartbeat), the old one is closed and the join waits this long for it to
 * leave: a local leave takes a tick, one through Redis a round trip or two.
 */
export const RECLAIM_WAIT_MS = 2_000;

/** How often a reclaiming join looks whether the old connection has left. */
export const RECLAIM_POLL_MS = 10;

/** Invalid messages one client may send in its lifetime; the one that reaches this count closes it. */
export const DEFAULT_MAX_INVALID_MESSAGES = 10;

/**
 * Open WebSocket connections one server accepts in all. Each costs a socket, a session and its
 * buffers (a few KiB idle); past this a newcomer is closed with 4005 instead of the server running out
 * of file descriptors or memory. 10,000 idle clients stay under ~100 MB.
 */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/**
 * Open connections from one IP address. A household or office behind one NAT opens a few per person
 * (one per tab and room); a single host opening hundreds is a bot. Behind a reverse proxy every client
 * shares the proxy's address: raise this (or set it to the total cap) there.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 64;

/**
 * Members of one room. Joins cost O(1) each (see DEFAULT_PEER_SAMPLE_SIZE), so a big room is cheap for the
 * server; the cap bounds the memory one room's name can pin and the id list Redis holds for it.
 */
export const DEFAULT_MAX_ROOM_SIZE = 4_096;

/**
 * How many members a joiner is introduced to (its `peers` list) and who hears `joined` of it. A web2p
 * node offers to a few of them and finds the rest through the mesh, so a sample this size keeps the
 * newcomer well connected while a join costs O(1) frames, not O(room): 2,000 members used to cost
 * 2 M frames and a 138 KB `peers` list, over the clients' own 64 KiB frame limit.
 */
export const DEFAULT_PEER_SAMPLE_SIZE = 32;

/**
 * Bytes the server may hold queued for one client that is not reading. An honest client drains a
 * burst of candidates and offers (tens of KiB) at once; one that stops reading is cut off (no close
 * frame: it would only queue behind the backlog) rather than making the server buffer without bound
 * (it grew by 217 MiB in 10 s before this limit).
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** How long `close()` waits for clients to acknowledge the closing handshake before cutting them off. */
export const SHUTDOWN_GRACE_MS = 2_000;

/** Room names and node ids (wire protocol): shared with the client, in the library's signaling module. */
export { ID_PATTERN, MAX_ID_LENGTH, MAX_ROOM_LENGTH, ROOM_PATTERN } from 'web2p/signaling';

/**
 * WebSocket close codes the server sends (wire protocol). 1001 and 1009 are the standard meanings;
 * the 4xxx codes are ours. A client that misses a heartbeat is cut off without a close frame, so it
 * sees 1006 (abnormal closure) locally.
 */
export const CLOSE_CODES = {
  /** The server is shutting down. */
  shutdown: 1001,
  /** A frame was larger than `maxPayload` (sent by ws itself). */
  tooBig: 1009,
  /** The server failed while handling this client's message: a bug, reported to `onError`. */
  internal: 1011,
  /** The URL path is not a valid room name. */
  badRoom: 4000,
  /** No successful `join` within the join timeout. */
  joinTimeout: 4001,
  /** Too many invalid messages. */
  abuse: 4002,
  /** Messages arrived faster than the rate limit allows. */
  rateLimited: 4003,
  /** The server holds `maxConnections` connections already: try again later or another instance. */
  serverFull: 4005,
  /** This client's IP address holds `maxConnectionsPerIp` connections already. */
  ipLimit: 4006,
  /** The page's Origin is not in the server's `origins` allow-list. */
  originRefused: 4007,
  /** The owner of this connection's id joined again on a new connection, proving it (join proof). */
  replaced: 4008,
} as const;

/**
 * How long a member stays in Redis without its instance renewing it (`redisLeaseMs`). A crashed
 * instance's members are announced as `left` and gone from Redis at most this long (plus one
 * renewal interval) after it died; shorter costs more renewals.
 */
export const DEFAULT_REDIS_LEASE_MS = 15_000;

/** Leases are renewed this many times per lease, so that one late renewal does not drop anyone. */
export const REDIS_RENEWALS_PER_LEASE = 3;

/** Prefix of every Redis key and channel the server uses, so that it can share a Redis. */
export const REDIS_PREFIX = 'web2p-signal:';

/** Longest wait between attempts to reach a lost Redis: a returning Redis is caught up within it. */
export const REDIS_RETRY_MAX_MS = 1_000;

/**
 * A Redis command that takes longer fails, and the client is served as if Redis were down: a hung
 * Redis must not hang joins. Loopback or LAN round trips are well under a millisecond.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * How long the TURN credentials handed to a client stay valid (`--turn-ttl`). coturn checks the
 * expiry only when an allocation is made or refreshed, so a relay already in use outlives it; a day
 * keeps leaked credentials short-lived while a client renews them once or twice a day.
 */
export const DEFAULT_TURN_TTL_SECONDS = 86_400;

/**
 * Shortest `--turn-ttl`: credentials are renewed at ICE_REFRESH_FRACTION of it, and anything under
 * a minute would turn renewals into traffic and fail clients whose clocks are a little off.
 */
export const MIN_TURN_TTL_SECONDS = 60;

/**
 * A client gets fresh TURN credentials when this fraction of their lifetime has passed: half leaves
 * as much time again for a connection that starts just before the renewal to allocate its relay.
 */
export const ICE_REFRESH_FRACTION = 0.5;

/** Most `--stun`/`--turn` URLs: each is tried by every client's ICE agent, and browsers warn past 4 servers. */
export const MAX_ICE_URLS = 8;
