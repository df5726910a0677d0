/**
 * Backpressure an app can use (issue 20, item 3): send() says when the bytes held for peers pass the
 * high mark, 'drain' and whenWritable() say when they fell back, and same-second broadcasts count and
 * are bounded. Simulated links hold a frame's bytes until it reaches the peer, so the held bytes are real.
 */
import { describe, expect, test } from 'vitest';
import { BroadcastBacklogFullError, SocketClosedError, flags, type MeshSocket } from '../../packages/web2p/src/index.js';
import type { NodeLimits } from '../../packages/web2p/src/mesh/node-limits.js';
import { makeNet, meshNodes, until } from './helpers.js';

const KIB = 1024;
const MIB = 1024 * KIB;

async function pair(limits: Partial<Pick<NodeLimits, 'sendHighWaterBytes' | 'sendLowWaterBytes' | 'maxHeldBroadcastBytes'>> = {}) {
  const net = makeNet();
  const [a, b] = meshNodes(net, 2, { limits }) as [MeshSocket, MeshSocket];
  await b.connect(a.address);
  const got: number[] = [];
  b.on('message', (msg) => got.push((msg.packets[1] as Uint8Array)[0]! | ((msg.packets[1] as Uint8Array)[1]! << 8)));
  return { net, a, b, got };
}

function numbered(n: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes[0] = n & 0xff;
  bytes[1] = n >> 8;
  return bytes;
}

describe('send() and drain', () => {
  test('send() turns false past the high mark, and drain fires once the held bytes fall to the low mark', async () => {
    const { net, a, got } = await pair({ sendHighWaterBytes: 2 * MIB, sendLowWaterBytes: 512 * KIB });
    let drains = 0;
    let heldAtDrain = -1;
    a.on('drain', () => {
      drains++;
      heldAtDrain = a.bufferedAmount;
    });
    let sent = 0;
    while (a.send(numbered(sent, 64 * KIB), { flag: flags.whisper, type: flags.whisper })) sent++;
    sent++; // the send that returned false went out too
    expect(a.bufferedAmount).toBeGreaterThan(2 * MIB);
    expect(drains).toBe(0);
    await until(net, () => drains > 0, 'drain after the burst');
    expect(heldAtDrain).toBeLessThanOrEqual(512 * KIB);
    await until(net, () => got.length === sent, 'every whisper');
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect(drains).toBe(1);
    expect(a.bufferedAmount).toBe(0);
  });

  test('whenWritable() resolves at once below the mark, later above it, and rejects when the socket closes', async () => {
    const { net, a } = await pair();
    await a.whenWritable(); // nothing held
    for (let i = 0; i < 40; i++) a.send(numbered(i, 64 * KIB), { flag: flags.whisper, type: flags.whisper });
    expect(a.bufferedAmount).toBeGreaterThan(2 * MIB);
    let writable = false;
    void a.whenWritable(MIB).then(() => (writable = true));
    await Promise.resolve();
    expect(writable).toBe(false);
    await until(net, () => writable, 'whenWritable(1 MiB)');
    expect(a.bufferedAmount).toBeLessThanOrEqual(MIB);

    for (let i = 0; i < 40; i++) a.send(numbered(i, 64 * KIB), { flag: flags.whisper, type: flags.whisper });
    const waiting = a.whenWritable(0);
    const closing = a.close();
    await expect(waiting).rejects.toThrow(SocketClosedError);
    await closing;
  });
});

describe('broadcasts held by the same-second rule', () => {
  test('count in bufferedAmount, are bounded with a typed error, and all arrive once released', async () => {
    const { net, a, got } = await pair({ maxHeldBroadcastBytes: 3.5 * MIB });
    const same = numbered(7, 1 * MIB);
    let accepted = 0;
    let refusal: unknown;
    try {
      for (let i = 0; i < 10; i++) {
        a.send(same); // the same payload in one second: each repeat waits for the next second
        accepted++;
      }
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(BroadcastBacklogFullError);
    expect(accepted).toBe(4); // one out at once, three held (a little over 3 MiB), the fifth refused
    expect(a.bufferedAmount).toBeGreaterThanOrEqual(3 * MIB);
    await a.whenWritable(); // 1 MiB: the held ones must go first
    await until(net, () => got.length === accepted, 'every accepted broadcast', 60_000);
    expect(got).toEqual(Array(accepted).fill(7));
  });
});
