/** The library runs unchanged in Chromium: the wire codec, a simulated mesh, and IndexedDB storage. */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { harnessPage } from './helpers.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/golden-vectors.json', import.meta.url), 'utf8'));

test('the wire codec produces the golden frames in the browser', async ({ browser }) => {
  const page = await harnessPage(browser);
  const frames: string[] = await page.evaluate((vectors) => {
    const { createMessage, encodeFrame, toHex } = window.web2p;
    const packet = (p: unknown): unknown =>
      typeof p === 'string' && p.startsWith('bin:') ? Uint8Array.from(p.slice(4).match(/../g)!.map((h) => parseInt(h, 16))) : Array.isArray(p) ? p.map(packet) : p;
    return vectors.map((v: { packets: unknown[] }) => {
      const [type, sender, time, ...payload] = v.packets.map(packet) as [number, string, number, ...never[]];
      return toHex(encodeFrame(createMessage(type, sender, time, payload)));
    });
  }, golden.frames);
  expect(frames).toEqual(golden.frames.map((f: { frame_hex: string }) => f.frame_hex));
  const ids = await page.evaluate(() => new window.web2p.Protocol('mesh').id);
  expect(ids).toBe(golden.protocol_ids['mesh/Plaintext']);
});

test('a simulated 20-node mesh runs inside a page and delivers a broadcast once to everyone', async ({ browser }) => {
  const page = await harnessPage(browser);
  const counts: number[] = await page.evaluate(async () => {
    const { MeshSocket, sim } = window.web2p;
    const net = new sim.SimNetwork({ seed: 3 });
    const nodes = Array.from({ length: 20 }, () => new MeshSocket({ transport: net.transport() }));
    for (let i = 1; i < nodes.length; i++) await nodes[i]!.connect(nodes[Math.floor(i / 2)]!.address);
    await net.run(5_000);
    nodes[7]!.send('hello from a page');
    await net.run(5_000);
    return nodes.map((n) => n.recv(100).filter((m) => m.packets[1] === 'hello from a page').length);
  });
  expect(counts.filter((c, i) => i !== 7 && c === 1)).toHaveLength(19);
  expect(counts[7]).toBe(0);
});

test('IdbStore keeps values in real IndexedDB across a reload', async ({ browser }) => {
  const page = await harnessPage(browser);
  await page.evaluate(async () => {
    const s = new window.web2p.store.IdbStore('e2e-reload');
    await s.set('text', 'kept');
    await s.set('bytes', new Uint8Array([1, 2, 255]));
    await s.set('lease', { owner: 'abc', ts: 1_700_000_000, value: [1, 'two'] });
    await s.close();
  });
  await page.reload();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const back = await page.evaluate(async () => {
    const s = new window.web2p.store.IdbStore('e2e-reload');
    const entries = Object.fromEntries(await s.entries());
    await s.close();
    return { text: entries.text, bytes: Array.from(entries.bytes as Uint8Array), lease: entries.lease };
  });
  expect(back).toEqual({ text: 'kept', bytes: [1, 2, 255], lease: { owner: 'abc', ts: 1_700_000_000, value: [1, 'two'] } });
});

test('the system clock’s 0 ms timers are tasks that a chain of timers’ 4 ms clamp does not hold', async ({ browser }) => {
  // The mesh chains them (fair reading's turns between peers): as timers, the HTML spec clamps a
  // chain past five to 4 ms a step, and a hidden page runs timers only on whole seconds.
  const page = await harnessPage(browser);
  const [clockMs, timerMs] = await page.evaluate(async () => {
    const { systemClock } = window.web2p;
    const chain = (schedule: (fn: () => void) => void, steps: number) =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        let left = steps;
        const step = (): void => (--left === 0 ? resolve(performance.now() - start) : schedule(step));
        schedule(step);
      });
    return [await chain((fn) => systemClock.setTimeout(fn, 0), 100), await chain((fn) => setTimeout(fn, 0), 100)];
  });
  expect(timerMs).toBeGreaterThan(300);
  expect(clockMs).toBeLessThan(timerMs / 2);
});
