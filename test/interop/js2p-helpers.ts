/**
 * js2p@0.7.870 peers (js2p-peer.ts) and web2p sockets listening beside them, for the vitest interop
 * tests: every node made here is closed after its test, so vitest exits.
 */
import { afterEach } from 'vitest';
import { waitFor } from '../contract/wait.js';
import { MeshSocket, SyncSocket, Protocol, type MeshSocketOptions, type SyncSocketOptions } from '../../packages/web2p/src/node/index.js';
import { HOST, NETWORK_MS, heardFrom, startJs2pMesh, startJs2pSync, textsOf, type Encryption, type Heard, type Js2pNode } from './js2p-peer.js';

export { waitFor };
export { HOST, NETWORK_MS, type Encryption, type Heard, type Js2pNode } from './js2p-peer.js';

export const ENCRYPTIONS: readonly Encryption[] = ['Plaintext', 'SSL', 'ws'];

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

/** A js2p peer closed after the test. */
async function tracked(started: Promise<Js2pNode>): Promise<Js2pNode> {
  const node = await started;
  closers.push(() => node.close());
  return node;
}

export function js2pMesh(encryption: Encryption, subnet = 'mesh'): Promise<Js2pNode> {
  return tracked(startJs2pMesh(encryption, subnet));
}

export function js2pSync(encryption: Encryption, leasing: boolean): Promise<Js2pNode> {
  return tracked(startJs2pSync(encryption, leasing));
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
      heard.push(heardFrom(m.packets, m.sender, m.time, (...packets) => void m.reply(...(packets as never[]))));
    }
  });
  await sock.listening;
  return { sock, port: Number(new URL(sock.address).port), errors, heard, texts: textsOf(heard) };
}

/**
 * A web2p socket on TCP, TLS or ws as `encryption` says, through web2p/node's `listen` option. js2p
 * and py2p cannot prove an id: every socket here lets them in with trust: 'legacy'.
 */
export function webMesh(encryption: Encryption, options: MeshSocketOptions = {}, subnet = 'mesh'): Promise<WebNode> {
  return watchWeb(new MeshSocket({ listen: { host: HOST, port: 0 }, protocol: new Protocol(subnet, encryption), trust: 'legacy', ...options }));
}

/** A web2p sync socket for py2p/js2p peers: they cannot sign, so it runs with `trust: 'legacy'` (issue 15). */
export function webSync(encryption: Encryption, leasing: boolean, options: SyncSocketOptions = {}): Promise<WebNode<SyncSocket>> {
  return watchWeb(new SyncSocket({ listen: { host: HOST, port: 0 }, protocol: new Protocol('sync', encryption), leasing, trust: 'legacy', ...options }));
}

/** Both routing tables hold the other. */
export function linked(web: WebNode<MeshSocket>, node: Js2pNode): boolean {
  return web.sock.routingTable.has(node.id) && node.sock.routing_table.has(web.sock.id);
}

/** How many times `text` was heard. */
export function count(node: { texts(): string[] }, text: string): number {
  return node.texts().filter((t) => t === text).length;
}
