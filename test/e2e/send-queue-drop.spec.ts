/**
 * Issue 16 in real Chromium: a page broadcasting to a WebRTC peer that never reads keeps its queue
 * towards that peer bounded, drops the peer with PeerLimitError 'send-queue', and its other peer
 * gets every broadcast. The peer that never reads is a Node MeshSocket (node-datachannel) in a
 * process of its own, stopped with SIGSTOP once linked: its SCTP stack stops acknowledging, so the
 * page's bytes pile up on the page's side, as behind a peer that froze. (A page cannot stop reading
 * a data channel: the browser drains it into 'message' events whatever the page does.)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { harnessPage, heardOn, roomPage, signalingServerPerTest, until } from './helpers.js';

/** The page's send-queue bound: low, so that the test fills it in a few broadcasts. */
const MAX_QUEUE_BYTES = 4 * 1024 * 1024;
/** Each broadcast; 64 of them (16 MiB) are far more than a stopped peer's SCTP window takes in. */
const PAYLOAD_BYTES = 256 * 1024;
const MAX_BROADCASTS = 64;
/** A frame's bytes beyond its payload: header, id, msgpack envelope. */
const FRAME_OVERHEAD = 1024;

/** What the test reads of the page's socket. */
interface PageSocket {
  routingTable: Map<string, { link: { bufferedAmount: number } }>;
  send(...packets: unknown[]): boolean;
}

const signaling = signalingServerPerTest();

test('a WebRTC peer that never reads is dropped with PeerLimitError send-queue; the queue stays bounded, the other peer gets everything', async ({ browser }) => {
  const url = `${signaling.current().url}/stalled`;
  const sender = await harnessPage(browser);
  await sender.evaluate(
    async ({ url, maxSendQueueBytes }) => {
      const sock = new window.web2p.MeshSocket({ iceServers: [], limits: { maxSendQueueBytes } });
      const errors: Array<{ name: string; limit?: string; message: string }> = [];
      sock.on('error', (error) => errors.push({ name: error.name, limit: (error as { limit?: string }).limit, message: error.message }));
      Object.assign(window, { sock, errors });
      await sock.connect(url);
    },
    { url, maxSendQueueBytes: MAX_QUEUE_BYTES },
  );
  const reader = await roomPage(browser, url);
  const readerId = await reader.evaluate(() => (window as unknown as { sock: { id: string } }).sock.id);
  const child = fork(fileURLToPath(new URL('../node/fixtures/mesh-peer.mjs', import.meta.url)), [url], { stdio: 'inherit' });
  try {
    const stalledId = await new Promise<string>((resolve) => child.once('message', (message) => resolve(String(message))));
    const neighbours = (): Promise<string[]> => sender.evaluate(() => [...(window as unknown as { sock: { routingTable: Map<string, unknown> } }).sock.routingTable.keys()]);
    await until('the sender is linked to the reader and to the Node peer', async () => {
      const ids = await neighbours();
      return ids.includes(readerId) && ids.includes(stalledId);
    });
    child.kill('SIGSTOP');

    const run = await sender.evaluate(
      async ({ stalledId, payloadBytes, maxBroadcasts }) => {
        const sock = (window as unknown as { sock: PageSocket }).sock;
        const payload = new Uint8Array(payloadBytes);
        let sent = 0;
        let peakQueued = 0;
        for (; sent < maxBroadcasts && sock.routingTable.has(stalledId); sent++) {
          sock.send(`big ${sent}`, payload);
          const towardsStalled = sock.routingTable.get(stalledId);
          if (towardsStalled) peakQueued = Math.max(peakQueued, towardsStalled.link.bufferedAmount);
          // one broadcast a task, so the links hand what they can to their channels in between
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return { sent, peakQueued, stillLinked: sock.routingTable.has(stalledId) };
      },
      { stalledId, payloadBytes: PAYLOAD_BYTES, maxBroadcasts: MAX_BROADCASTS },
    );
    expect(run.stillLinked).toBe(false);
    // The bound held: the queue was dropped at the send that took it over, never later.
    expect(run.peakQueued).toBeLessThanOrEqual(MAX_QUEUE_BYTES + PAYLOAD_BYTES + FRAME_OVERHEAD);
    const errors = await sender.evaluate(() => (window as unknown as { errors: Array<{ name: string; limit?: string; message: string }> }).errors);
    const dropped = errors.filter((error) => error.name === 'PeerLimitError' && error.limit === 'send-queue');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.message).toContain(stalledId);

    // The page carries on: its other peer got every broadcast, and what it sends after the drop.
    await until('the reader heard every broadcast', async () => (await heardOn(reader)).filter((h) => typeof h === 'string' && h.startsWith('big ')).length === run.sent);
    await sender.evaluate(() => (window as unknown as { sock: { send(text: string): void } }).sock.send('after the drop'));
    await until('the reader heard the next one', async () => (await heardOn(reader)).includes('after the drop'));
    expect(await neighbours()).toContain(readerId);
  } finally {
    child.kill('SIGKILL');
  }
});
