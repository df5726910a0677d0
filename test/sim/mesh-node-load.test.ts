/**
 * The time budget and the slow-frame rule against our own backpressure (issue 16, PROTOCOL.md
 * §14.17), on virtual time. The victim's clock runs ahead by what each message's handler "costs",
 * so handling takes virtual time as it takes real time on a slow node.
 */
import { expect, it } from 'vitest';
import { MeshSocket, PeerLimitError } from '../../packages/web2p/src/index.js';
import type { Clock } from '../../packages/web2p/src/runtime/clock.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import { encodeFrame, flags } from '../../packages/web2p/src/wire/index.js';
import { makeNet, until } from './helpers.js';
import type { NodeLimits } from '../../packages/web2p/src/mesh/node-limits.js';
import { RawPeer } from './raw-peer.js';

/** A clock `spent` ms ahead of the network's: handlers add to it to take virtual time. */
function slowClock(net: SimNetwork): Clock & { spent: number } {
  const clock = {
    spent: 0,
    now: () => net.clock.now() + clock.spent,
    setTimeout: (fn: () => void, ms: number) => net.clock.setTimeout(fn, ms),
    clearTimeout: (handle: Parameters<Clock['clearTimeout']>[0]) => net.clock.clearTimeout(handle),
    whilePending: <T>(promise: Promise<T>) => net.clock.whilePending(promise),
  };
  return clock;
}

async function victimAndRawPeer(net: SimNetwork, clock: Clock, limits: Partial<NodeLimits>) {
  // the raw peer cannot prove an id: 'legacy' lets it in
  const victim = new MeshSocket({ transport: net.transport(), clock, trust: 'legacy', limits });
  const errors: Error[] = [];
  victim.on('error', (error) => errors.push(error));
  const raw = await RawPeer.connect(net, victim.address);
  raw.handshake(victim.protocol.id);
  await until(net, () => victim.routingTable.has(raw.id), 'the raw peer linked');
  return { victim, raw, errors };
}

it('a flood of large frames, a few per read, is charged the time it takes and paused, nothing lost', async () => {
  const net = makeNet({ latencyMs: [5, 5] });
  const clock = slowClock(net);
  const { victim, raw, errors } = await victimAndRawPeer(net, clock, {});
  let read = 0;
  victim.on('message', () => {
    read++;
    clock.spent += 40; // a 256 KiB frame on a slow node
  });
  // Reads of 8 frames each: never more than a turn's 64, so no turn is ever deferred, and before
  // every turn was weighed none of their time was charged.
  const reads = 40;
  for (let r = 0; r < reads; r++) {
    const frames = Array.from({ length: 8 }, (_, i) => encodeFrame(raw.message(flags.broadcast, [flags.broadcast, new Uint8Array(256 * 1024), r * 8 + i])));
    raw.sendBytes(Buffer.concat(frames));
  }
  await until(net, () => read === reads * 8, 'every frame read', 120_000);
  const stats = (await victim.stats()).peers.find((peer) => peer.id === raw.id)!;
  // 320 ms a read, 12.8 s in all, against 250 ms a second and 1 s at once: paused over and over.
  expect(stats.readPauses).toBeGreaterThan(5);
  expect(stats.discardedFrames).toBe(0);
  expect(errors.filter((error) => error instanceof PeerLimitError)).toEqual([]);
  expect(victim.routingTable.has(raw.id)).toBe(true);
  victim.close();
});

it('a frame is not cut as slow for the time its link was paused by our backpressure', async () => {
  const net = makeNet({ latencyMs: [5, 5] });
  // One message a second: 100 small frames put the peer 99 s in debt, paused all that time.
  const { victim, raw, errors } = await victimAndRawPeer(net, net.clock, { peerMessagesPerSecond: 1, peerMessageBurst: 1 });
  const small = Array.from({ length: 100 }, (_, i) => encodeFrame(raw.message(flags.broadcast, [flags.broadcast, 'small', i])));
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, 4 * 1024 * 1024);
  // The small frames and the first KiB of a 4 MiB one, in one read; the sender then honours the
  // backpressure (a full TCP window) and sends nothing more while it is paused.
  raw.sendBytes(Buffer.concat([...small, header, new Uint8Array(1024)]));
  await net.run(90_000);
  const paused = (await victim.stats()).peers.find((peer) => peer.id === raw.id)!;
  expect(paused.readPauses).toBe(1);
  // Then 20 KiB a second, over the 16 KiB/s a frame must keep to, for 70 s: averaged over the
  // pause too it would be 8 KiB/s, and cut.
  for (let s = 0; s < 70 && !raw.closed; s++) {
    await net.run(1_000);
    raw.sendBytes(new Uint8Array(20 * 1024));
  }
  expect(errors).toEqual([]);
  expect(raw.closed).toBe(false);
  victim.close();
});
