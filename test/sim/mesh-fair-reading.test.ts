/**
 * Round-robin reading (issue 16, PROTOCOL.md §14.17): a node handles at most `framesPerTurn` frames
 * of one peer per task, so a broadcast from another peer that arrives together with a flood of
 * 2,000 frames in one chunk is handled after the flood's first turn, not after all of it. Virtual
 * time with a fixed latency, so both arrive at the same virtual instant, the flood first.
 */
import { expect, it } from 'vitest';
import type { MeshSocket } from '../../packages/web2p/src/index.js';
import { encodeFrame, flags } from '../../packages/web2p/src/wire/index.js';
import { makeNet, meshNodes, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

const FLOOD = 2_000;

async function floodAndBroadcast(framesPerTurn?: number): Promise<string[]> {
  const net = makeNet({ latencyMs: [5, 5] });
  // the raw peer cannot prove an id: 'legacy' lets it in
  const [victim, honest] = meshNodes(net, 2, { trust: 'legacy', ...(framesPerTurn ? { limits: { framesPerTurn } } : {}) }) as [MeshSocket, MeshSocket];
  const order: string[] = [];
  victim.on('message', (msg) => order.push(String(msg.packets.at(-1))));
  await honest.connect(victim.address);
  const raw = await RawPeer.connect(net, victim.address);
  raw.handshake(victim.protocol.id);
  await until(net, () => victim.routingTable.has(raw.id) && victim.routingTable.has(honest.id), 'both linked');
  const frames = Array.from({ length: FLOOD }, (_, i) => encodeFrame(raw.message(flags.broadcast, [flags.broadcast, 'flood', i])));
  raw.sendBytes(Buffer.concat(frames));
  honest.send('honest');
  await until(net, () => order.length === FLOOD + 1, 'the flood and the broadcast handled');
  return order;
}

it("another peer's broadcast is handled after the flood's first turn of 64 frames, not after the whole flood", async () => {
  const order = await floodAndBroadcast();
  expect(order.indexOf('honest')).toBe(64);
  // the flood itself in its own order
  expect(order.filter((text) => text !== 'honest')).toEqual(Array.from({ length: FLOOD }, (_, i) => String(i)));
});

it('a turn as long as the flood (framesPerTurn 2,000) lets nobody in between', async () => {
  const order = await floodAndBroadcast(FLOOD);
  expect(order.indexOf('honest')).toBe(FLOOD);
});
