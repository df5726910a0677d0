/**
 * Streams (issue 18) between two Chromium pages over real WebRTC: 64 MiB arrive byte-identical
 * (SHA-256 of what was sent equals that of what arrived), with progress on both ends.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { harnessPage, signalingServerPerTest, until } from './helpers.js';

const SIZE = 64 * 1024 * 1024;

async function streamPage(browser: Browser, url: string): Promise<Page> {
  const page = await harnessPage(browser);
  await page.evaluate(async (url) => {
    const sock = new window.web2p.MeshSocket({ iceServers: [], streams: window.web2p.streams() });
    const state = { received: undefined as undefined | { digest: string; size: number; label: string }, progress: [] as number[], error: '' };
    sock.on('stream', (stream) => {
      stream.on('progress', (n) => state.progress.push(n));
      stream
        .bytes()
        .then(async (bytes) => {
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
          state.received = { digest: Array.from(digest).join(','), size: bytes.length, label: stream.label };
        })
        .catch((error: Error) => (state.error = `${error.name}: ${error.message}`));
    });
    Object.assign(window, { sock, state });
    await sock.connect(url);
  }, url);
  return page;
}

const signaling = signalingServerPerTest();

test('64 MiB between two pages over WebRTC arrive byte-identical, with monotonic progress on both ends', async ({ browser }) => {
  const url = `${signaling.current().url}/streams`;
  const a = await streamPage(browser, url);
  const b = await streamPage(browser, url);
  const bId = await b.evaluate(() => (window as unknown as { sock: { id: string } }).sock.id);
  await until('a and b are neighbours', () => a.evaluate((id) => (window as unknown as { sock: { routingTable: Map<string, unknown> } }).sock.routingTable.has(id), bId));
  const sent = await a.evaluate(
    async ({ to, size }) => {
      const data = new Uint8Array(size);
      for (let at = 0; at < size; at += 65536) crypto.getRandomValues(data.subarray(at, at + 65536));
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
      const progress: number[] = [];
      const sock = (window as unknown as { sock: InstanceType<typeof window.web2p.MeshSocket> }).sock;
      const started = performance.now();
      await sock.sendStream(to, data, { label: 'random.bin', onProgress: (n) => progress.push(n) });
      return { digest: Array.from(digest).join(','), ms: performance.now() - started, progress };
    },
    { to: bId, size: SIZE },
  );
  await until('b has read it all', () => b.evaluate(() => (window as unknown as { state: { received?: unknown; error: string } }).state.received !== undefined || (window as unknown as { state: { error: string } }).state.error !== ''), 60_000);
  const got = await b.evaluate(() => (window as unknown as { state: { received: { digest: string; size: number; label: string }; progress: number[]; error: string } }).state);
  expect(got.error).toBe('');
  expect(got.received).toEqual({ digest: sent.digest, size: SIZE, label: 'random.bin' });
  const monotonic = (values: number[]) => values.every((v, i) => i === 0 || v >= values[i - 1]!);
  expect(monotonic(sent.progress) && sent.progress.at(-1) === SIZE).toBe(true);
  expect(monotonic(got.progress) && got.progress.at(-1) === SIZE).toBe(true);
  console.log(`64 MiB page to page over WebRTC: ${sent.ms.toFixed(0)} ms (${(SIZE / 2 ** 20 / (sent.ms / 1000)).toFixed(1)} MiB/s)`);
});

test('cancel from either side over WebRTC: the reader cancels, the sender aborts', async ({ browser }) => {
  const url = `${signaling.current().url}/cancel`;
  const a = await harnessPage(browser);
  const b = await harnessPage(browser);
  for (const page of [a, b]) {
    await page.evaluate(async (url) => {
      const sock = new window.web2p.MeshSocket({ iceServers: [], streams: window.web2p.streams() });
      const outcomes: string[] = [];
      // the first stream: cancel after the first chunk; the second: read until it fails
      sock.on('stream', async (stream) => {
        const reader = stream.readable.getReader();
        try {
          await reader.read();
          if (outcomes.length === 0) {
            outcomes.push('cancelling');
            await reader.cancel('seen enough');
            return;
          }
          for (;;) if ((await reader.read()).done) break;
          outcomes.push('ended');
        } catch (error) {
          outcomes.push((error as Error).name);
        }
      });
      Object.assign(window, { sock, outcomes });
      await sock.connect(url);
    }, url);
  }
  const bId = await b.evaluate(() => (window as unknown as { sock: { id: string } }).sock.id);
  await until('a and b are neighbours', () => a.evaluate((id) => (window as unknown as { sock: { routingTable: Map<string, unknown> } }).sock.routingTable.has(id), bId));
  const results = await a.evaluate(async (to) => {
    const sock = (window as unknown as { sock: InstanceType<typeof window.web2p.MeshSocket> }).sock;
    const big = new Uint8Array(16 * 1024 * 1024);
    const cancelled = await sock.sendStream(to, big).then(() => 'resolved', (error: Error) => error.name);
    const controller = new AbortController();
    const aborting = sock.sendStream(to, big, { signal: controller.signal, onProgress: () => controller.abort() });
    const aborted = await aborting.then(() => 'resolved', (error: Error) => error.name);
    return { cancelled, aborted };
  }, bId);
  expect(results).toEqual({ cancelled: 'StreamCancelledError', aborted: 'AbortError' });
  await until('b saw both ends', async () => (await b.evaluate(() => (window as unknown as { outcomes: string[] }).outcomes)).length === 2);
  expect(await b.evaluate(() => (window as unknown as { outcomes: string[] }).outcomes)).toEqual(['cancelling', 'AbortError']);
});
