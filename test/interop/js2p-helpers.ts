/**
 * js2p@0.7.870 peers for interop tests, on 127.0.0.1, and web2p sockets listening beside them.
 * Every node made here is closed after its test, js2p's stray connections included (its close()
 * leaves connections still awaiting a handshake open, and its WebSocket server keeps its clients),
 * so vitest exits.
 */
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { afterEach } from 'vitest';
import { waitFor } from '../contract/wait.js';
import { MeshSocket, SyncSocket, Protocol, type MeshSocketOptions, type SyncSocketOptions } from '../../packages/web2p/src/node/index.js';

export { waitFor };

// js2p is CommonJS without types: it is driven through this loose shape.
const js2p = createRequire(import.meta.url)('js2p') as any;

export type Encryption = 'Plaintext' | 'SSL' | 'ws';
export const ENCRYPTIONS: readonly Encryption[] = ['Plaintext', 'SSL', 'ws'];
export const HOST = '127.0.0.1';
/** A handshake or a relay over loopback takes milliseconds (TLS key generation in js2p about 1 s). */
export const NETWORK_MS = 10_000;

export interface Heard {
  sender: string;
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
}

export interface WebNode<S extends MeshSocket = MeshSocket> {
  sock: S;
  port: number;
  errors: Error[];
  heard: Heard[];
  texts(): string[];
}

const closers: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  const pending = closers.splice(0);
  await Promise.all(pending.map((close) => close()));
});

/** A port free right now, for js2p, which cannot bind port 0 (it would advertise 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

function heardFrom(packets: unknown[], sender: unknown, reply: (...packets: unknown[]) => void): Heard {
  return { sender: String(sender), packets: packets.slice(1), reply };
}

const textsOf = (heard: Heard[]) => (): string[] => heard.map((h) => String(h.packets[h.packets.length - 1]));

async function startJs2p(make: (port: number) => any): Promise<Js2pNode> {
  const port = await freePort();
  const sock = make(port);
  closers.push(() => closeJs2p(sock));
  const heard: Heard[] = [];
  sock.on('message', () => {
    for (let msg = sock.recv(); msg; msg = sock.recv()) {
      heard.push(heardFrom(msg.packets, msg.sender, (...packets) => msg.reply(packets)));
    }
  });
  // nodejs-websocket's server wraps a net.Server as `.socket`.
  const server = sock.incoming.socket ?? sock.incoming;
  await waitFor(() => server.listening === true, NETWORK_MS, 'js2p to listen');
  return { sock, port, id: String(sock.id), heard, texts: textsOf(heard) };
}

export function js2pMesh(encryption: Encryption, subnet = 'mesh'): Promise<Js2pNode> {
  return startJs2p((port) => new js2p.mesh.MeshSocket(HOST, port, new js2p.base.Protocol(subnet, encryption)));
}

export function js2pSync(encryption: Encryption, leasing: boolean): Promise<Js2pNode> {
  return startJs2p((port) => new js2p.sync.SyncSocket(HOST, port, new js2p.base.Protocol('sync', encryption), leasing));
}

function closeJs2p(sock: any): void {
  const connections = [...sock.routing_table.values(), ...sock.awaiting_ids];
  sock.close();
  const destroy = (raw: any) => (raw.destroy ? raw.destroy() : raw.socket?.destroy());
  for (const conn of connections) destroy(conn.sock);
  for (const client of sock.incoming.connections ?? []) destroy(client);
}

/** Records what a web2p socket hears and closes it after the test; resolves once it listens. */
export async function watchWeb<S extends MeshSocket>(sock: S): Promise<WebNode<S>> {
  closers.push(() => sock.close());
  const heard: Heard[] = [];
  const errors: Error[] = [];
  sock.on('error', (error) => errors.push(error));
  sock.on('message', () => {
    for (let msg = sock.recv(); msg; msg = sock.recv()) {
      const m = msg;
      heard.push(heardFrom(m.packets, m.sender, (...packets) => void m.reply(...(packets as never[]))));
    }
  });
  await waitFor(() => sock.address !== '', NETWORK_MS, 'web2p to listen');
  return { sock, port: Number(new URL(sock.address).port), errors, heard, texts: textsOf(heard) };
}

/** A web2p socket on TCP, TLS or ws as `encryption` says, through web2p/node's `listen` option. */
export function webMesh(encryption: Encryption, options: MeshSocketOptions = {}, subnet = 'mesh'): Promise<WebNode> {
  return watchWeb(new MeshSocket({ listen: { host: HOST, port: 0 }, protocol: new Protocol(subnet, encryption), ...options }));
}

export function webSync(encryption: Encryption, leasing: boolean, options: SyncSocketOptions = {}): Promise<WebNode<SyncSocket>> {
  return watchWeb(new SyncSocket({ listen: { host: HOST, port: 0 }, protocol: new Protocol('sync', encryption), leasing, ...options }));
}

/** Both routing tables hold the other. */
export function linked(web: WebNode<MeshSocket>, node: Js2pNode): boolean {
  return web.sock.routingTable.has(node.id) && node.sock.routing_table.has(web.sock.id);
}

/** How many times `text` was heard. */
export function count(node: { texts(): string[] }, text: string): number {
  return node.texts().filter((t) => t === text).length;
}
