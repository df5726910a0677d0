import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanup as cleanupNodeDataChannel } from 'node-datachannel';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionClosedError, TimeoutError } from '../../packages/web2p/src/errors.js';
import {
  openPeerConnection,
  type DataChannelLink,
  type PeerConnectionAttempt,
  type PeerConnectionOptions,
  type Signal,
} from '../../packages/web2p/src/transport/webrtc/index.js';
import type { Clock } from '../../packages/web2p/src/runtime/clock.js';
import { PROBE_SILENCE_MS } from '../../packages/web2p/src/transport/webrtc/constants.js';
import { describeLinkContract } from '../contract/link-contract.js';
import { dataChannelPair } from './datachannel-pair.js';
import { waitFor } from '../contract/wait.js';
import { watchTimers } from './timer-watch.js';

const base = { RTCPeerConnection, configuration: {} } satisfies Partial<PeerConnectionOptions>;

/**
 * Two peer connections in this process, each side's signals handed to the other as the plain JSON a
 * signaling server would carry. With `candidatesFirst`, every description waits until a candidate
 * from the same side has gone ahead of it, as when signals take different routes. A pair lost to
 * libdatachannel's DTLS race is made again (dataChannelPair; CI hit it here).
 */
async function connect(options: { candidatesFirst?: boolean; clock?: Clock } = {}): Promise<{ a: DataChannelLink; b: DataChannelLink }> {
  const [a, b] = await dataChannelPair(() => connectOnce(options));
  return { a, b };
}

function connectOnce({ candidatesFirst = false, clock }: { candidatesFirst?: boolean; clock?: Clock }): PeerConnectionAttempt[] {
  const attempts: PeerConnectionAttempt[] = [];
  const carrier = (to: number) => {
    let candidateSent = false;
    const held: Signal[] = [];
    const deliver = (signal: Signal) => attempts[to]!.signal(JSON.parse(JSON.stringify(signal)) as Signal);
    return (signal: Signal): void => {
      if (signal.type !== 'candidate' && candidatesFirst && !candidateSent) {
        held.push(signal);
        return;
      }
      deliver(signal);
      if (signal.type === 'candidate' && !candidateSent) {
        candidateSent = true;
        held.splice(0).forEach(deliver);
      }
    };
  };
  attempts.push(openPeerConnection({ ...base, initiator: true, sendSignal: carrier(1), ...(clock ? { clock } : {}) }));
  attempts.push(openPeerConnection({ ...base, initiator: false, sendSignal: carrier(0) }));
  return attempts;
}

/** Closes both links and waits until libdatachannel has let go of both connections. */
async function closeAll(...links: DataChannelLink[]): Promise<void> {
  for (const link of links) link.close();
  const closed = () => links.every((link) => link.peerConnection.connectionState === 'closed');
  await waitFor(closed, 5_000, 'both connections closed');
}

afterAll(() => cleanupNodeDataChannel());

describeLinkContract('WebRTC DataChannelLink (node-datachannel)', async () => {
  const { a, b } = await connect();
  return { a, b, cleanup: () => closeAll(a, b) };
});

describe('openPeerConnection (node-datachannel)', () => {
  it('opens with candidates that arrive before their description', async () => {
    const { a, b } = await connect({ candidatesFirst: true });
    expect([a.outgoing, b.outgoing]).toEqual([true, false]);
    await closeAll(a, b);
  });

  it('rejects with TimeoutError when the signal exchange never completes', async () => {
    const attempt = openPeerConnection({ ...base, initiator: true, sendSignal: () => undefined, timeoutMs: 200 });
    await expect(attempt.link).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects with ConnectionClosedError when signals cannot be sent', async () => {
    const attempt = openPeerConnection({
      ...base,
      initiator: true,
      sendSignal: () => {
        throw new Error('signaling server gone');
      },
    });
    await expect(attempt.link).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("closes the other side's link when one side closes its peer connection", async () => {
    const { a, b } = await connect();
    const closes: string[] = [];
    a.attach({ data: () => undefined, close: () => closes.push('a') });
    b.attach({ data: () => undefined, close: () => closes.push('b') });
    a.peerConnection.close();
    await waitFor(() => closes.includes('b'), 5_000, "b's close callback");
    await waitFor(() => closes.includes('a'), 5_000, "a's close callback");
    expect(closes.sort()).toEqual(['a', 'b']);
    await closeAll(a, b);
  });
});

describe('liveness probe (node-datachannel)', () => {
  it('is answered by a live peer, and the link carries on', async () => {
    const probeTimers = watchTimers(PROBE_SILENCE_MS);
    const { a, b } = await connect({ clock: probeTimers.clock });
    const closes: unknown[] = [];
    const heard: number[] = [];
    a.attach({ data: () => undefined, close: (error) => closes.push(error) });
    b.attach({ data: (bytes) => heard.push(bytes.byteLength), close: (error) => closes.push(error) });
    a.probe();
    expect(probeTimers.started()).toBe(1);
    await waitFor(() => probeTimers.pending() === 0, 5_000, 'the answer to the probe');
    expect(closes).toEqual([]);
    a.send(new Uint8Array(7)); // the probe left no bytes behind in b's stream
    await waitFor(() => heard.length > 0, 5_000, 'bytes after the probe');
    expect(heard).toEqual([7]);
    await closeAll(a, b);
  });

  it('closes the link with ConnectionClosedError when the peer is frozen', async () => {
    const child = fork(fileURLToPath(new URL('./fixtures/webrtc-answerer.mjs', import.meta.url)), { stdio: 'inherit' });
    try {
      let ready = false;
      let opened = false;
      let attempt: PeerConnectionAttempt | undefined;
      child.on('message', (message) => {
        if (message === 'ready') ready = true;
        else if (message === 'open') opened = true;
        else attempt?.signal(message as Signal); // it signals only in answer to ours
      });
      await waitFor(() => ready, 10_000, 'the other process to listen for signals');
      attempt = openPeerConnection({ ...base, initiator: true, sendSignal: (signal) => child.send(signal) });
      const link = await attempt.link;
      await waitFor(() => opened, 5_000, 'the other process to open its end');
      const closes: unknown[] = [];
      link.attach({ data: () => undefined, close: (error) => closes.push(error) });
      // Alive to the kernel, silent on the wire: like a hung page, whose connection ICE trusts for long.
      child.kill('SIGSTOP');
      const probed = Date.now();
      link.probe();
      await waitFor(() => closes.length > 0, PROBE_SILENCE_MS + 5_000, 'the probe to give up');
      expect(closes[0]).toBeInstanceOf(ConnectionClosedError);
      expect(String(closes[0])).toMatch(/liveness probe/);
      expect(Date.now() - probed).toBeGreaterThanOrEqual(PROBE_SILENCE_MS);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('DataChannelLink sends', () => {
  it("sends a task's first frame at once and joins the rest of the task's small frames into one data-channel message, bytes in order (PROTOCOL.md §14.12)", async () => {
    const { a, b } = await connect();
    const arrived: Uint8Array[] = [];
    b.attach({ data: (bytes) => arrived.push(bytes.slice()), close: () => {} });
    const frames = Array.from({ length: 100 }, (_, i) => new Uint8Array(100).fill(i));
    for (const frame of frames) a.send(frame);
    const total = (parts: Uint8Array[]) => parts.reduce((n, part) => n + part.length, 0);
    await waitFor(() => total(arrived) === 100 * 100, 5_000, 'every byte');
    expect(arrived.map((message) => message.length)).toEqual([100, 99 * 100]);
    expect(Buffer.concat(arrived)).toEqual(Buffer.concat(frames));
    await closeAll(a, b);
  });
});
