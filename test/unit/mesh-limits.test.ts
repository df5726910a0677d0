/** The pure parts of the node limits (issue 16): seen-cache, signaling routes, token buckets. */
import { describe, expect, it } from 'vitest';
import { SeenCache } from '../../packages/web2p/src/mesh/seen-cache.js';
import { SignalRelay } from '../../packages/web2p/src/mesh/signal-relay.js';
import type { Connection } from '../../packages/web2p/src/mesh/connection.js';
import { DebugLog } from '../../packages/web2p/src/mesh/debug.js';
import { DEFAULT_NODE_LIMITS, resolveNodeLimits } from '../../packages/web2p/src/mesh/node-limits.js';
import { TokenBucket } from '../../packages/web2p/src/runtime/token-bucket.js';
import { VirtualClock } from '../../packages/web2p/src/sim/virtual-clock.js';

const id = (n: number): Uint8Array => {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
};

describe('SeenCache', () => {
  it('a broadcast dated 599 s ahead does not pin pruning: ids behind it expire a window after they arrived', () => {
    const cache = new SeenCache(60, 1_000_000);
    cache.add(id(0), 1_000); // arrived at 1,000 s, dated 1,599 s (the date no longer matters)
    for (let n = 1; n <= 1_000; n++) cache.add(id(n), 1_000 + n / 10);
    cache.prune(1_200);
    expect(cache.size).toBe(0);
  });

  it('keeps an id for the window after it arrived, and a repeat does not extend it', () => {
    const cache = new SeenCache(60, 10);
    cache.add(id(1), 100);
    cache.add(id(1), 150);
    cache.prune(160);
    expect(cache.has(id(1))).toBe(true);
    cache.prune(161);
    expect(cache.has(id(1))).toBe(false);
  });

  it('holds at most maxEntries, forgetting the oldest first', () => {
    const cache = new SeenCache(60, 100);
    for (let n = 0; n < 1_000; n++) cache.add(id(n), 100);
    expect(cache.size).toBe(100);
    expect(cache.has(id(899))).toBe(false);
    expect(cache.has(id(900))).toBe(true);
  });

  it('an entry costs about 100 bytes of heap, not 1.5 KB', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const cache = new SeenCache(60, 1_000_000);
    for (let n = 0; n < 200_000; n++) cache.add(id(n), 100);
    gc?.();
    const perEntry = (process.memoryUsage().heapUsed - before) / cache.size;
    expect(perEntry).toBeLessThan(300);
  });
});

describe('SignalRelay routes', () => {
  const relay = (maxRoutes: number) => {
    const routingTable = new Map<string, Connection>();
    return new SignalRelay({ id: 'me', routingTable, maxRoutes, deliver: () => {}, debug: new DebugLog(0, () => 'me', () => {}) });
  };

  it("a neighbour's new peer list replaces its old one: routes do not grow with churn", () => {
    const signals = relay(4_096);
    for (let round = 0; round < 100; round++) {
      signals.learn('neighbour', Array.from({ length: 20 }, (_, i) => `peer-${round}-${i}`));
    }
    expect(signals.routes).toBe(20);
  });

  it('holds at most maxRoutes, however many neighbours list however many peers', () => {
    const signals = relay(50);
    for (let n = 0; n < 10; n++) signals.learn(`neighbour-${n}`, Array.from({ length: 30 }, (_, i) => `peer-${n}-${i}`));
    expect(signals.routes).toBe(50);
    signals.peerDown('neighbour-9');
    expect(signals.routes).toBe(20);
  });
});

describe('TokenBucket (on the injected clock)', () => {
  it('spends a burst, refills at its rate, and goes into debt no deeper than its burst', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket(clock, 10, 5);
    for (let i = 0; i < 5; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    await clock.run(500);
    expect(bucket.balance).toBeCloseTo(5);
    expect(bucket.charge(100)).toBe(-5);
    await clock.run(1_000);
    expect(bucket.balance).toBeCloseTo(5);
  });
});

describe('resolveNodeLimits', () => {
  it('takes the defaults, overrides what it is given, and refuses what is not a positive number', () => {
    expect(resolveNodeLimits({ maxIncoming: 5 })).toEqual({ ...DEFAULT_NODE_LIMITS, maxIncoming: 5 });
    expect(() => resolveNodeLimits({ maxSendQueueBytes: 0 })).toThrow(/limits.maxSendQueueBytes must be a positive number/);
    expect(() => resolveNodeLimits({ peerMessagesPerSecond: Number.NaN })).toThrow(TypeError);
  });
});
