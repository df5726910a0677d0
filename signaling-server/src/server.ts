/**
 * The signaling server: one HTTP server whose upgrades become room sessions, plus the heartbeat
 * sweep and an orderly shutdown. The protocol lives in session.ts; this file only wires it up.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Admission } from './admission.js';
import { CLOSE_CODES, SHUTDOWN_GRACE_MS } from './constants.js';
import { ListenError } from './errors.js';
import { createRequestListener } from './http.js';
import { roomFromUrl } from './messages.js';
import { Metrics, type Gauges } from './metrics.js';
import { resolveOptions, type ResolvedOptions, type SignalingServerOptions } from './options.js';
import { MemoryRoomBackend, type RoomBackend } from './rooms.js';
import { Session } from './session.js';
import { staticRoot } from './static.js';

export interface SignalingServer {
  /** The port actually listened on (the ephemeral one when 0 was asked for). */
  readonly port: number;
  readonly host: string;
  /** `ws://host:port` (`wss://` with `tls`); a client connects to `${url}/<room>`. */
  readonly url: string;
  /** Open connections, rooms with a member here and, with Redis, its state, as /healthz reports them. */
  stats(): Gauges;
  /** Stops accepting, closes every client with 1001, and resolves once all sockets are gone. */
  close(): Promise<void>;
}

export async function startSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const resolved = resolveOptions(options);
  const config = { ...resolved, rooms: await openRoomBackend(resolved) };
  const metrics = new Metrics();
  const sessions = new Set<Session>();
  const stats = (): Gauges => ({ clients: sessions.size, rooms: config.rooms.localRoomCount, backend: config.rooms.health?.() });
  let stopping: Promise<void> | undefined;

  const admission = new Admission(config);
  const listener = createRequestListener({
    metrics,
    gauges: stats,
    staticRoot: config.staticDir === undefined ? undefined : await staticRoot(config.staticDir),
    onError: config.onError,
  });
  const http = config.tls === undefined ? createServer(listener) : createTlsServer({ cert: config.tls.cert, key: config.tls.key }, listener);
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload, clientTracking: false });

  function accept(ws: WebSocket, request: IncomingMessage): void {
    ws.on('error', () => {}); // until a Session owns it, a socket error must not become an uncaught one
    const target = roomFromUrl(request.url ?? '');
    if (stopping || 'problem' in target) {
      metrics.closed(stopping ? 'shutdown' : 'bad-room');
      if ('problem' in target) ws.close(CLOSE_CODES.badRoom, target.problem);
      else ws.close(CLOSE_CODES.shutdown, 'server shutting down');
      return;
    }
    const admitted = admission.admit(request);
    if (!admitted.ok) {
      metrics.closed(admitted.reason);
      ws.close(admitted.code, admitted.text);
      return;
    }
    const session = new Session(ws, target.room, config, metrics);
    sessions.add(session);
    void session.done.then(() => {
      sessions.delete(session);
      admitted.release();
    });
  }

  http.on('upgrade', (request: IncomingMessage, socket, head) => {
    try {
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
    } catch (error) {
      config.onError(error);
      socket.destroy();
    }
  });

  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat();
  }, config.heartbeatMs);

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(heartbeat);
    await config.rooms.close?.();
    throw new ListenError(
      `cannot listen on ${config.host}:${config.port} (${(error as Error).message}); pick another port or host`,
      { cause: error },
    );
  }
  http.on('error', config.onError); // after listening, a server error is a bug to report, not a crash

  const port = (http.address() as AddressInfo).port;
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;

  async function stop(): Promise<void> {
    clearInterval(heartbeat);
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    await Promise.all([...sessions].map((session) => session.shutdown(SHUTDOWN_GRACE_MS)));
    http.closeAllConnections();
    await closed;
    await config.rooms.close?.();
  }

  return {
    port,
    host: config.host,
    url: `${config.tls === undefined ? 'ws' : 'wss'}://${urlHost}:${port}`,
    stats,
    close: () => (stopping ??= stop()),
  };
}

/** The backend sessions use: Redis when asked for (ioredis loaded only then), else the caller's or memory. */
async function openRoomBackend(config: ResolvedOptions): Promise<RoomBackend> {
  if (config.redis === undefined) return config.rooms ?? new MemoryRoomBackend();
  const { openRedisRooms } = await import('./redis-rooms.js');
  return openRedisRooms({ url: config.redis, leaseMs: config.redisLeaseMs, onError: config.onError });
}
