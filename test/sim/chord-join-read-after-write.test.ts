/**
 * Read-after-write while many nodes join at once: 32 settled storing nodes each write a key and
 * read it straight back while 16 newcomers join. A newcomer answers only for the range its
 * successor named when accepting it, and passes requests for anything before that on, instead of
 * answering "absent" from a shard that never held those keys. Every read must see the write it
 * follows, and every join and lookup must finish, on every seed. Set WEB2P_SEED to replay one seed.
 */
import { expect, test } from 'vitest';
import type { ChordSocket } from '../../packages/web2p/src/index.js';
import { buildRing, chordNodes, settle } from './chord-helpers.js';
import { makeNet } from './helpers.js';

const SETTLED = 32;
const JOINING = 16;
/** 20 seeds cost about 10 s of CPU; before the acceptance named the range, 2 of these 20 lost a read. */
const SEEDS = process.env.WEB2P_SEED ? [Number(process.env.WEB2P_SEED)] : Array.from({ length: 20 }, (_, i) => 25 + i);

/** The keys whose read-back did not return the value just written, on one seed. */
async function lostReads(seed: number): Promise<string[]> {
  const net = makeNet({ seed });
  const nodes = chordNodes(net, SETTLED + JOINING, { k: 10 });
  const old = nodes.slice(0, SETTLED);
  await buildRing(old, seed);
  await settle(net, old);
  const lost: string[] = [];
  const writeThenRead = async (node: ChordSocket, i: number): Promise<void> => {
    const key = `seed ${seed} key ${i}`;
    await node.set(key, i);
    const info = await node.getWithInfo(key);
    if (!info.found || info.value !== i) lost.push(`${key}: ${info.found ? `read ${String(info.value)}` : `absent at ${info.node}`}`);
  };
  await Promise.all([
    ...nodes.slice(SETTLED).map(async (node, i) => {
      await node.connect(old[i % SETTLED]!.address);
      await node.join();
    }),
    ...old.map((node, i) => writeThenRead(node, i)),
  ]);
  for (const node of nodes) await node.close();
  return lost;
}

test(`${SETTLED} settled nodes write and read back while ${JOINING} join at once: no read misses its write (${SEEDS.length} seeds)`, async () => {
  const failures: string[] = [];
  for (const seed of SEEDS) {
    const lost = await lostReads(seed).catch((error: unknown) => [String(error)]);
    if (lost.length > 0) failures.push(`seed ${seed} (replay with WEB2P_SEED=${seed}): ${lost.join('; ')}`);
  }
  expect(failures).toEqual([]);
}, 120_000);
