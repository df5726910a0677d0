/**
 * The node-wide send-queue total (send-queue-total.ts) counts a frame once from when a queue took
 * it until its last byte left the last queue holding it. A frame the link takes at once, with
 * nothing held before it (a TCP write), is never held at all: the total and the bytes handed over
 * must come out as if it had been held and released.
 */
import { expect, it } from 'vitest';
import { SendQueue } from '../../packages/web2p/src/mesh/send-queue.js';
import { SendQueueTotal } from '../../packages/web2p/src/mesh/send-queue-total.js';
import { LINK_FRAME_ALLOWANCE_BYTES } from '../../packages/web2p/src/mesh/constants.js';
import type { PaceTerms } from '../../packages/web2p/src/mesh/send-pacer.js';
import { VirtualClock } from '../../packages/web2p/src/sim/index.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';

const TERMS: PaceTerms = {
  peerMessagesPerSecond: 1000,
  peerMessageBurst: 1000,
  relayMessagesPerSecond: 1000,
  relayMessageBurst: 1000,
  peerBytesPerSecond: 1 << 30,
  peerByteBurst: 1 << 30,
};
const own = (frame: Uint8Array) => ({ bytes: frame.byteLength, broadcast: false, relayFrom: undefined });

/** A link that either takes what it is sent at once (`holding` false) or keeps it until `take`. */
function link() {
  const state = { bufferedAmount: 0, holding: false };
  return Object.assign(state, {
    send: (frame: Uint8Array) => void (state.holding && (state.bufferedAmount += frame.byteLength)),
    take: () => void (state.bufferedAmount = 0),
  });
}

it('counts frames a link took at once as never held, and held ones once however many queues hold them', () => {
  const clock = new VirtualClock();
  const total = new SendQueueTotal(1 << 30);
  const [a, b] = [link(), link()];
  const [qa, qb] = [a, b].map((l) => new SendQueue(l as unknown as Link, 1 << 30, clock, TERMS, total, () => {}));
  const frames = Array.from({ length: 4 }, (_, i) => new Uint8Array(100 + i));
  for (const frame of frames) qa!.send(frame, own(frame)); // taken at once
  expect(total.bytes).toBe(0);
  expect(total.acceptedBytes).toBe(406 + 4 * LINK_FRAME_ALLOWANCE_BYTES);
  a.holding = b.holding = true;
  const shared = new Uint8Array(500);
  qa!.send(shared, own(shared));
  qb!.send(shared, own(shared));
  expect(total.bytes).toBe(500); // one buffer, two holders
  a.take();
  qa!.drained();
  expect(total.bytes).toBe(500); // b still holds it
  // a's queue is empty again and its link takes at once: nothing new is held.
  a.holding = false;
  qa!.send(frames[0]!, own(frames[0]!));
  expect(total.bytes).toBe(500);
  b.take();
  qb!.drained();
  expect(total.bytes).toBe(0);
  expect(total.acceptedBytes).toBe(406 + 1000 + 100 + 7 * LINK_FRAME_ALLOWANCE_BYTES);
});
