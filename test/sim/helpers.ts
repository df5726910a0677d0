/** Shared pieces of the simulated-network tests. */
import { MeshSocket, type MeshSocketOptions } from '../../packages/web2p/src/index.js';
import { SimNetwork, type SimNetworkOptions } from '../../packages/web2p/src/sim/index.js';

export function makeNet(options: SimNetworkOptions = {}): SimNetwork {
  return new SimNetwork({ seed: 7, latencyMs: [5, 40], ...options });
}

export function meshNodes(net: SimNetwork, count: number, options: Omit<MeshSocketOptions, 'transport'> = {}): MeshSocket[] {
  return Array.from({ length: count }, () => new MeshSocket({ ...options, transport: net.transport() }));
}

/** Connects node k to node k-1 (the upstream tests' chain). */
export async function chain(nodes: MeshSocket[]): Promise<void> {
  for (let k = 1; k < nodes.length; k++) await nodes[k]!.connect(nodes[k - 1]!.address);
}

/** Advances virtual time until `done()` holds, failing with `what` after `limitMs`. */
export async function until(net: SimNetwork, done: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  if (!(await net.runUntil(done, limitMs))) throw new Error(`timed out (virtual ${limitMs} ms, seed ${net.seed}): ${what}`);
}

export function text(packet: unknown): string {
  return packet instanceof Uint8Array ? new TextDecoder().decode(packet) : String(packet);
}
