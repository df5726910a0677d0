/**
 * The socket's backlog (send-backlog.ts) skips reading the queues after a send while the figure it
 * last read plus what was handed over since stays within the high mark. That bound must never be
 * below the bytes the queues really hold, whatever happens to them: sends at and over the pace,
 * links taking part of what they hold, a queue dropped with frames waiting, a link gone; and
 * `afterSend()` must answer exactly as reading every queue would.
 */
import { expect, it } from 'vitest';
import { SendBacklog } from '../../packages/web2p/src/mesh/send-backlog.js';
import { SendQueue } from '../../packages/web2p/src/mesh/send-queue.js';
import { SendQueueTotal } from '../../packages/web2p/src/mesh/send-queue-total.js';
import type { PaceTerms } from '../../packages/web2p/src/mesh/send-pacer.js';
import { VirtualClock } from '../../packages/web2p/src/sim/index.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';

const TERMS: PaceTerms = {
  peerMessagesPerSecond: 50,
  peerMessageBurst: 20,
  relayMessagesPerSecond: 50,
  relayMessageBurst: 20,
  peerBytesPerSecond: 64 * 1024,
  peerByteBurst: 32 * 1024,
};
const HIGH = 40 * 1024;

/** A link that keeps what it is sent until told to let bytes go, as a peer reading slowly. */
class SlowLink {
  bufferedAmount = 0;
  ended = false;
  send(frame: Uint8Array): void {
    if (!this.ended) this.bufferedAmount += frame.byteLength;
  }
  take(bytes: number): void {
    this.bufferedAmount = Math.max(0, this.bufferedAmount - bytes);
  }
  end(): void {
    this.ended = true;
    this.bufferedAmount = 0;
  }
}

it('bounds the held bytes from above through sends, partial takes, drops and closes, and answers as a full read would', async () => {
  const clock = new VirtualClock();
  const total = new SendQueueTotal(Number.MAX_SAFE_INTEGER);
  const links: SlowLink[] = [];
  const open = new Map<SlowLink, SendQueue>();
  let heldBroadcasts = 0;
  let pushedBroadcasts = 0;
  const backlog = new SendBacklog(
    {
      queues: () => open.values(),
      heldBroadcastBytes: () => heldBroadcasts,
      handedBytes: () => total.acceptedBytes + pushedBroadcasts,
      drain: () => {},
    },
    HIGH,
    HIGH / 4,
  );
  const walked = (): number => {
    let sum = heldBroadcasts;
    for (const queue of open.values()) sum += queue.queuedBytes;
    return sum;
  };
  for (let i = 0; i < 3; i++) {
    const link = new SlowLink();
    links.push(link);
    open.set(link, new SendQueue(link as unknown as Link, Number.MAX_SAFE_INTEGER, clock, TERMS, total, () => {}));
  }
  // A fixed pattern, so the run is the same every time (draws from a seeded generator).
  let seed = 7;
  const draw = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
  let answersChecked = 0;
  let passedHigh = 0;
  for (let step = 0; step < 3000; step++) {
    const action = draw(20);
    const live = [...open.keys()];
    const link = live[draw(live.length)]!;
    if (action < 12) {
      const frame = new Uint8Array(50 + draw(3000));
      const broadcast = draw(4) === 0;
      if (broadcast) {
        // Into every queue, as a broadcast is: one frame, several holders.
        for (const queue of open.values()) queue.send(frame, { bytes: frame.byteLength, broadcast: true, relayFrom: undefined });
      } else open.get(link)!.send(frame, { bytes: frame.byteLength, broadcast: false, relayFrom: undefined });
      const expected = walked() <= HIGH;
      expect(backlog.afterSend()).toBe(expected);
      answersChecked++;
      if (!expected) passedHigh++;
    } else if (action < 16) {
      link.take(draw(8000)); // the peer read part of what the link held
      open.get(link)!.drained();
    } else if (action === 16) {
      await clock.run(50 + draw(400)); // the pace lets waiting frames go to the links
    } else if (action === 17) {
      // Same-second broadcasts held and let go by the outbox.
      const bytes = draw(2000);
      heldBroadcasts += bytes;
      pushedBroadcasts += bytes;
      if (draw(2) === 0) heldBroadcasts = 0;
    } else if (action === 18 && open.size > 1) {
      open.get(link)!.stop(); // dropped with frames waiting: nothing more is sent
      open.delete(link);
    } else if (action === 19 && open.size > 1) {
      link.end(); // the link is gone
      open.get(link)!.stop();
      open.delete(link);
    }
    if (open.size < 3) {
      const fresh = new SlowLink();
      open.set(fresh, new SendQueue(fresh as unknown as Link, Number.MAX_SAFE_INTEGER, clock, TERMS, total, () => {}));
    }
    expect(backlog.bound).toBeGreaterThanOrEqual(walked());
  }
  // The run went both ways: over the mark (a full read said so) and back under it.
  expect(answersChecked).toBeGreaterThan(1000);
  expect(passedHigh).toBeGreaterThan(50);
  expect(answersChecked - passedHigh).toBeGreaterThan(50);
});
