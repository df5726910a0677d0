/**
 * Issue 3 in real Chromium: pages meet through the signaling server and form a mesh over WebRTC.
 * Each page runs a MeshSocket with the browser's default transport; the test drives them with
 * page.evaluate and waits on conditions, never on fixed sleeps.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { connected, harnessPage, nodeView, signalingServerPerTest, until } from './helpers.js';

interface PageState {
  id: string;
  neighbours: string[];
  received: Array<{ sender: string; packets: unknown[] }>;
  errors: string[];
  disconnects: string[];
}

/** Opens a page whose MeshSocket joins `room` on `url`, recording what it sees on `window.state`. */
async function meshPage(browser: Browser, url: string, options: { subnet?: string; maxOutgoing?: number } = {}): Promise<Page> {
  const page = await harnessPage(browser);
  await page.evaluate(
    async ({ url, subnet, maxOutgoing }) => {
      const { MeshSocket, Protocol } = window.web2p;
      const sock = new MeshSocket({
        iceServers: [],
        ...(subnet ? { protocol: new Protocol(subnet) } : {}),
        ...(maxOutgoing !== undefined ? { maxOutgoing } : {}),
      });
      const state = { received: [] as unknown[], errors: [] as string[], disconnects: [] as string[] };
      sock.on('message', (msg) => {
        state.received.push({ sender: msg.sender, packets: msg.packets.map((p) => (p instanceof Uint8Array ? { bytes: p.length } : p)) });
        sock.recv();
      });
      sock.on('error', (error) => state.errors.push(`${error.name}: ${error.message}`));
      sock.on('disconnect', (id) => state.disconnects.push(id));
      Object.assign(window, { sock, state });
      await sock.connect(url);
    },
    { url, subnet: options.subnet, maxOutgoing: options.maxOutgoing },
  );
  return page;
}

async function state(page: Page): Promise<PageState> {
  const view = await nodeView(page);
  const seen = await page.evaluate(() => (window as unknown as { state: Omit<PageState, 'id' | 'neighbours'> }).state);
  return { ...view, ...seen };
}

const signaling = signalingServerPerTest();
/**
 * "Within a few seconds". A closing page says goodbye on each link (pagehide), so it goes at once;
 * when the goodbye is lost with the page, or the page crashed, the signaling server's word that it
 * left starts a liveness probe, which gives up after PROBE_SILENCE_MS (3 s).
 */
const DEPARTURE_MS = 6_000;
test.afterAll(async () => {
  // node-datachannel's threads would keep the worker alive
  const { cleanup } = await import('node-datachannel');
  cleanup();
});
test("with WebCrypto's Ed25519, as a MeshSocket-only app: the id waits for ready, and two pages prove theirs and talk", async ({ browser }) => {
  const url = `${signaling.current().url}/webcrypto`;
  const pages = [await harnessPage(browser), await harnessPage(browser)];
  const ids: string[] = [];
  for (const page of pages) {
    ids.push(
      await page.evaluate(async (url) => {
        const { MeshSocket, ed25519 } = window.web2p;
        ed25519.useEd25519(ed25519.webCryptoEd25519);
        const sock = new MeshSocket({ iceServers: [] });
        let early = '';
        try {
          void sock.id;
        } catch (error) {
          early = (error as Error).message;
        }
        if (!/await sock.ready first/.test(early)) throw new Error(`reading id before ready did not say to await it: ${early}`);
        const heard: string[] = [];
        sock.on('message', (msg) => heard.push(String(msg.packets[1])));
        Object.assign(window, { sock, heard });
        await sock.ready;
        await sock.connect(url);
        return sock.id;
      }, url),
    );
  }
  await until('the two pages are linked (each proved its id)', async () => {
    const views = await Promise.all(pages.map(nodeView));
    return views[0]!.neighbours.includes(ids[1]!) && views[1]!.neighbours.includes(ids[0]!);
  });
  await pages[0]!.evaluate(() => (window as any).sock.send('signed by WebCrypto'));
  await until('the broadcast arrived', async () => (await pages[1]!.evaluate(() => (window as any).heard as string[])).includes('signed by WebCrypto'));
  for (const page of pages) await page.close();
});

test('4 pages form a mesh: broadcasts exactly once, whispers to neighbours, replies, mismatch errors', async ({ browser }) => {
  const url = `${signaling.current().url}/four`;
  const pages: Page[] = [];
  for (let i = 0; i < 4; i++) pages.push(await meshPage(browser, url));
  await until('the 4 pages form one mesh', async () => connected(await Promise.all(pages.map(state))));

  for (const [i, page] of pages.entries()) await page.evaluate((i) => (window as any).sock.send(`from page ${i}`), i);
  await until('every broadcast arrived', async () => (await Promise.all(pages.map(state))).every((s) => s.received.length >= 3));
  const states = await Promise.all(pages.map(state));
  for (const [i, s] of states.entries()) {
    const texts = s.received.map((r) => r.packets[1]).sort();
    expect(texts).toEqual([0, 1, 2, 3].filter((j) => j !== i).map((j) => `from page ${j}`));
  }

  // a whisper reaches the neighbours of the sender and no one else
  // the neighbours when it is sent: the mesh may grow a link afterwards, which owes it nothing
  const neighbours = new Set((await state(pages[0]!)).neighbours);
  await pages[0]!.evaluate(() => (window as any).sock.send('psst', { flag: 2, type: 2 }));
  await until('the neighbours got the whisper', async () => {
    const now = await Promise.all(pages.slice(1).map(state));
    return now.filter((s) => neighbours.has(s.id)).every((s) => s.received.some((r) => r.packets[1] === 'psst'));
  });
  for (const s of await Promise.all(pages.slice(1).map(state))) {
    expect(s.received.some((r) => r.packets[1] === 'psst')).toBe(neighbours.has(s.id));
  }

  // a reply reaches the sender
  await pages[3]!.evaluate(() => {
    const w = window as any;
    w.sock.registerHandler((msg: any, _conn: unknown) => {
      if (msg.packets[1] !== 'question') return false;
      void msg.reply('answer');
      return true;
    });
  });
  await pages[0]!.evaluate(() => (window as any).sock.send('question'));
  await until('the reply came back', async () => (await state(pages[0]!)).received.some((r) => r.packets[1] === 'answer'));
  expect((await state(pages[0]!)).received.find((r) => r.packets[1] === 'answer')!.sender).toBe(states[3]!.id);

  // a page with another protocol is refused, loudly, on its side
  const stranger = await meshPage(browser, url, { subnet: 'other' });
  await until('the stranger sees a ProtocolMismatchError', async () => (await state(stranger)).errors.some((e) => e.startsWith('ProtocolMismatchError')));
  expect((await state(stranger)).neighbours).toEqual([]);
  for (const s of await Promise.all(pages.map(state))) expect(s.neighbours).not.toContain((await state(stranger)).id);
});

test('a 16 MiB broadcast arrives byte-identical on every page', async ({ browser }) => {
  const url = `${signaling.current().url}/big`;
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await meshPage(browser, url));
  await until('the 3 pages form one mesh', async () => connected(await Promise.all(pages.map(state))));
  for (const page of pages.slice(1)) {
    await page.evaluate(() => {
      const w = window as any;
      w.bigDigest = new Promise((resolve) =>
        w.sock.on('message', async (msg: any) => {
          if (!(msg.packets[1] instanceof Uint8Array)) return;
          const digest = await crypto.subtle.digest('SHA-256', msg.packets[1] as Uint8Array<ArrayBuffer>);
          resolve({ length: msg.packets[1].length, digest: Array.from(new Uint8Array(digest)).join(',') });
        }),
      );
    });
  }
  const sent = await pages[0]!.evaluate(async () => {
    const big = new Uint8Array(16 * 1024 * 1024 - 1024); // the frame's header, id and packing fit in the 16 MiB limit
    for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
    const digest = await crypto.subtle.digest('SHA-256', big);
    (window as any).sock.send(big);
    return { length: big.length, digest: Array.from(new Uint8Array(digest)).join(',') };
  });
  for (const page of pages.slice(1)) expect(await page.evaluate(() => (window as any).bigDigest)).toEqual(sent);
});

test('with the signaling server gone, a page reaches a non-neighbour through mesh-relayed signaling', async ({ browser }) => {
  // A and C never share a room: A meets B in one, B meets C in another. A takes no outgoing slots
  // and C only the one to B, so neither dials the other by itself.
  const a = await meshPage(browser, `${signaling.current().url}/left`, { maxOutgoing: 0 });
  const b = await meshPage(browser, `${signaling.current().url}/left`);
  await b.evaluate((url) => (window as any).sock.connect(url), `${signaling.current().url}/right`);
  const c = await meshPage(browser, `${signaling.current().url}/right`, { maxOutgoing: 1 });
  await until('a mesh of 3 through b', async () => connected(await Promise.all([a, b, c].map(state))));
  const [sa, , sc] = await Promise.all([a, b, c].map(state));
  expect(sa!.neighbours).not.toContain(sc!.id);
  await signaling.current().close();
  await a.evaluate(() => (window as any).sock.requestPeers());
  await until('a hears of c from b', async () =>
    a.evaluate((id) => (window as any).sock.connect(`webrtc:${id}`).then(() => true, () => false), sc!.id),
  );
  expect((await state(a)).neighbours).toContain(sc!.id);
  await a.evaluate(() => (window as any).sock.send('direct now', { flag: 2, type: 2 }));
  await until('c hears a directly', async () => (await state(c)).received.some((r) => r.packets[1] === 'direct now' && r.sender === sa!.id));
  await signaling.restart(); // for afterEach
});

/** A page goes as a user's would: closed (its pagehide says goodbye), or crashed (nothing said). */
const departures = {
  closes: (page: Page) => page.close(),
  crashes: async (page: Page) => {
    const devtools = await page.context().newCDPSession(page);
    const crashed = page.waitForEvent('crash');
    // The renderer dies mid-command, so the command never gets its answer: wait for the crash instead.
    void devtools.send('Page.crash').catch(() => undefined);
    await crashed;
  },
};

for (const [how, depart] of Object.entries(departures)) test(`a page that ${how} is dropped from the others’ routing tables`, async ({ browser }) => {
  const url = `${signaling.current().url}/leave-${how}`;
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await meshPage(browser, url));
  await until('a mesh of 3', async () => connected(await Promise.all(pages.map(state))));
  const leaving = await state(pages[2]!);
  const before = await Promise.all(pages.slice(0, 2).map(state));
  await depart(pages[2]!);
  await until(`the others drop the page that ${how}`, async () => {
    const rest = await Promise.all(pages.slice(0, 2).map(state));
    return rest.every((s) => !s.neighbours.includes(leaving.id));
  }, DEPARTURE_MS);
  const after = await Promise.all(pages.slice(0, 2).map(state));
  for (const [i, s] of after.entries()) {
    // every page that had it as a neighbour saw it leave (one that had not may have linked to it
    // since, as a loaded machine's mesh of 3 still fills after it is connected, and seen that too)
    if (before[i]!.neighbours.includes(leaving.id)) expect(s.disconnects).toContain(leaving.id);
  }
  expect(before.some((s) => s.neighbours.includes(leaving.id))).toBe(true);
});

test('a Node MeshSocket (node-datachannel) joins the browsers’ room and exchanges broadcasts with them', async ({ browser }) => {
  const { MeshSocket } = await import('../../packages/web2p/dist/node/index.js');
  const url = `${signaling.current().url}/mixed`;
  const pages = [await meshPage(browser, url), await meshPage(browser, url)];
  const node = new MeshSocket({ iceServers: [] });
  const heard: unknown[] = [];
  node.on('message', (msg) => {
    heard.push(msg.packets[1]);
    node.recv();
  });
  try {
    await node.connect(url);
    await until('the node is in the mesh', async () => {
      const states = await Promise.all(pages.map(state));
      return states.some((s) => s.neighbours.includes(node.id)) && connected([...states, { id: node.id, neighbours: [...node.routingTable.keys()] }]);
    });
    node.send('hello from node');
    await pages[0]!.evaluate(() => (window as any).sock.send('hello from a page'));
    await until('the pages hear the node', async () =>
      (await Promise.all(pages.map(state))).every((s) => s.received.filter((r) => r.packets[1] === 'hello from node').length === 1),
    );
    await until('the node hears the page', async () => heard.includes('hello from a page'));
    expect(heard.filter((h) => h === 'hello from a page')).toHaveLength(1);
  } finally {
    await node.close();
  }
});
