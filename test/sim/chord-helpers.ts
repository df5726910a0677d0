/** Shared pieces of the chord simulation tests. */
import { ChordSocket, type ChordSocketOptions } from '../../packages/web2p/src/index.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';

export function chordNodes(net: SimNetwork, count: number, options: Omit<ChordSocketOptions, 'transport'> = {}): ChordSocket[] {
  return Array.from({ length: count }, () => new ChordSocket({ ...options, transport: net.transport() }));
}

/**
 * Whether the storing nodes form one correct ring: each one's predecessor and first `listed`
 * successors are its ring neighbours (the rest of a successor list converges a stabilization round
 * per entry behind the first).
 */
export function ringIsCorrect(nodes: readonly ChordSocket[], listed = 1): boolean {
  const members = nodes
    .filter((node) => node.joined)
    .map((node) => ({ node, state: node.ringState() }))
    .sort((a, b) => a.state.position! - b.state.position!);
  if (members.length === 1) return members[0]!.state.successors.length === 0;
  const at = (i: number): ChordSocket => members[(i + members.length) % members.length]!.node;
  const count = Math.min(listed, members.length - 1);
  return members.every(({ state }, i) => state.predecessor?.id === at(i - 1).id && Array.from({ length: count }, (_, n) => state.successors[n]?.id === at(i + 1 + n).id).every(Boolean));
}

/** Advances virtual time a second at a time until the ring is correct (ringIsCorrect); throws after `limitMs`. */
export async function settle(net: SimNetwork, nodes: readonly ChordSocket[], limitMs = 120_000, listed = 1): Promise<void> {
  for (let waited = 0; !ringIsCorrect(nodes, listed); waited += 1_000) {
    if (waited >= limitMs) throw new Error(`the ring did not settle within ${limitMs} virtual ms (seed ${net.seed})`);
    await net.run(1_000);
  }
}

/**
 * Starts `nodes[0]` as the ring, then joins the rest in batches, each node connecting to a random
 * node already in the ring (seeded by `seed`).
 */
export async function buildRing(nodes: readonly ChordSocket[], seed: number, batch = 16): Promise<void> {
  const pick = new SeededRandom(seed);
  await nodes[0]!.join();
  for (let start = 1; start < nodes.length; start += batch) {
    await Promise.all(
      nodes.slice(start, start + batch).map(async (node) => {
        await node.connect(nodes[Math.floor(pick.next() * start)]!.address);
        await node.join();
      }),
    );
  }
}
