/**
 * The `Transport` contract of transport/types.ts, for any transport, beside the Link contract
 * (link-contract.ts): a new transport implements the two interfaces and passes both suites.
 */
import { describe, expect, it } from 'vitest';
import { Web2pError } from '../../packages/web2p/src/errors.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { waitFor } from './wait.js';

/** One transport of a harness, listening, and every link it accepted so far. */
export interface Endpoint {
  transport: Transport;
  /** The node id it listens as (what `addressFromWire` is given for it). */
  id: string;
  accepted: Link[];
}

export interface TransportHarness {
  /** A fresh transport of the kind under test, listening, reachable by the others at its `address`. */
  endpoint(): Promise<Endpoint>;
  /** An address of this kind where nothing answers. */
  unreachable(): string;
  /** How many transports dial one at once in the concurrency test (WebRTC peers are costly). */
  concurrentDials: number;
  /** Stops what the harness started (servers, clocks); every endpoint is closed by then. */
  cleanup(): Promise<void>;
}

/** A dial that fails must say so within this long: a refused port at once, an unknown peer after its signaling wait. */
const DIAL_FAIL_MS = 20_000;
/** Links open and close on loopback in well under a second; this only bounds a failure. */
const EVENT_MS = 10_000;

export function describeTransportContract(name: string, makeHarness: () => Promise<TransportHarness>): void {
  async function withHarness(test: (harness: TransportHarness, endpoints: Endpoint[]) => Promise<void>): Promise<void> {
    const harness = await makeHarness();
    const endpoints: Endpoint[] = [];
    const tracked: TransportHarness = {
      ...harness,
      endpoint: async () => {
        const end = await harness.endpoint();
        endpoints.push(end);
        return end;
      },
    };
    try {
      await test(tracked, endpoints);
    } finally {
      await Promise.all(endpoints.map((end) => end.transport.close()));
      await harness.cleanup();
    }
  }

  /**
   * `from` dials `to` at its address: dial() resolves with `from`'s end (two fresh endpoints are
   * not linked yet, so it cannot resolve with null), and `to` accepts the other end.
   */
  async function link(from: Endpoint, to: Endpoint): Promise<{ mine: Link; theirs: Link }> {
    const before = to.accepted.length;
    const mine = await from.transport.dial(to.transport.address!);
    expect(mine).not.toBeNull();
    await waitFor(() => to.accepted.length > before, EVENT_MS, 'the accepted end');
    return { mine: mine!, theirs: to.accepted[before]! };
  }

  function recorder(link: Link): { text: () => string; closes: (Error | undefined)[] } {
    const chunks: Uint8Array[] = [];
    const closes: (Error | undefined)[] = [];
    link.attach({ data: (bytes) => chunks.push(bytes), close: (error) => closes.push(error) });
    return { text: () => chunks.map((c) => new TextDecoder().decode(c)).join(''), closes };
  }

  describe(`Transport contract: ${name}`, () => {
    it('listens with an address, dials it, and the listener accepts the other end; bytes go both ways', async () => {
      await withHarness(async (harness) => {
        const a = await harness.endpoint();
        const b = await harness.endpoint();
        expect(a.transport.address).toBeTypeOf('string');
        expect(b.transport.address).not.toBe(a.transport.address);
        const { mine, theirs } = await link(a, b);
        expect([mine.outgoing, theirs.outgoing]).toEqual([true, false]);
        const here = recorder(mine);
        const there = recorder(theirs);
        mine.send(new TextEncoder().encode('ping'));
        theirs.send(new TextEncoder().encode('pong'));
        await waitFor(() => here.text() === 'pong' && there.text() === 'ping', EVENT_MS, 'ping and pong');
      });
    }, 60_000);

    it("maps another node's wire address back to an address that reaches it", async () => {
      await withHarness(async (harness) => {
        const a = await harness.endpoint();
        const b = await harness.endpoint();
        expect(a.transport.addressFromWire(b.transport.wireAddress(), b.id)).toBe(b.transport.address);
        const { mine } = await link(a, b);
        expect(mine.outgoing).toBe(true);
      });
    }, 60_000);

    it('close() closes every link it made or accepted, on both sides', async () => {
      await withHarness(async (harness) => {
        const a = await harness.endpoint();
        const b = await harness.endpoint();
        const c = await harness.endpoint();
        const ab = await link(a, b);
        const ca = await link(c, a);
        const ends = [recorder(ab.mine), recorder(ab.theirs), recorder(ca.mine), recorder(ca.theirs)];
        await a.transport.close();
        await waitFor(() => ends.every((end) => end.closes.length > 0), EVENT_MS, 'every end closed');
        for (const end of ends) expect(end.closes).toHaveLength(1);
      });
    }, 60_000);

    it('a dial where nothing answers rejects with a typed error, in bounded time', async () => {
      await withHarness(async (harness) => {
        const a = await harness.endpoint();
        const started = Date.now();
        await expect(a.transport.dial(harness.unreachable())).rejects.toBeInstanceOf(Web2pError);
        expect(Date.now() - started).toBeLessThan(DIAL_FAIL_MS);
      });
    }, 60_000);

    it('a dial after close() rejects with a typed error', async () => {
      await withHarness(async (harness) => {
        const a = await harness.endpoint();
        const b = await harness.endpoint();
        await a.transport.close();
        await expect(a.transport.dial(b.transport.address!)).rejects.toBeInstanceOf(Web2pError);
      });
    }, 60_000);

    it('many dials at once to one listener each get their own working link', async () => {
      await withHarness(async (harness) => {
        const hub = await harness.endpoint();
        const spokes = await Promise.all(Array.from({ length: harness.concurrentDials }, () => harness.endpoint()));
        const dialled = await Promise.all(spokes.map((spoke) => spoke.transport.dial(hub.transport.address!)));
        await waitFor(() => hub.accepted.length === spokes.length, EVENT_MS, `${spokes.length} accepted links`);
        const heard = hub.accepted.map(recorder);
        dialled.forEach((link, i) => link!.send(new TextEncoder().encode(`spoke ${i};`)));
        const texts = (): string[] => heard.map((h) => h.text()).sort();
        const expected = spokes.map((_, i) => `spoke ${i};`).sort();
        await waitFor(() => texts().join('') === expected.join(''), EVENT_MS, 'one message from every spoke');
        expect(texts()).toEqual(expected); // each accepted link carries exactly one spoke's bytes
      });
    }, 120_000);
  });
}
