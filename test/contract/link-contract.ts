import { describe, expect, it } from 'vitest';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import { waitFor } from './wait.js';

export interface LinkPair {
  /** Two ends of one link, neither attached yet. */
  a: Link;
  b: Link;
  cleanup(): Promise<void>;
}

/** Long enough for 16 MiB through the slowest transport here (about 10 MB/s), with room to spare. */
const TRANSFER_MS = 30_000;
/** A close must cross the link: a round trip at most, plus event dispatch. */
const CLOSE_MS = 5_000;
/** Sent to a paused peer: well over what two loopback kernels buffer between them (a few MiB). */
const PAUSED_SEND_BYTES = 32 * 1024 * 1024;
/** How long a figure must stay put to count as settled (a transport shows progress well within it). */
const SETTLED_MS = 300;

/** What one side saw, and every breach of the contract it noticed on the way. */
class Recorder {
  readonly chunks: Uint8Array[] = [];
  received = 0;
  readonly closes: (Error | undefined)[] = [];
  dataAfterClose = 0;

  constructor(link: Link) {
    link.attach({
      data: (bytes) => {
        if (this.closes.length > 0) this.dataAfterClose += 1;
        this.chunks.push(bytes);
        this.received += bytes.byteLength;
      },
      close: (error) => this.closes.push(error),
    });
  }

  joined(): Uint8Array {
    return concat(this.chunks);
  }
}

/**
 * The `Link` contract of transport/types.ts, for any transport: `makePair` connects two fresh,
 * unattached ends. Every test cleans its pair up, pass or fail.
 */
export function describeLinkContract(name: string, makePair: () => Promise<LinkPair>): void {
  async function withPair(test: (pair: LinkPair) => Promise<void>): Promise<void> {
    const pair = await makePair();
    try {
      await test(pair);
    } finally {
      await pair.cleanup();
    }
  }

  async function expectDelivered(receiver: Recorder, expected: Uint8Array): Promise<void> {
    await waitFor(() => receiver.received >= expected.byteLength, TRANSFER_MS, `${expected.byteLength} bytes`);
    expect(receiver.received).toBe(expected.byteLength);
    expect(sameBytes(receiver.joined(), expected)).toBe(true);
  }

  describe(`Link contract: ${name}`, () => {
    it('delivers many small sends in order and complete', () =>
      withPair(async ({ a, b }) => {
        const rb = new Recorder(b);
        new Recorder(a);
        const sends = Array.from({ length: 2_000 }, (_, i) => pattern(1 + (i % 300), i));
        for (const bytes of sends) a.send(bytes);
        await expectDelivered(rb, concat(sends));
      }));

    it('delivers one 16 MiB send byte-identical', () =>
      withPair(async ({ a, b }) => {
        const rb = new Recorder(b);
        new Recorder(a);
        const big = pattern(16 * 1024 * 1024, 7);
        a.send(big);
        await expectDelivered(rb, big);
      }));

    it('carries both directions at once', () =>
      withPair(async ({ a, b }) => {
        const ra = new Recorder(a);
        const rb = new Recorder(b);
        const toB = [pattern(3 * 1024 * 1024, 1), pattern(1000, 2)];
        const toA = [pattern(2 * 1024 * 1024 + 17, 3), pattern(10, 4)];
        for (let i = 0; i < 2; i++) {
          a.send(toB[i]!);
          b.send(toA[i]!);
        }
        await Promise.all([expectDelivered(rb, concat(toB)), expectDelivered(ra, concat(toA))]);
      }));

    it('holds bytes that arrive before the remote attaches', () =>
      withPair(async ({ a, b }) => {
        new Recorder(a);
        const sends = Array.from({ length: 50 }, (_, i) => pattern(100 + i, i));
        for (const bytes of sends) a.send(bytes);
        // Arrival at b cannot be observed before it attaches; once a has nothing left to send, the
        // bytes are in flight or already held, and either way must come out on attach.
        await waitFor(() => a.bufferedAmount === 0, TRANSFER_MS, 'the sender to drain');
        await quiet();
        await expectDelivered(new Recorder(b), concat(sends));
      }));

    it('interleaves large and small sends in order', () =>
      withPair(async ({ a, b }) => {
        const rb = new Recorder(b);
        new Recorder(a);
        const sends = [1, 2 * 1024 * 1024, 5, 1024 * 1024 + 3, 64 * 1024, 9, 3 * 1024 * 1024 + 1, 2].map((size, i) =>
          pattern(size, 100 + i),
        );
        for (const bytes of sends) a.send(bytes);
        await expectDelivered(rb, concat(sends));
      }));

    it('keeps order when many small sends queue behind a large one', () =>
      withPair(async ({ a, b }) => {
        const rb = new Recorder(b);
        new Recorder(a);
        // The large send fills whatever the link buffers below, so the small ones wait in its queue.
        const small = Array.from({ length: 10_000 }, (_, i) => pattern(1 + (i % 200), 1_000 + i));
        const sends = [pattern(4 * 1024 * 1024, 11), ...small, pattern(1024 * 1024 + 1, 12)];
        for (const bytes of sends) a.send(bytes);
        await expectDelivered(rb, concat(sends));
      }));

    it('reports bufferedAmount while a large send is queued and 0 once drained', () =>
      withPair(async ({ a, b }) => {
        const rb = new Recorder(b);
        new Recorder(a);
        expect(a.bufferedAmount).toBe(0);
        const big = pattern(16 * 1024 * 1024, 9);
        a.send(big);
        expect(a.bufferedAmount).toBeGreaterThan(0);
        await waitFor(() => a.bufferedAmount === 0, TRANSFER_MS, 'bufferedAmount to return to 0');
        await expectDelivered(rb, big);
      }));

    for (const closer of ['a', 'b'] as const) {
      it(`closes both sides exactly once when ${closer} closes, with nothing after`, () =>
        withPair(async (pair) => {
          const ra = new Recorder(pair.a);
          const rb = new Recorder(pair.b);
          pair.a.send(pattern(10, 1));
          pair.b.send(pattern(10, 2));
          await Promise.all([expectDelivered(ra, pattern(10, 2)), expectDelivered(rb, pattern(10, 1))]);

          pair[closer].close();
          await waitFor(() => ra.closes.length > 0 && rb.closes.length > 0, CLOSE_MS, 'both close callbacks');
          expect(() => pair.a.send(pattern(100, 3))).not.toThrow();
          expect(() => pair.b.send(pattern(100, 4))).not.toThrow();
          pair.a.close();
          pair.b.close();
          await quiet();
          expect(ra.closes).toEqual([undefined]);
          expect(rb.closes).toEqual([undefined]);
          expect(ra.dataAfterClose + rb.dataAfterClose).toBe(0);
          expect(ra.received + rb.received).toBe(20);
        }));
    }

    for (const size of [100, 4 * 1024 * 1024]) {
      it(`delivers ${size} bytes sent just before close, then the close`, () =>
        withPair(async ({ a, b }) => {
          const ra = new Recorder(a);
          const rb = new Recorder(b);
          // A handshake-sized send finds the channel empty; 4 MiB is still queued when close() runs.
          const sent = pattern(size, 5);
          a.send(sent);
          a.close();
          expect(ra.closes).toEqual([undefined]);
          await waitFor(() => rb.closes.length > 0, TRANSFER_MS, 'the close callback on b');
          expect(rb.closes).toEqual([undefined]);
          expect(rb.received).toBe(size);
          expect(sameBytes(rb.joined(), sent)).toBe(true);
        }));
    }

    it('holds bytes back while paused, pushing back on the sender, and delivers them in order on resume', () =>
      withPair(async ({ a, b }) => {
        const rb = new Recorder(b);
        new Recorder(a);
        const first = pattern(10, 20);
        a.send(first);
        await expectDelivered(rb, first);
        const big = pattern(PAUSED_SEND_BYTES, 21);
        if (!b.pause()) {
          // A link that cannot pause (a data channel) changes nothing: the bytes keep coming.
          a.send(big);
          await expectDelivered(rb, concat([first, big]));
          return;
        }
        a.send(big);
        await settled(() => a.bufferedAmount, 'the sender to stop making progress');
        expect(rb.received).toBe(first.byteLength);
        // Whatever the kernels buffer between the two (a few MiB on loopback), the rest waits on
        // the sender: the pause reached it as backpressure.
        expect(a.bufferedAmount).toBeGreaterThan(PAUSED_SEND_BYTES / 4);
        b.resume();
        await expectDelivered(rb, concat([first, big]));
        await waitFor(() => a.bufferedAmount === 0, TRANSFER_MS, 'the sender to drain after resume');
      }));

    it('pauses again from inside a data callback, and closes while paused', () =>
      withPair(async ({ a, b }) => {
        let chunks = 0;
        const closes: (Error | undefined)[] = [];
        let paused = false;
        b.attach({
          data: () => {
            chunks += 1;
            paused = b.pause();
          },
          close: (error) => closes.push(error),
        });
        new Recorder(a);
        a.send(pattern(64 * 1024, 30));
        await waitFor(() => chunks > 0, TRANSFER_MS, 'the first chunk');
        if (paused) {
          await settled(() => a.bufferedAmount, 'the sender to stop making progress');
          // One callback at most since the pause (the transport may have joined every byte into it).
          expect(chunks).toBe(1);
        }
        b.close();
        expect(closes).toEqual([undefined]);
        b.resume();
        await quiet();
        expect(closes).toEqual([undefined]);
        expect(chunks).toBe(paused ? 1 : chunks);
      }));

    it('aborts at once: the close callback runs, queued bytes are discarded, the peer hears the close', () =>
      withPair(async ({ a, b }) => {
        const ra = new Recorder(a);
        const rb = new Recorder(b);
        b.pause();
        a.send(pattern(PAUSED_SEND_BYTES, 40));
        a.abort();
        expect(ra.closes).toEqual([undefined]);
        expect(a.bufferedAmount).toBe(0);
        b.resume();
        await waitFor(() => rb.closes.length > 0, TRANSFER_MS, 'the close callback on b');
        // Some bytes may have left before the abort; never all of them after it.
        expect(rb.received).toBeLessThan(PAUSED_SEND_BYTES);
        a.abort();
        a.close();
        await quiet();
        expect(ra.closes).toHaveLength(1);
        expect(rb.closes).toHaveLength(1);
      }));

    it('reports the close to a side that attaches after it', () =>
      withPair(async ({ a, b }) => {
        const ra = new Recorder(a);
        a.close();
        expect(ra.closes).toHaveLength(1);
        // b may learn of the close before or after it attaches; either way it hears once.
        await quiet();
        const rb = new Recorder(b);
        await waitFor(() => rb.closes.length > 0, CLOSE_MS, 'the close callback on b');
        await quiet();
        expect(rb.closes).toHaveLength(1);
      }));
  });
}

/**
 * Gives a misbehaving link a moment to misbehave (a second close, late data) before the test
 * asserts that it did not. Nothing is awaited on the network's behalf here.
 */
async function quiet(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 2));
}

/**
 * Resolves once `read()` has not changed for SETTLED_MS: the waiting side has stopped making
 * progress. Waits on that condition, with TRANSFER_MS as the deadline.
 */
async function settled(read: () => number, what: string): Promise<void> {
  let value = read();
  let since = Date.now();
  await waitFor(
    () => {
      const now = read();
      if (now !== value) [value, since] = [now, Date.now()];
      return Date.now() - since >= SETTLED_MS;
    },
    TRANSFER_MS,
    what,
  );
}

/** Deterministic bytes, distinct per seed, so misplaced chunks do not compare equal by accident. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.byteLength === y.byteLength && Buffer.compare(x, y) === 0;
}
