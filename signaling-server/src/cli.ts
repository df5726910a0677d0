#!/usr/bin/env node
/** `web2p-signal --port 8787 [--host 127.0.0.1] [--static DIR] [--redis URL] [--stun URL] [--turn URL --turn-secret S] …`: runs the server until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DEFAULT_HOST,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_ROOM_SIZE,
  DEFAULT_PORT,
  DEFAULT_REDIS_LEASE_MS,
  DEFAULT_TURN_TTL_SECONDS,
} from './constants.js';
import { SignalingServerError } from './errors.js';
import { startSignalingServer } from './server.js';

const USAGE = `usage: web2p-signal [--port ${DEFAULT_PORT}] [--host ${DEFAULT_HOST}] [--static DIR] [--redis URL]

  --port N      TCP port; 0 picks a free one (default ${DEFAULT_PORT})
  --host H      interface to listen on; 0.0.0.0 accepts other machines (default ${DEFAULT_HOST})
  --static DIR  also serve the files of DIR over HTTP on the same port
  --redis URL   share rooms with every instance using this Redis (redis://127.0.0.1:6379)
  --redis-lease-ms N
                how long a dead instance's members stay in Redis (default ${DEFAULT_REDIS_LEASE_MS})
  --cert FILE --key FILE
                serve https:// and wss:// with this PEM certificate (chain) and key
  --origin URL  allow browser pages from this origin only (repeatable; e.g. https://app.example);
                clients that send no Origin (Node peers) are always let in (default: any origin)
  --max-connections N
                open connections in all (default ${DEFAULT_MAX_CONNECTIONS})
  --max-per-ip N
                open connections from one address (default ${DEFAULT_MAX_CONNECTIONS_PER_IP}; raise it behind a proxy)
  --max-room-size N
                members of one room (default ${DEFAULT_MAX_ROOM_SIZE})
  --unsigned-joins
                also admit clients that do not prove their id (older web2p); a proven join still
                takes its id back from them (default: every join must prove its id)
  --stun URL    tell clients to use this STUN server (repeatable; e.g. stun:stun.example:3478)
  --turn URL --turn-secret SECRET [--turn-ttl S]
                tell clients to use this TURN server (repeatable URL) with credentials valid for S
                seconds (default ${DEFAULT_TURN_TTL_SECONDS}), made from SECRET as coturn's use-auth-secret
                expects (its static-auth-secret); renewed before they expire
  --help        print this and exit

Clients connect to ws://HOST:PORT/<room>; GET /healthz and /metrics report on the server.`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: String(DEFAULT_PORT) },
        host: { type: 'string', default: DEFAULT_HOST },
        static: { type: 'string' },
        redis: { type: 'string' },
        'redis-lease-ms': { type: 'string', default: String(DEFAULT_REDIS_LEASE_MS) },
        cert: { type: 'string' },
        key: { type: 'string' },
        origin: { type: 'string', multiple: true },
        'max-connections': { type: 'string', default: String(DEFAULT_MAX_CONNECTIONS) },
        'max-per-ip': { type: 'string', default: String(DEFAULT_MAX_CONNECTIONS_PER_IP) },
        'max-room-size': { type: 'string', default: String(DEFAULT_MAX_ROOM_SIZE) },
        'unsigned-joins': { type: 'boolean', default: false },
        stun: { type: 'string', multiple: true },
        turn: { type: 'string', multiple: true },
        'turn-secret': { type: 'string' },
        'turn-ttl': { type: 'string', default: String(DEFAULT_TURN_TTL_SECONDS) },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fatal(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  for (const flag of ['port', 'redis-lease-ms', 'max-connections', 'max-per-ip', 'max-room-size', 'turn-ttl'] as const) {
    if (!/^\d+$/.test(values[flag])) fatal(`--${flag} must be a number, not ${values[flag]}\n${USAGE}`, 2);
  }
  if ((values.cert === undefined) !== (values.key === undefined)) fatal(`--cert and --key go together\n${USAGE}`, 2);
  if ((values.turn === undefined) !== (values['turn-secret'] === undefined)) fatal(`--turn and --turn-secret go together\n${USAGE}`, 2);
  const turn = values.turn && { urls: values.turn, secret: values['turn-secret']!, ttlSeconds: Number(values['turn-ttl']) };
  const tls = values.cert === undefined ? undefined : { cert: readPem(values.cert), key: readPem(values.key!) };

  const server = await startSignalingServer({
    port: Number(values.port),
    host: values.host,
    staticDir: values.static,
    redis: values.redis,
    redisLeaseMs: Number(values['redis-lease-ms']),
    maxConnections: Number(values['max-connections']),
    maxConnectionsPerIp: Number(values['max-per-ip']),
    maxRoomSize: Number(values['max-room-size']),
    origins: values.origin,
    joinProof: values['unsigned-joins'] ? 'optional' : 'required',
    tls,
    stun: values.stun,
    turn,
  });
  console.log(`web2p-signal listening on ${server.url} (connect to ${server.url}/<room>)`);
  if (values.redis !== undefined) console.log(`sharing rooms through ${values.redis} (redis ${server.stats().backend?.up ? 'up' : 'down for now'})`);
  if (values.stun || turn) console.log(`ICE servers for clients: ${[...(values.stun ?? []), ...(turn?.urls ?? [])].join(' ')}`);
  if (values.static !== undefined) console.log(`serving ${values.static} at ${server.url.replace(/^ws/, 'http')}/`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal means the operator is done waiting for clients to close politely.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`web2p-signal: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => fatal(`web2p-signal: failed to close: ${String(error)}`, 1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    fatal(`web2p-signal: cannot read ${path}: ${(error as Error).message}`, 2);
  }
}

function fatal(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

main().catch((error: unknown) => {
  fatal(error instanceof SignalingServerError ? `web2p-signal: ${error.message}` : `web2p-signal: ${String(error)}`, 1);
});
