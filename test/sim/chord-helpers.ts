/** Shared pieces of the chord simulation tests. */
import { ChordSocket, type ChordSocketOptions } from '../../packages/web2p/src/index.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';

export function chordNodes(net: SimNetwork, count: number, options: Omit<ChordSocketOptions, 'transport'> = {}): ChordSocket[] {
  return Array.from({ length: count }, () => new ChordSocket({ ...options, transport: net.transport() }));
}

/** Whether the storing nodes form one correct ring: each one's successor and predecessor are its ring neighbours. */
export function ringIsCorrect(nodes: readonly ChordSocket[]): boolean {
  const members = nodes
    .filter((node) => node.joined)
    .map((node) => ({ node, state: node.ringState() }))
    .sort((a, b) => a.state.position! - b.state.position!);
  if (members.length === 1) return members[0]!.state.successors.length === 0;
  return members.every(({ state }, i) => {
    const next = members[(i + 1) % members.length]!.node;
    const prev = members[(i - 1 + members.length) % members.length]!.node;
    return state.successors[0]?.id === next.id && state.predecessor?.id === prev.id;
  });
}

/** Advances virtual time a second at a time until the ring is correct; throws after `limitMs`. */
export async function settle(net: SimNetwork, nodes: readonly ChordSocket[], limitMs = 120_000): Promise<void> {
  for (let waited = 0; !ringIsCorrect(nodes); waited += 1_000) {
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
