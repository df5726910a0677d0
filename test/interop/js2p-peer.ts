/**
 * js2p@0.7.870 peers for tests, free of any test runner: vitest's interop tests (js2p-helpers.ts)
 * and Playwright's bridge test both start and close them through this file.
 */
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { waitFor } from '../contract/wait.js';

// js2p is CommonJS without types: it is driven through this loose shape.
export const js2p = createRequire(import.meta.url)('js2p') as any;

export type Encryption = 'Plaintext' | 'SSL' | 'ws';
export const HOST = '127.0.0.1';
/** Loopback networks settle in milliseconds; this only bounds a failure. */
export const NETWORK_MS = 10_000;

export interface Heard {
  sender: string;
  /** The message's date in seconds, part of what makes its id (two copies of a text with two dates are two messages). */
  time: number;
  /** The user packets, after the sub-flag. */
  packets: unknown[];
  reply(...packets: unknown[]): void;
}

export interface Js2pNode {
  sock: any;
  port: number;
  id: string;
  heard: Heard[];
  texts(): string[];
  close(): void;
}

/** A port free right now, for js2p, which cannot bind port 0 (it would advertise 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

export function heardFrom(packets: unknown[], sender: unknown, time: number, reply: (...packets: unknown[]) => void): Heard {
  return { sender: String(sender), time, packets: packets.slice(1), reply };
}

export const textsOf = (heard: Heard[]) => (): string[] => heard.map((h) => String(h.packets[h.packets.length - 1]));

/** js2p's close() leaves handshake-pending connections and its ws server's clients open. */
function closeJs2p(sock: any): void {
  const connections = [...sock.routing_table.values(), ...sock.awaiting_ids];
  sock.close();
  const destroy = (raw: any) => (raw.destroy ? raw.destroy() : raw.socket?.destroy());
  for (const conn of connections) destroy(conn.sock);
  for (const client of sock.incoming.connections ?? []) destroy(client);
}

async function startJs2p(make: (port: number) => any): Promise<Js2pNode> {
  const port = await freePort();
  const sock = make(port);
  const heard: Heard[] = [];
  sock.on('message', () => {
    for (let msg = sock.recv(); msg; msg = sock.recv()) {
      heard.push(heardFrom(msg.packets, msg.sender, Number(msg.time), (...packets) => msg.reply(packets)));
    }
  });
  // nodejs-websocket's server wraps a net.Server as `.socket`.
  const server = sock.incoming.socket ?? sock.incoming;
  await waitFor(() => server.listening === true, NETWORK_MS, 'js2p to listen');
  return { sock, port, id: String(sock.id), heard, texts: textsOf(heard), close: () => closeJs2p(sock) };
}

export function startJs2pMesh(encryption: Encryption, subnet = 'mesh'): Promise<Js2pNode> {
  return startJs2p((port) => new js2p.mesh.MeshSocket(HOST, port, new js2p.base.Protocol(subnet, encryption)));
}

export function startJs2pSync(encryption: Encryption, leasing: boolean): Promise<Js2pNode> {
  return startJs2p((port) => new js2p.sync.SyncSocket(HOST, port, new js2p.base.Protocol('sync', encryption), leasing));
}
