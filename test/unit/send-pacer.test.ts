/**
 * The sender-side pacer (PROTOCOL.md §14.19) on virtual time: frames leave at the paced share of the
 * receiver's budget, in order; a relay that would wait over a second is skipped only when its source
 * holds its fair share of the wait already.
 */
import { expect, it } from 'vitest';
import { SendPacer, type PaceTerms } from '../../packages/web2p/src/mesh/send-pacer.js';
import { VirtualClock } from '../../packages/web2p/src/sim/index.js';

const TERMS: PaceTerms = {
  peerMessagesPerSecond: 100,
  peerMessageBurst: 20,
  relayMessagesPerSecond: 100,
  relayMessageBurst: 20,
  peerBytesPerSecond: 1024 * 1024,
  peerByteBurst: 1024 * 1024,
};

function pacer() {
  const clock = new VirtualClock();
  const sent: number[] = [];
  let released = 0;
  const pace = new SendPacer(clock, TERMS, (frame) => sent.push(frame[0]!), () => released++);
  return { clock, sent, pace, released: () => released };
}

const frame = (n: number): Uint8Array => new Uint8Array([n, 0, 0, 0]);
const own = { bytes: 4, broadcast: false, relayFrom: undefined };

it('sends half the burst at once and the rest at 0.9 of the rate, in order, counting what waits', async () => {
  const { clock, sent, pace, released } = pacer();
  for (let i = 0; i < 100; i++) pace.send(frame(i), own);
  expect(sent).toHaveLength(10); // half the burst of 20
  expect(pace.waitingBytes).toBe(90 * 4);
  await clock.run(500); // 90 a second: 45 more
  expect(sent.length).toBeGreaterThanOrEqual(54);
  expect(sent.length).toBeLessThanOrEqual(56);
  await clock.run(1_000);
  expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => i));
  expect(pace.waitingBytes).toBe(0);
  expect(released()).toBeGreaterThan(0);
});

it("skips a flooding source's relays past a second's wait, and still queues another source's", async () => {
  const { clock, sent, pace } = pacer();
  const flooder = {};
  const honest = {};
  let skipped = 0;
  for (let i = 0; i < 300; i++) if (!pace.send(frame(1), { bytes: 4, broadcast: true, relayFrom: flooder })) skipped++;
  // 10 at once, then about a second of the pace (90) waits; the rest is skipped
  expect(skipped).toBeGreaterThan(150);
  expect(pace.skippedRelays).toBe(skipped);
  for (let i = 0; i < 5; i++) expect(pace.send(frame(2), { bytes: 4, broadcast: true, relayFrom: honest })).toBe(true);
  await clock.run(3_000);
  expect(sent.filter((n) => n === 2)).toHaveLength(5);
  expect(sent.filter((n) => n === 1)).toHaveLength(300 - skipped);
});

it('a flush sends what waits at once; after it nothing more is held', () => {
  const { sent, pace } = pacer();
  for (let i = 0; i < 30; i++) pace.send(frame(i), own);
  pace.flush();
  expect(sent).toHaveLength(30);
  expect(pace.waitingBytes).toBe(0);
});
