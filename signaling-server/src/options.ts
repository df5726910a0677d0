/** The one typed config of the server: what callers may pass, and the checked, defaulted result. */
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HOST,
  DEFAULT_JOIN_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_INVALID_MESSAGES,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_MAX_ROOM_SIZE,
  DEFAULT_PEER_SAMPLE_SIZE,
  DEFAULT_PORT,
  DEFAULT_RATE_BURST,
  DEFAULT_RATE_PER_SECOND,
  DEFAULT_REDIS_LEASE_MS,
  DEFAULT_TURN_TTL_SECONDS,
  MAX_ICE_URLS,
  MIN_TURN_TTL_SECONDS,
} from './constants.js';
import { OptionsError } from './errors.js';
import type { IceConfig } from './ice.js';
import type { RoomBackend } from './rooms.js';

export interface SignalingServerOptions {
  /** TCP port; 0 picks a free one (read it back from `server.port`). Default 8787. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1; use 0.0.0.0 to accept other machines. */
  host?: string;
  /** Largest WebSocket frame in bytes; a bigger one closes its client with 1009. Default 64 KiB. */
  maxPayload?: number;
  /** Per-client token bucket; exceeding it closes the client with 4003. Default 50/s, burst 100. */
  rateLimit?: { perSecond?: number; burst?: number };
  /** Ping interval; a client that has not answered the previous ping is dropped. Default 15 000. */
  heartbeatMs?: number;
  /** Time a connection has to join a room before it is closed with 4001. Default 10 000. */
  joinTimeoutMs?: number;
  /**
   * 'required' (default): a `join` must prove, over this connection's challenge, that the client
   * holds the key its id was derived from (web2p's clients do), so no one can join under another's
   * id. 'optional': joins without a proof are let in too (older clients), but never in place of a
   * proven member, and a proven join takes its id back from whoever holds it.
   */
  joinProof?: 'required' | 'optional';
  /** The invalid message that reaches this count closes its client with 4002. Default 10. */
  maxInvalidMessages?: number;
  /** Open connections in all; a newcomer past it is closed with 4005. Default 10 000. */
  maxConnections?: number;
  /** Open connections from one IP address; a newcomer past it is closed with 4006. Default 64. */
  maxConnectionsPerIp?: number;
  /** Members of one room; a `join` past it gets the error `room-full`. Default 4096. */
  maxRoomSize?: number;
  /** How many members a joiner's `peers` list names (a random sample); they alone hear `joined`. Default 32. */
  peerSampleSize?: number;
  /** Bytes queued for a client that is not reading before it is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
  /**
   * Browser origins allowed to connect (`https://app.example`), compared exactly; a page from any
   * other origin is closed with 4007. Clients that send no Origin (Node peers) are not browsers and
   * are let in. Default: every origin.
   */
  origins?: readonly string[];
  /** Serve HTTPS and `wss://` with this PEM certificate chain and key. Default: plain HTTP and `ws://`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Serve the files of this directory over HTTP on the same port. Default: no files. */
  staticDir?: string;
  /** Room membership and delivery; the seam for a backend shared between instances. Default in-memory. */
  rooms?: RoomBackend;
  /**
   * `redis://host:port`: share rooms with every instance using this Redis (instead of `rooms`).
   * Default: none, and ioredis is never loaded.
   */
  redis?: string;
  /** How long a member outlives its instance in Redis when the instance dies. Default 15 000. */
  redisLeaseMs?: number;
  /** Told about internal failures (bugs); the affected client is closed with 1011. Default console.error. */
  onError?: (error: unknown) => void;
  /** STUN servers every client is told to use (`stun:host:port`). Default: none. */
  stun?: readonly string[];
  /**
   * TURN servers (`turn:host:port`, `turns:…`) sharing `secret` with the server (coturn's
   * `use-auth-secret` + `static-auth-secret`): each client gets credentials valid for `ttlSeconds`
   * (default one day), renewed before they expire. Default: none.
   */
  turn?: { urls: readonly string[]; secret: string; ttlSeconds?: number };
}

export interface ResolvedOptions {
  port: number;
  host: string;
  maxPayload: number;
  ratePerSecond: number;
  rateBurst: number;
  heartbeatMs: number;
  joinTimeoutMs: number;
  joinProof: 'required' | 'optional';
  maxInvalidMessages: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxRoomSize: number;
  peerSampleSize: number;
  maxBufferedBytes: number;
  /** Undefined: every origin. */
  origins: ReadonlySet<string> | undefined;
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
  staticDir: string | undefined;
  /** As given; server.ts opens the backend (Redis, or in-memory by default). */
  rooms: RoomBackend | undefined;
  redis: string | undefined;
  redisLeaseMs: number;
  onError: (error: unknown) => void;
  ice: IceConfig;
}

/** The options once the room backend is open (server.ts): what every session works with. */
export type ServerConfig = ResolvedOptions & { rooms: RoomBackend };

export function resolveOptions(options: SignalingServerOptions): ResolvedOptions {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new OptionsError(`port must be an integer from 0 to 65535 (0 picks a free port), not ${port}`);
  }
  if (options.rooms !== undefined && options.redis !== undefined) {
    throw new OptionsError('pass either rooms or redis, not both: redis makes its own room backend');
  }
  if (options.redis !== undefined && !/^rediss?:\/\//.test(options.redis)) {
    throw new OptionsError(`redis must be a URL like redis://127.0.0.1:6379, not ${options.redis}`);
  }
  return {
    port,
    host: options.host ?? DEFAULT_HOST,
    maxPayload: atLeastOne('maxPayload', options.maxPayload ?? DEFAULT_MAX_PAYLOAD),
    ratePerSecond: atLeastOne('rateLimit.perSecond', options.rateLimit?.perSecond ?? DEFAULT_RATE_PER_SECOND),
    rateBurst: atLeastOne('rateLimit.burst', options.rateLimit?.burst ?? DEFAULT_RATE_BURST),
    heartbeatMs: atLeastOne('heartbeatMs', options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
    joinTimeoutMs: atLeastOne('joinTimeoutMs', options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS),
    joinProof: joinProofMode(options.joinProof),
    maxInvalidMessages: atLeastOne('maxInvalidMessages', options.maxInvalidMessages ?? DEFAULT_MAX_INVALID_MESSAGES),
    maxConnections: atLeastOne('maxConnections', options.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
    maxConnectionsPerIp: atLeastOne('maxConnectionsPerIp', options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP),
    maxRoomSize: atLeastOne('maxRoomSize', options.maxRoomSize ?? DEFAULT_MAX_ROOM_SIZE),
    peerSampleSize: atLeastOne('peerSampleSize', options.peerSampleSize ?? DEFAULT_PEER_SAMPLE_SIZE),
    maxBufferedBytes: atLeastOne('maxBufferedBytes', options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES),
    origins: options.origins === undefined ? undefined : new Set(options.origins.map(checkOrigin)),
    tls: options.tls,
    staticDir: options.staticDir,
    rooms: options.rooms,
    redis: options.redis,
    redisLeaseMs: atLeastOne('redisLeaseMs', options.redisLeaseMs ?? DEFAULT_REDIS_LEASE_MS),
    onError: options.onError ?? ((error) => console.error('web2p-signal: internal error', error)),
    ice: resolveIce(options),
  };
}

function resolveIce(options: SignalingServerOptions): IceConfig {
  const stun = iceUrls('stun', options.stun ?? [], /^stuns?:/);
  if (options.turn === undefined) return { stun, turn: undefined };
  const { secret, ttlSeconds = DEFAULT_TURN_TTL_SECONDS } = options.turn;
  const urls = iceUrls('turn', options.turn.urls, /^turns?:/);
  if (urls.length === 0) throw new OptionsError('turn needs at least one URL, like turn:turn.example:3478');
  if (secret === '') throw new OptionsError("turn needs the secret shared with the TURN server (coturn's static-auth-secret)");
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TURN_TTL_SECONDS) {
    throw new OptionsError(`turn ttlSeconds must be an integer of at least ${MIN_TURN_TTL_SECONDS}, not ${ttlSeconds}`);
  }
  return { stun, turn: { urls, secret, ttlSeconds } };
}

function iceUrls(kind: string, urls: readonly string[], scheme: RegExp): string[] {
  if (urls.length > MAX_ICE_URLS) throw new OptionsError(`at most ${MAX_ICE_URLS} ${kind} URLs, not ${urls.length}`);
  for (const url of urls) {
    if (!scheme.test(url) || /\s/.test(url)) throw new OptionsError(`${kind} URLs look like ${kind}:host:port, not ${url}`);
  }
  return [...urls];
}

/** An origin as browsers send it: scheme, host and optional port, nothing after. */
function checkOrigin(origin: string): string {
  if (!/^https?:\/\/[^/?#\s]+$/.test(origin)) {
    throw new OptionsError(`origins must look like https://app.example or http://127.0.0.1:8787 (no path), not ${origin}`);
  }
  return origin;
}

/** Every numeric limit is a count, a rate or a duration for which anything below 1 is meaningless. */
function atLeastOne(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) throw new OptionsError(`${name} must be a number of at least 1, not ${value}`);
  return value;
}

function joinProofMode(mode: SignalingServerOptions['joinProof']): 'required' | 'optional' {
  if (mode === undefined || mode === 'required' || mode === 'optional') return mode ?? 'required';
  throw new OptionsError(`joinProof must be 'required' or 'optional', not ${String(mode)}`);
}
