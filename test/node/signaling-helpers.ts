/**
 * Real `ws` clients against a real signaling server on 127.0.0.1, with waits on events and
 * deadlines, never on fixed sleeps.
 */
import { randomInt } from 'node:crypto';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { startSignalingServer, type SignalingServer, type SignalingServerOptions } from '../../signaling-server/src/index.js';
import { waitFor } from '../contract/wait.js';

export { waitFor };

/** How long a test waits for any one network event before failing with a clear message. */
export const EVENT_TIMEOUT_MS = 5_000;

const servers: SignalingServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * Starts a server on an ephemeral port; it is closed after the test. The raw clients here join
 * under made-up ids without proofs, so the server admits unproven joins unless a test asks for
 * `joinProof: 'required'` (the default of a real server; test/adversarial covers it).
 */
export async function startServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', joinProof: 'optional', ...options });
  servers.push(server);
  return server;
}

/** A JSON message from the server, loosely typed so that tests can assert on any field. */
export type Received = { type: string; [field: string]: unknown };

export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client that keeps every message it has not yet been asked for. */
export class TestClient {
  readonly closed: Promise<Closed>;
  /** The nonce of the server's `challenge`, which every connection gets first (kept out of the inbox). */
  nonce: string | undefined;
  private readonly inbox: Received[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Received;
      if (message.type === 'challenge' && this.nonce === undefined) {
        this.nonce = message.nonce as string;
        return;
      }
      this.inbox.push(message);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Takes the oldest message that matches `predicate`, waiting for it up to `timeoutMs`. */
  next(predicate: (message: Received) => boolean = () => true, timeoutMs = EVENT_TIMEOUT_MS): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const index = this.inbox.findIndex(predicate);
        if (index < 0) return;
        cleanup();
        resolve(this.inbox.splice(index, 1)[0]!);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching message within ${timeoutMs} ms; unclaimed: ${JSON.stringify(this.inbox)}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Takes the oldest message of `type`. */
  nextOfType(type: string, timeoutMs?: number): Promise<Received> {
    return this.next((message) => message.type === type, timeoutMs);
  }

  /** Messages received and not yet taken. */
  get unclaimed(): readonly Received[] {
    return this.inbox;
  }

  /** Forgets every message received and not yet taken. */
  discard(): void {
    this.inbox.length = 0;
  }

  /** Round trip through the server: proves the connection is open and everything before was handled. */
  async ping(): Promise<void> {
    this.send({ type: 'ping' });
    await this.nextOfType('pong');
  }

  /** Resolves with the close code and reason, failing after `timeoutMs`. */
  async waitClosed(timeoutMs = EVENT_TIMEOUT_MS): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Opens a connection to `room` (a raw path, so tests can send bad ones); closed after the test. */
export async function connect(server: SignalingServer, path: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(`${server.url}/${path}`, options);
  const client = new TestClient(ws);
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

/** Connects and joins `room` as `id`; resolves with the client and the `peers` list it got. */
export async function join(
  server: SignalingServer,
  room: string,
  id = makeId(),
  options?: WebSocket.ClientOptions,
): Promise<{ client: TestClient; id: string; peers: string[] }> {
  const client = await connect(server, room, options);
  client.send({ type: 'join', id });
  const { ids } = await client.nextOfType('peers');
  return { client, id, peers: ids as string[] };
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A random id shaped like a web2p node id (66 base58 characters). */
export function makeId(): string {
  return Array.from({ length: 66 }, () => BASE58[randomInt(BASE58.length)]).join('');
}

/** GET on the server's HTTP side. */
export async function get(server: SignalingServer, path: string): Promise<Response> {
  return fetch(`${server.url.replace(/^ws/, 'http')}${path}`);
}

/** The value of one sample in a Prometheus text exposition, e.g. `metric(text, 'x_total{reason="a"}')`. */
export function metric(text: string, sample: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no sample ${sample} in metrics:\n${text}`);
  return Number(line.slice(sample.length + 1));
}
