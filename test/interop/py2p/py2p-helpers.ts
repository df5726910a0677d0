/**
 * py2p nodes (py2p-peer.ts) for vitest: every node started here is closed after its test.
 */
import { afterEach } from 'vitest';
import type { MeshSocket } from '../../../packages/web2p/src/node/index.js';
import type { WebNode } from '../js2p-helpers.js';
import { Py2pNode, until, type Dialect, type Py2pEncryption } from './py2p-peer.js';

export { until, type Dialect, type Py2pEncryption };
export const DIALECTS: readonly Dialect[] = ['870', '878'];
export const PY2P_ENCRYPTIONS: readonly Py2pEncryption[] = ['Plaintext', 'SSL'];

const started: Py2pNode[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.close()));
});

export async function py2pMesh(dialect: Dialect, encryption: Py2pEncryption, subnet = 'mesh'): Promise<Py2pNode> {
  const node = await Py2pNode.start({ dialect, kind: 'mesh', subnet, encryption });
  started.push(node);
  return node;
}

export async function py2pSync(dialect: Dialect, encryption: Py2pEncryption, leasing: boolean): Promise<Py2pNode> {
  const node = await Py2pNode.start({ dialect, kind: 'sync', subnet: 'sync', encryption, leasing });
  started.push(node);
  return node;
}

/** Both routing tables hold the other. */
export async function linkedPy(web: WebNode<MeshSocket>, node: Py2pNode): Promise<boolean> {
  return web.sock.routingTable.has(node.id) && (await node.state()).peers.includes(web.sock.id);
}

/** How many times py2p heard a message whose last packet is `text` (str or bin). */
export async function heardCount(node: Py2pNode, text: string): Promise<number> {
  const { heard } = await node.state();
  return heard.filter((h) => {
    const last = h.packets[h.packets.length - 1];
    return (last instanceof Uint8Array ? Buffer.from(last).toString() : last) === text;
  }).length;
}
